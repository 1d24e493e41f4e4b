import MPI
import PLAtlasCore
import PLAtlasIO

/// Job-spec manifold analyses over MPI: a `DistributedManifoldRun` with the default
/// distribution (hash ownership, rebalancing; no checkpoints inside the analysis).
public struct MPIManifoldExecutor: ManifoldExecutor {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public func build(_ builders: [ManifoldBuilder], log: Log) throws -> [ManifoldShare] {
        var run = DistributedManifoldRun(builders: builders, communicator: communicator, options: DistributionOptions(), fingerprint: [], log: log)
        return try run.run().map { ManifoldShare(manifold: $0.manifold, totals: $0.totals, part: $0.part, deltaSigma: $0.deltaSigma) }
    }
}
