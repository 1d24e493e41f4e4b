import CMPI

/// A Swift scalar with a matching MPI datatype; what `Communicator`'s collectives move.
public protocol MPIScalar: BitwiseCopyable, Sendable {
    /// The MPI datatype of one value (`MPI_DOUBLE`, `MPI_INT64_T`, ...).
    static var mpiDatatype: MPI_Datatype { get }
}

extension Double: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_double() } }
extension Float: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_float() } }
extension Int32: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int32() } }
extension Int64: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int64() } }
extension Int: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int64() } }
extension UInt64: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_uint64() } }
extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_uint8() } }

/// A reduction operation.
public enum ReductionOperation: Sendable {
    case sum, max, min, bitwiseOr

    var handle: MPI_Op {
        switch self {
        case .sum: cmpi_op_sum()
        case .max: cmpi_op_max()
        case .min: cmpi_op_min()
        case .bitwiseOr: cmpi_op_bor()
        }
    }
}
