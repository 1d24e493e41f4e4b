import CMPI
import MPI

/// A point-to-point call of the sweep's work queue that failed.
public struct WorkQueueError: Error, CustomStringConvertible {
    public let function: String
    public let code: Int32
    public var description: String { "\(function) failed (MPI error \(code))" }
}

/// The few point-to-point calls the work queue needs, as thin functions over the C API: small
/// messages of 64-bit integers between rank 0 and the others. (The MPI wrapper module has only
/// collectives; if more of the project needs point-to-point messages they belong there.)
enum WorkQueueMessages {
    static func check(_ code: Int32, _ function: String) throws(WorkQueueError) {
        if code != cmpi_success() { throw WorkQueueError(function: function, code: code) }
    }

    /// `MPI_Send` of `values` to `destination` with `tag`.
    static func send(_ values: [Int64], to destination: Int, tag: Int32, on communicator: Communicator) throws(WorkQueueError) {
        let code = values.withUnsafeBufferPointer { buffer in
            MPI_Send(buffer.baseAddress, Int32(buffer.count), cmpi_int64(), Int32(destination), tag, communicator.handle)
        }
        try check(code, "MPI_Send")
    }

    /// `MPI_Recv` of at most `capacity` values with `tag` from `source` (nil: any source);
    /// returns the values and the sender's rank.
    static func receive(capacity: Int, from source: Int?, tag: Int32, on communicator: Communicator) throws(WorkQueueError) -> (values: [Int64], source: Int) {
        var buffer = [Int64](repeating: 0, count: capacity)
        var status = MPI_Status()
        let code = buffer.withUnsafeMutableBufferPointer { b in
            MPI_Recv(b.baseAddress, Int32(capacity), cmpi_int64(), source.map(Int32.init) ?? cmpi_any_source(), tag, communicator.handle, &status)
        }
        try check(code, "MPI_Recv")
        var count: Int32 = 0
        try check(MPI_Get_count(&status, cmpi_int64(), &count), "MPI_Get_count")
        return (Array(buffer.prefix(Int(count))), Int(status.MPI_SOURCE))
    }

    /// `MPI_Iprobe`: whether a message with `tag` from any source is waiting.
    static func pending(tag: Int32, on communicator: Communicator) throws(WorkQueueError) -> Bool {
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Iprobe(cmpi_any_source(), tag, communicator.handle, &flag, &status), "MPI_Iprobe")
        return flag != 0
    }
}
