import MPI
import PLAtlasCore

/// The cycle search's collective over MPI: ranks split the restarts and all-gather what they
/// found (`MPI_Allgatherv` of region-code words).
public struct MPICycleCollective: CycleCollective {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    public func allGather(_ words: [UInt64]) throws -> [UInt64] {
        if size == 1 { return words }
        return try communicator.allGatherv(words).values
    }
}
