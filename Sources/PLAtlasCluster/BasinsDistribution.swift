import MPI
import PLAtlasCore
import PLAtlasIO

/// `platlas basins` over MPI ranks: the saddle's stable manifold is built by a
/// `ManifoldConstruction` over the ranks (each rank holds its regions' sheets), the boundary pieces are all-gathered and the
/// grid points shared over the ranks (`SaddleSetup.basins`, `MPICollective`). Every rank
/// returns the same report; `whole` (for figures) is the gathered manifold, nil unless asked for.
public enum BasinsDistribution {
    public static func run(_ setup: SaddleSetup, plan: SaddleSetup.BasinsPlan, grid: Int?, band: Double?, keepCells: Bool,
                           allowNonInvertible: Bool, gatherWhole: Bool, communicator: Communicator,
                           log: Log) throws -> (run: SaddleSetup.BasinsRun, whole: Manifold?) {
        let collective = MPICollective(communicator)
        var construction = ManifoldConstruction(builders: [plan.builder], collective: collective, options: DistributionOptions(), log: log)
        let built = try construction.run()[0]
        let computed = try setup.basins(plan, share: ManifoldShare(built), grid: grid, band: band, keepCells: keepCells,
                                        allowNonInvertible: allowNonInvertible, collective: collective, log: log)
        return (computed, gatherWhole ? try built.gathered(collective) : nil)
    }
}
