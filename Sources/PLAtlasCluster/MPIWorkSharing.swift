import MPI
import PLAtlasCore

/// Independent evaluations shared over MPI ranks: rank r evaluates indices r, r + size, ...,
/// and an all-gather puts every result in index order on every rank (`CollectiveSharing`
/// over `MPICycleCollective`).
public struct MPIWorkSharing: WorkSharing {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] {
        try CollectiveSharing(MPICycleCollective(communicator)).map(count: count, body)
    }
}
