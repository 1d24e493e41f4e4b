import CMPI

/// An MPI call that did not return `MPI_SUCCESS`, with the library's own message
/// (`MPI_Error_string`).
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let function: String
    public let message: String

    public var description: String { "\(function) failed: \(message) (MPI error \(code))" }
}

/// Turns an MPI return code into a thrown `MPIError`.
@inline(__always)
func check(_ code: Int32, _ function: StaticString) throws(MPIError) {
    if code != cmpi_success() { throw MPIError(code: code, function: "\(function)", message: errorString(code)) }
}

/// The text `MPI_Error_string` gives for a code.
func errorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
