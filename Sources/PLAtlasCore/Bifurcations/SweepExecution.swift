extension Sweep {
    /// Computes every point of `blocks` over the ranks of `collective` and returns them all,
    /// from every rank, on every rank, sorted by index. Work runs in rounds of about
    /// `flushInterval` seconds: in a round, rank r works through the blocks still pending at
    /// positions r, r + size, ... (at least one, then until its time is up); the ranks then
    /// all-gather the round's points, call `checkpoint` with the points they computed (so that
    /// they can be written before the next round starts; a killed job loses at most one round),
    /// and deal the blocks left anew. Which rank computes a block changes with the number of
    /// ranks and the timing; what comes out does not: blocks do not depend on the number of
    /// ranks, inside a block points run in order (each warm-started from the one before), and
    /// every random choice of point i comes from streams of point i. `alreadyDone` only counts
    /// for the progress lines (points done out of the grid's total).
    public func run(blocks: [Range<Int>], collective: any Collective, alreadyDone: Int = 0, flushInterval: Double, log: Log,
                    checkpoint: (_ local: [SweepPoint]) throws -> Void) throws -> [SweepPoint] {
        let total = grid.count
        var pending = blocks.filter { !$0.isEmpty }
        var all: [SweepPoint] = []
        var finished = alreadyDone
        let started = ContinuousClock.now
        while !pending.isEmpty {
            let roundStart = ContinuousClock.now
            var local: [SweepPoint] = []
            var taken = 0
            for position in stride(from: collective.rank, to: pending.count, by: collective.size) {
                if taken > 0 && CycleSearch.seconds(since: roundStart) > flushInterval { break }
                local += try analyse(block: pending[position])
                taken += 1
            }
            // Everyone's points of this round, on every rank.
            var words: [UInt64] = []
            for p in local { p.encode(into: &words) }
            let round = collective.size == 1 ? local : SweepPoint.decodeAll(try collective.allGather(words)).sorted { $0.index < $1.index }
            try checkpoint(local)
            all += round
            finished += round.count
            let done = Set(round.map(\.index))
            pending.removeAll { done.contains($0.lowerBound) }
            let seconds = CycleSearch.seconds(since: started)
            let rate = Double(all.count) / max(seconds, 1e-9)
            let eta = rate > 0 ? Double(total - finished) / rate : .infinity
            log("sweep: \(finished)/\(total) points, \(Self.formatRate(rate)) points/s, ETA \(eta.isFinite ? formatSeconds(eta) + " s" : "unknown")")
        }
        return all.sorted { $0.index < $1.index }
    }

    static func formatRate(_ x: Double) -> String {
        x >= 100 ? String(Int(x.rounded())) : String(Double(Int(x * 100)) / 100)
    }
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
    /// complete grid and, with `refine`, bisects them. `checkpoint` is called as `run` describes.
    public func complete(resumed: [SweepPoint], refine: Double?, collective: any Collective, flushInterval: Double,
                         log: Log, checkpoint: (_ local: [SweepPoint]) throws -> Void) throws -> SweepOutcome {
        let done = Set(resumed.map(\.index))
        let pending = blocks().filter { block in block.contains { !done.contains($0) } }
        let computed = try run(blocks: pending, collective: collective, alreadyDone: done.count, flushInterval: flushInterval, log: log,
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
