import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// A non-owning view of an MPI communicator (`MPI_Comm`). Collectives must be called by every
/// rank of the communicator in the same order; each throws `MPIError` instead of aborting
/// (the world communicator is switched to `MPI_ERRORS_RETURN` by `withMPI`).
///
/// `Communicator.alone` is the one process of a program that no launcher started: it needs no
/// MPI at all (MPI is never initialised), and every collective returns this process's own data.
public struct Communicator: @unchecked Sendable {
    public let handle: MPI_Comm
    /// Whether this is `Communicator.alone` (no MPI behind it).
    public let isAlone: Bool

    public init(handle: MPI_Comm) {
        self.handle = handle
        isAlone = false
    }

    private init(aloneWith handle: MPI_Comm) {
        self.handle = handle
        isAlone = true
    }

    /// One process without MPI: rank 0 of 1; collectives are local and make no MPI call.
    public static var alone: Communicator { Communicator(aloneWith: cmpi_comm_world()) }

    /// This process's rank in the communicator. `MPI_Comm_rank`
    public var rank: Int {
        if isAlone { return 0 }
        var r: Int32 = 0
        MPI_Comm_rank(handle, &r)
        return Int(r)
    }

    /// The number of ranks. `MPI_Comm_size`
    public var size: Int {
        if isAlone { return 1 }
        var s: Int32 = 0
        MPI_Comm_size(handle, &s)
        return Int(s)
    }

    public var isRoot: Bool { rank == 0 }

