import CMPI

extension Communicator {
    /// Sends `values` to rank `destination` with `tag` (blocking). `MPI_Send`
    public func send<T: MPIScalar>(_ values: [T], to destination: Int, tag: Int32) throws(MPIError) {
        precondition(!isAlone, "a process without MPI has no other rank to send to")
        let code = values.withUnsafeBytes { buffer in
            MPI_Send(buffer.baseAddress, Int32(values.count), T.mpiDatatype, Int32(destination), tag, handle)
        }
        try check(code, "MPI_Send")
    }

    /// Receives at most `capacity` values with `tag` from rank `source` (nil: any rank); returns
    /// the values and the sender's rank. `MPI_Recv`, `MPI_Get_count`
    public func receive<T: MPIScalar>(_ type: T.Type = T.self, capacity: Int, from source: Int?, tag: Int32)
        throws(MPIError) -> (values: [T], source: Int) {
        precondition(!isAlone, "a process without MPI has no other rank to receive from")
        var buffer = [T](unsafeUninitializedCapacity: capacity) { _, n in n = capacity }
        var status = MPI_Status()
        let code = buffer.withUnsafeMutableBytes { b in
            MPI_Recv(b.baseAddress, Int32(capacity), T.mpiDatatype, source.map(Int32.init) ?? cmpi_any_source(), tag,
                     handle, &status)
        }
        try check(code, "MPI_Recv")
        var count: Int32 = 0
        try check(MPI_Get_count(&status, T.mpiDatatype, &count), "MPI_Get_count")
        return (Array(buffer.prefix(Int(count))), Int(status.MPI_SOURCE))
    }

    /// Whether a message with `tag` from any rank is waiting to be received. `MPI_Iprobe`
    public func hasPendingMessage(tag: Int32) throws(MPIError) -> Bool {
        if isAlone { return false }
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Iprobe(cmpi_any_source(), tag, handle, &flag, &status), "MPI_Iprobe")
        return flag != 0
    }
}
