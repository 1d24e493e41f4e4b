/// Computes blocks of a sweep, possibly shared with other processes. The cluster layer
/// implements it over MPI ranks (`MPISweepExecutor`, a work queue on rank 0); every rank calls
/// `run` with the same arguments.
public protocol SweepExecutor {
    /// How many processes share the work.
    var ranks: Int { get }

    /// Computes every point of `blocks` and returns them all, from every rank, on every rank,
    /// sorted by index. Work runs in rounds of about `flushInterval` seconds; after each round
    /// every rank calls `checkpoint` with the points it computed in that round (so that they
    /// can be written before the next round starts). `alreadyDone` only counts for the progress
    /// lines (points done out of the grid's total).
    func run(_ sweep: Sweep, blocks: [Range<Int>], alreadyDone: Int, flushInterval: Double, log: Log,
             checkpoint: (_ local: [SweepPoint]) throws -> Void) throws -> [SweepPoint]
}

/// A sweep carried to its end: every point of the grid and the bifurcations between them.
public struct SweepOutcome: Sendable {
    /// All points of the grid, in index order.
    public var points: [SweepPoint]
    /// The points this run computed: those missing from the checkpoint and the others of
    /// their blocks.
    public var computed: [SweepPoint]
    /// How many points were read back from the checkpoint.
    public var resumed: Int
    public var bifurcations: [Bifurcation]
}

extension Sweep {
    /// Computes what `resumed` (points read back from an interrupted run) lacks: every block with
    /// a missing point is computed whole (its warm starts need the points before), so a resumed
    /// sweep gives exactly what an uninterrupted one gives. Then detects the bifurcations on the
    /// complete grid and, with `refine`, bisects them. `checkpoint` is called as
    /// `SweepExecutor.run` describes.
    public func complete(resumed: [SweepPoint], refine: Double?, executor: any SweepExecutor, flushInterval: Double,
                         log: Log, checkpoint: (_ local: [SweepPoint]) throws -> Void) throws -> SweepOutcome {
        let done = Set(resumed.map(\.index))
        let pending = blocks().filter { block in block.contains { !done.contains($0) } }
        let computed = try executor.run(self, blocks: pending, alreadyDone: done.count, flushInterval: flushInterval, log: log,
                                        checkpoint: checkpoint)
        var byIndex = [SweepPoint?](repeating: nil, count: grid.count)
        for p in resumed { byIndex[p.index] = p }
        for p in computed { byIndex[p.index] = p }
        let points = byIndex.map { $0! }
        var bifurcations = BifurcationDetector.detect(in: points, grid: grid)
        if let refine { bifurcations = bifurcations.map { self.refine($0, points: points, tolerance: refine) } }
        return SweepOutcome(points: points, computed: computed, resumed: resumed.count, bifurcations: bifurcations)
    }

    /// The first model of the sweep: the base model of a parameter sweep, the first of a stack.
    public var firstModel: Model {
        switch source {
        case .parameters(let base, _): base
        case .stack(let models): models[0]
        }
    }
}
