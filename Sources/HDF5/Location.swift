import MPI

/// What every object of a file needs to know about the file: whether it is parallel and this
/// process's rank in the file's communicator (0 for serial files).
struct FileContext: Sendable {
    var isParallel: Bool
    var rank: Int

    /// Whether a `deinit` may still close objects of the file: always for serial files; for
    /// parallel ones only while MPI runs (`MPI_Finalize` has the library close everything).
    var deinitMayClose: Bool { !isParallel || mpiIsRunning }
}

/// A non-owning reference to an open group, dataset or file (the file standing for its root
/// group): the attribute code shared by `Group` and `Dataset` lives here.
struct Location {
    let id: ObjectID
    let file: FileContext

    /// The object's path in the file, e.g. `/results/cycles`.
    var path: String { H5.name(of: id) }
}

/// The product of the dimensions (1 for a scalar), `Int.max` when it does not fit in an Int.
func elementCount(_ shape: [Int]) -> Int {
    var n = 1
    for d in shape {
        let (product, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow { return .max }
        n = product
    }
    return n
}

/// How much one read may bring into memory. A dataset or attribute whose extent claims more
/// elements fails to read (an `HDF5Error` naming the claim and the limit) before anything is
/// allocated, so that a small file claiming a huge array cannot exhaust memory.
public enum ReadLimit {
    /// The most elements (numbers, or bytes of fixed-length strings) one read may return.
    /// Set once at startup, before any reads.
    nonisolated(unsafe) public static var elements = Int.max
    /// Appended to the error message, e.g. how to raise the limit.
    nonisolated(unsafe) public static var advice = ""
}

/// Reads `count` trivially-copyable values through `fill`, which receives a buffer of
/// `count` elements (never a null pointer, even for zero elements). `shape`, when given, is
/// what the message of a read beyond `ReadLimit` shows.
func readArray<T: BitwiseCopyable>(
    of type: T.Type, count: Int, shape: [Int]? = nil, _ fill: (UnsafeMutableRawPointer) throws(HDF5Error) -> Void
) throws(HDF5Error) -> [T] {
    guard count < Int.max, count <= ReadLimit.elements else {
        let claim = shape.map { $0.map(String.init).joined(separator: "x") } ?? (count == .max ? "more than \(Int.max)" : String(count))
        throw HDF5Error("", reason: "it claims \(claim) elements, more than the limit of \(ReadLimit.elements) one read may allocate"
                            + (ReadLimit.advice.isEmpty ? "" : " (\(ReadLimit.advice))"))
    }
    var failure: HDF5Error?
    let values = [T](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
        do throws(HDF5Error) {
            try fill(UnsafeMutableRawPointer(buffer.baseAddress!))
        } catch {
            failure = error
        }
        initialized = count
    }
    if let failure { throw failure }
    return values
}

/// Calls `body` with the bytes of `values`, never with a null pointer (HDF5 rejects a null
/// buffer even when nothing is selected).
func withBytes<T: BitwiseCopyable, R>(
    of values: [T], _ body: (UnsafeRawPointer) throws(HDF5Error) -> R
) throws(HDF5Error) -> R {
    var failure: HDF5Error?
    var result: R?
    if values.isEmpty {
        var placeholder: UInt64 = 0
        withUnsafeBytes(of: &placeholder) { bytes in
            do throws(HDF5Error) { result = try body(bytes.baseAddress!) } catch { failure = error }
        }
    } else {
        values.withUnsafeBytes { bytes in
            do throws(HDF5Error) { result = try body(bytes.baseAddress!) } catch { failure = error }
        }
    }
    if let failure { throw failure }
    return result!
}

/// Text storage shared by string attributes and datasets.
enum StringCodec {
    /// Fixed-length, null-padded buffer of `values`, each `length` bytes.
    static func fixedLengthBuffer(_ values: [String], length: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: values.count * length)
        for (i, value) in values.enumerated() {
            let bytes = Array(value.utf8)
            buffer.replaceSubrange((i * length)..<(i * length + bytes.count), with: bytes)
        }
        return buffer
    }

    /// The byte length of the longest value, at least 1 (HDF5 has no zero-length strings).
    static func fixedLength(of values: [String]) -> Int {
        max(1, values.map { $0.utf8.count }.max() ?? 1)
    }

    /// Splits a fixed-length buffer, cutting each value at its first NUL.
    static func decodeFixedLength(_ buffer: [UInt8], count: Int, length: Int) -> [String] {
        (0..<count).map { i in
            let slice = buffer[(i * length)..<((i + 1) * length)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Reads `count` strings of the stored type `stored` through `read`, which is given a
    /// memory type and a buffer. Handles variable- and fixed-length storage.
    static func read(
        count: Int, stored: TypeDescription,
        _ read: (ObjectID, UnsafeMutableRawPointer) throws(HDF5Error) -> Void
    ) throws(HDF5Error) -> [String] {
        if stored.isVariableLengthString {
            let memoryType = try H5.stringType(length: nil)
            defer { H5.closeType(memoryType) }
            let pointers = try readArray(of: UnsafeMutablePointer<CChar>?.self, count: count) {
                (buffer) throws(HDF5Error) in
                buffer.initializeMemory(as: UInt8.self, repeating: 0,
                                        count: max(count, 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)
                try read(memoryType, buffer)
            }
            defer { for pointer in pointers { H5.freeMemory(pointer) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let length = stored.size
        let memoryType = try H5.stringType(length: length)
        defer { H5.closeType(memoryType) }
        let bytes = try readArray(of: UInt8.self, count: elementCount([count, length])) { (buffer) throws(HDF5Error) in
            try read(memoryType, buffer)
        }
        return decodeFixedLength(bytes, count: count, length: length)
    }
}
