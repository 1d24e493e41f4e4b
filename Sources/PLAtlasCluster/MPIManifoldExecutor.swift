import MPI
import PLAtlasCore
import PLAtlasIO

/// Job-spec manifold analyses over MPI: a `ManifoldConstruction` over the communicator with
/// the options given (by default hash ownership, rebalancing; no checkpoints inside the analysis).
public struct MPIManifoldExecutor: ManifoldExecutor {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public func build(_ builders: [ManifoldBuilder], options: DistributionOptions, log: Log) throws -> [ManifoldShare] {
        var run = ManifoldConstruction(builders: builders, collective: MPICollective(communicator), options: options, log: log)
        return try run.run().map(ManifoldShare.init)
    }
}
