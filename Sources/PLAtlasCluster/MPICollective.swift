import MPI
import PLAtlasCore

/// The core's `Collective` over an MPI communicator: reductions (`MPI_Allreduce`), gathers
/// (`MPI_Allgatherv`) and the all-to-all of words (`MPI_Alltoall` of counts, `MPI_Alltoallv`).
public struct MPICollective: Collective {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    static func operation(_ o: CollectiveOperation) -> ReductionOperation {
        switch o {
        case .sum: .sum
        case .max: .max
        case .min: .min
        }
    }

    public func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int] {
        size == 1 ? values : try communicator.allReduce(values, Self.operation(operation))
    }

    public func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double] {
        size == 1 ? values : try communicator.allReduce(values, Self.operation(operation))
    }

    public func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int]) {
        size == 1 ? (words, [words.count]) : try communicator.allGatherv(words)
    }

    public func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]] {
        size == 1 ? buckets : try communicator.allToAllv(buckets)
    }
}