    /// Blocks until every rank has called it. `MPI_Barrier`
    public func barrier() throws(MPIError) {
        if isAlone { return }
        try check(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// Sends `values` from `root` to every rank; returns the root's values everywhere (the
    /// count need not be known by the other ranks). `MPI_Bcast`
    public func broadcast<T: MPIScalar>(_ values: [T], root: Int = 0) throws(MPIError) -> [T] {
        if isAlone { return values }
        var count = Int64(values.count)
        try check(MPI_Bcast(&count, 1, Int64.mpiDatatype, Int32(root), handle), "MPI_Bcast")
        var buffer = rank == root ? values : [T](unsafeUninitializedCapacity: Int(count)) { _, n in n = Int(count) }
        if count > 0 {
            let code = buffer.withUnsafeMutableBytes { MPI_Bcast($0.baseAddress, Int32(count), T.mpiDatatype, Int32(root), handle) }
            try check(code, "MPI_Bcast")
        }
        return buffer
    }

    /// Broadcasts one value from `root`.
    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) throws(MPIError) -> T {
        try broadcast([value], root: root)[0]
    }

    /// Broadcasts bytes (e.g. an encoded document) from `root`.
    public func broadcast(bytes: [UInt8], root: Int = 0) throws(MPIError) -> [UInt8] {
        try broadcast(bytes, root: root)
    }

    /// Element-wise reduction of `values` over all ranks, result on every rank. `MPI_Allreduce`
    public func allReduce<T: MPIScalar>(_ values: [T], _ operation: ReductionOperation) throws(MPIError) -> [T] {
        if isAlone { return values }
        var result = values
        if values.isEmpty { return result }
        let code = values.withUnsafeBytes { send in
            result.withUnsafeMutableBytes { receive in
                MPI_Allreduce(send.baseAddress, receive.baseAddress, Int32(values.count), T.mpiDatatype,
                              operation.handle, handle)
            }
        }
        try check(code, "MPI_Allreduce")
        return result
    }

    public func allReduce<T: MPIScalar>(_ value: T, _ operation: ReductionOperation) throws(MPIError) -> T {
        try allReduce([value], operation)[0]
    }

    /// One value from every rank, in rank order, on every rank. `MPI_Allgather`
    public func allGather<T: MPIScalar>(_ value: T) throws(MPIError) -> [T] {
        if isAlone { return [value] }
        var send = value
        var result = [T](repeating: value, count: size)
        let code = result.withUnsafeMutableBytes { receive in
            MPI_Allgather(&send, 1, T.mpiDatatype, receive.baseAddress, 1, T.mpiDatatype, handle)
        }
        try check(code, "MPI_Allgather")
        return result
    }

    /// Variable-length arrays from every rank, concatenated in rank order, on every rank;
    /// also returns each rank's count. `MPI_Allgatherv`
    public func allGatherv<T: MPIScalar>(_ values: [T]) throws(MPIError) -> (values: [T], counts: [Int]) {
        if isAlone { return (values, [values.count]) }
        let counts = try allGather(Int32(values.count))
        var displacements = [Int32](repeating: 0, count: counts.count)
        for i in 1..<max(counts.count, 1) { displacements[i] = displacements[i - 1] + counts[i - 1] }
        let total = Int(counts.reduce(0, +))
        var result = [T](unsafeUninitializedCapacity: total) { _, n in n = total }
        let code = values.withUnsafeBytes { send in
            result.withUnsafeMutableBytes { receive in
                counts.withUnsafeBufferPointer { c in
                    displacements.withUnsafeBufferPointer { d in
                        MPI_Allgatherv(send.baseAddress, Int32(values.count), T.mpiDatatype, receive.baseAddress,
                                       c.baseAddress, d.baseAddress, T.mpiDatatype, handle)
                    }
                }
            }
        }
        try check(code, "MPI_Allgatherv")
        return (result, counts.map(Int.init))
    }

    /// Every rank sends `buckets[r]` to rank r and receives what each rank sent it, in rank
    /// order. Counts are exchanged first (`MPI_Alltoall`), then the data (`MPI_Alltoallv`).
    public func allToAllv<T: MPIScalar>(_ buckets: [[T]]) throws(MPIError) -> [[T]] {
        if isAlone { return buckets }
        precondition(buckets.count == size, "allToAllv needs one bucket per rank")
        var sendCounts = buckets.map { Int32($0.count) }
        var receiveCounts = [Int32](repeating: 0, count: size)
        try check(MPI_Alltoall(&sendCounts, 1, Int32.mpiDatatype, &receiveCounts, 1, Int32.mpiDatatype, handle),
                  "MPI_Alltoall")
        let sendDisplacements = Self.displacements(sendCounts)
        let receiveDisplacements = Self.displacements(receiveCounts)
        let send = buckets.flatMap { $0 }
        let total = Int(receiveCounts.reduce(0, +))
        var receive = [T](unsafeUninitializedCapacity: total) { _, n in n = total }
        let code = send.withUnsafeBytes { s in
            receive.withUnsafeMutableBytes { r in
                MPI_Alltoallv(s.baseAddress, sendCounts, sendDisplacements, T.mpiDatatype,
                              r.baseAddress, receiveCounts, receiveDisplacements, T.mpiDatatype, handle)
            }
        }
        try check(code, "MPI_Alltoallv")
        return (0..<size).map { r in
            let start = Int(receiveDisplacements[r])
            return Array(receive[start..<(start + Int(receiveCounts[r]))])
        }
    }

    /// Fixed-size all-to-all: `values[r]` goes to rank r. `MPI_Alltoall`
    public func allToAll<T: MPIScalar>(_ values: [T]) throws(MPIError) -> [T] {
        if isAlone { return values }
        precondition(values.count == size, "allToAll needs one value per rank")
        var result = values
        let code = values.withUnsafeBytes { s in
            result.withUnsafeMutableBytes { r in
                MPI_Alltoall(s.baseAddress, 1, T.mpiDatatype, r.baseAddress, 1, T.mpiDatatype, handle)
            }
        }
        try check(code, "MPI_Alltoall")
        return result
    }

    /// The sum of `value` over ranks 0..<rank (0 on rank 0). `MPI_Exscan`, whose rank-0
    /// result is undefined, is made well defined here.
    public func exclusiveScan<T: MPIScalar & AdditiveArithmetic>(_ value: T) throws(MPIError) -> T {
        if isAlone { return .zero }
        var send = value
        var result = T.zero
        try check(MPI_Exscan(&send, &result, 1, T.mpiDatatype, cmpi_op_sum(), handle), "MPI_Exscan")
        return rank == 0 ? .zero : result
    }

    /// Ends every process of the job with `code`. `MPI_Abort`
    public func abort(code: Int32) -> Never {
        if isAlone { exit(code) }
        MPI_Abort(handle, code)
        fatalError("MPI_Abort returned")
    }

    private static func displacements(_ counts: [Int32]) -> [Int32] {
        var d = [Int32](repeating: 0, count: counts.count)
        for i in 1..<max(counts.count, 1) { d[i] = d[i - 1] + counts[i - 1] }
        return d
    }
}
