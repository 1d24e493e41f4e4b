import CHDF5

/// The numeric element types platlas stores. Each is stored in the file as the native
/// little-endian type of that size (`H5T_NATIVE_*` on x86-64 and arm64).
public enum ElementType: Sendable, Hashable, CaseIterable {
    case float64, int64, uint64, int32, uint8

    /// The HDF5 memory type (`H5T_NATIVE_DOUBLE`, `H5T_NATIVE_INT64`, ...).
    var hdf5Type: hid_t {
        switch self {
        case .float64: H5.nativeDouble
        case .int64: H5.nativeInt64
        case .uint64: H5.nativeUInt64
        case .int32: H5.nativeInt32
        case .uint8: H5.nativeUInt8
        }
    }

    /// The element type matching a stored numeric type, nil for any other (strings,
    /// compounds, 32-bit floats, 16-bit integers, ...).
    init?(_ type: TypeDescription) {
        switch (type.kind, type.size, type.isSigned) {
        case (.float, 8, _): self = .float64
        case (.integer, 8, true): self = .int64
        case (.integer, 8, false): self = .uint64
        case (.integer, 4, true): self = .int32
        case (.integer, 1, false): self = .uint8
        default: return nil
        }
    }
}

/// A Swift scalar that HDF5 can read and write directly: `Double`, `Int64`, `UInt64`, `Int32`,
/// `UInt8`, and `Int` (stored as a 64-bit signed integer).
///
/// Reads convert from whatever numeric type the file holds (HDF5's conversion: a double
/// read as an integer is rounded toward zero, out-of-range values are clamped); reading a
/// string or compound dataset as a number throws.
public protocol HDF5Scalar: BitwiseCopyable, Sendable {
    /// The HDF5 memory type of one value (`H5T_NATIVE_DOUBLE`, ...).
    static var hdf5Type: hid_t { get }
    /// The element type a dataset created for this scalar has.
    static var elementType: ElementType { get }
}

extension Double: HDF5Scalar {
    public static var hdf5Type: hid_t { H5.nativeDouble }
    public static var elementType: ElementType { .float64 }
}
extension Int64: HDF5Scalar {
    public static var hdf5Type: hid_t { H5.nativeInt64 }
    public static var elementType: ElementType { .int64 }
}
extension UInt64: HDF5Scalar {
    public static var hdf5Type: hid_t { H5.nativeUInt64 }
    public static var elementType: ElementType { .uint64 }
}
extension Int32: HDF5Scalar {
    public static var hdf5Type: hid_t { H5.nativeInt32 }
    public static var elementType: ElementType { .int32 }
}
extension UInt8: HDF5Scalar {
    public static var hdf5Type: hid_t { H5.nativeUInt8 }
    public static var elementType: ElementType { .uint8 }
}
extension Int: HDF5Scalar {
    // Int is 64 bits on every platform platlas builds for.
    public static var hdf5Type: hid_t { H5.nativeInt64 }
    public static var elementType: ElementType { .int64 }
}
