import MPI
import PLAtlasCore
import PLAtlasIO

/// `platlas basins` over MPI ranks: the saddle's stable manifold is built by the distributed
/// driver (each rank holds its regions' sheets), the boundary pieces are all-gathered and the
/// grid points shared over the ranks (`SaddleSetup.basins`, `MPICycleCollective`). Every rank
/// returns the same report; `whole` (for figures) is the gathered manifold, nil unless asked for.
public enum BasinsDistribution {
    public static func run(_ setup: SaddleSetup, plan: SaddleSetup.BasinsPlan, grid: Int?, band: Double?, keepCells: Bool,
                           allowNonInvertible: Bool, gatherWhole: Bool, communicator: Communicator,
                           log: Log) throws -> (run: SaddleSetup.BasinsRun, whole: Manifold?) {
        var construction = DistributedManifoldRun(builders: [plan.builder], communicator: communicator, options: DistributionOptions(),
                                                  fingerprint: [], log: log)
        let built = try construction.run()[0]
        let share = ManifoldShare(manifold: built.manifold, totals: built.totals, part: built.part, deltaSigma: built.deltaSigma)
        let computed = try setup.basins(plan, share: share, grid: grid, band: band, keepCells: keepCells, allowNonInvertible: allowNonInvertible,
                                        collective: MPICycleCollective(communicator), log: log)
        return (computed, gatherWhole ? try built.gathered(communicator) : nil)
    }
}
