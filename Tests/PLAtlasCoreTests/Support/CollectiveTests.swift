import Foundation
import Testing
@testable import PLAtlasCore

/// Several ranks in one process, each on a thread of its own: every collective operation is a
/// meeting of all ranks (each leaves its words and takes everyone's). It runs the distributed
/// drivers with 2 to 4 ranks in the unit tests, without MPI; the same code runs over
/// `MPICollective` under mpirun (Tests/mpi) and over `SerialCollective` in one process.
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[UInt64]]
    private var snapshot: [[UInt64]] = []
    private var arrived = 0
    private var generation = 0

    init(size: Int) {
        self.size = size
        slots = Array(repeating: [], count: size)
    }

    /// Leaves `words` for rank `rank` and returns every rank's words once all have arrived.
    func meet(_ rank: Int, _ words: [UInt64]) -> [[UInt64]] {
        condition.lock()
        defer { condition.unlock() }
        let round = generation
        slots[rank] = words
        arrived += 1
        if arrived == size {
            snapshot = slots
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == round { condition.wait() }
        }
        return snapshot
    }

    /// Runs `body` on `size` threads, rank r with `ThreadCollective(rank: r)`; returns each
    /// rank's result in rank order, or the first error. Each rank works on its own copies of
    /// what `body` captures (value types), as MPI ranks do.
    static func run<T>(_ size: Int, _ body: @escaping (ThreadCollective) throws -> T) throws -> [T] {
        let ranks = ThreadRanks(size: size)
        let results = Results<T>(size)
        let work = Unchecked(body)
        let done = DispatchSemaphore(value: 0)
        for r in 0..<size {
            let thread = Thread {
                results.set(r, Result { try work.value(ThreadCollective(ranks: ranks, rank: r)) })
                done.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        for _ in 0..<size { done.wait() }
        return try results.values.map { try $0!.get() }
    }

    struct Unchecked<V>: @unchecked Sendable {
        let value: V
        init(_ value: V) { self.value = value }
    }

    final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ value: Result<T, Error>) { lock.withLock { values[i] = value } }
    }
}

struct ThreadCollective: Collective {
    let ranks: ThreadRanks
    let rank: Int
    var size: Int { ranks.size }

    func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int] {
        reduce(values, operation, { UInt64(bitPattern: Int64($0)) }, { Int(Int64(bitPattern: $0)) })
    }

    func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double] {
        reduce(values, operation, \.bitPattern, Double.init(bitPattern:))
    }

    private func reduce<T: Comparable & AdditiveArithmetic>(_ values: [T], _ operation: CollectiveOperation,
                                                            _ encode: (T) -> UInt64, _ decode: (UInt64) -> T) -> [T] {
        let all = ranks.meet(rank, values.map(encode)).map { $0.map(decode) }
        return values.indices.map { i in
            let column = all.map { $0[i] }
            switch operation {
            case .sum: return column.reduce(.zero, +)
            case .max: return column.max()!
            case .min: return column.min()!
            }
        }
    }

    func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int]) {
        let all = ranks.meet(rank, words)
        return (all.flatMap { $0 }, all.map(\.count))
    }

    func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]] {
        // Each rank leaves its bucket sizes, then its buckets; takes bucket `rank` of every rank.
        let all = ranks.meet(rank, buckets.map { UInt64($0.count) } + buckets.flatMap { $0 })
        return all.map { words in
            let counts = words.prefix(size).map { Int($0) }
            let start = size + counts.prefix(rank).reduce(0, +)
            return Array(words[start..<(start + counts[rank])])
        }
    }
}

/// The distributed drivers over 1 to 4 ranks in one process give what `SerialCollective` gives,
/// bit for bit: the cycle search, sweeps in rounds, manifold constructions (with every
/// ownership and a 1-byte exchange limit), and the shared map of independent evaluations.
@Suite struct CollectiveTests {
    @Test(arguments: [2, 3, 4])
    func collectivesMeetAsDocumented(_ size: Int) throws {
        let results = try ThreadRanks.run(size) { c in
            let sum = try c.allReduce([c.rank, 1], .sum)
            let max = try c.allReduce(Double(c.rank) * 0.5, .max)
            let gathered = try c.allGatherv(Array(repeating: UInt64(c.rank), count: c.rank))
            let received = try c.allToAllv((0..<c.size).map { [UInt64(100 * c.rank + $0)] })
            let scan = try c.exclusiveScan(c.rank + 1)
            return [sum, [Int(max * 2)], gathered.values.map(Int.init), gathered.counts, received.flatMap { $0 }.map(Int.init), [scan]]
        }
        for (r, got) in results.enumerated() {
            #expect(got[0] == [(0..<size).reduce(0, +), size])
            #expect(got[1] == [size - 1])
            #expect(got[2] == (0..<size).flatMap { Array(repeating: $0, count: $0) } && got[3] == Array(0..<size))
            #expect(got[4] == (0..<size).map { 100 * $0 + r }, "rank \(r) receives bucket \(r) of every rank")
            #expect(got[5] == [(0..<r).reduce(0) { $0 + $1 + 1 }])
        }
    }

    @Test(arguments: [2, 3])
    func sharedEvaluationsComeBackInIndexOrder(_ size: Int) throws {
        let body: @Sendable (Int) -> [Double] = { i in Array(repeating: Double(i) / 3, count: i % 4) }
        let serial = try SerialCollective().map(count: 23, body)
        for got in try ThreadRanks.run(size, { c in try c.map(count: 23, body) }) { #expect(got == serial) }
    }

    @Test(arguments: [2, 3, 4])
    func cycleSearchOverRanksFindsWhatOneProcessFinds(_ size: Int) throws {
        var options = CycleSearchOptions(maxOrder: 7)
        options.seed = 42
        options.autoExhaustiveLimit = 0   // the heuristic, whose restarts the ranks split
        let search = try CycleSearch(model: ToyMap.chaos, options: options)
        let alone = try search.run(collective: SerialCollective())
        #expect(alone.cycles.count >= 10)
        for shared in try ThreadRanks.run(size, { c in try search.run(collective: c) }) {
            #expect(shared.cycles.map(\.regions) == alone.cycles.map(\.regions))
            #expect(shared.cycles.map(\.points) == alone.cycles.map(\.points))
            #expect(shared.statistics.map(\.restarts) == alone.statistics.map(\.restarts))
            #expect(shared.candidatesEvaluated == alone.candidatesEvaluated)
        }
    }

    static func sweep() throws -> Sweep {
        var options = SweepOptions(maxOrder: 4)
        options.blockSize = 3
        options.lyapunov = true
        options.lyapunovSteps = 200
        options.transient = 100
        let base = TwoDimensionalPLRNN.model(a1: 0.8)
        return try Sweep(base: base, targets: [.entry(parameter: "A", index: [0])], ranges: [SweepRange(lower: 0.8, upper: 0.99, count: 11)],
                         options: options)
    }

    @Test(arguments: [1, 2, 3])
    func sweepRoundsOverRanksGiveEveryPointOnce(_ size: Int) throws {
        let sweep = try Self.sweep()
        let alone = try sweep.blocks().flatMap { try sweep.analyse(block: $0) }
        let runs = try ThreadRanks.run(size) { c in
            var written: [Int] = []
            var rounds = 0
            // flush interval 0: every rank takes one block per round.
            let all = try sweep.run(blocks: sweep.blocks(), collective: c, flushInterval: 0, log: .silent) { local in
                written += local.map(\.index)
                rounds += 1
            }
            return (all, written, rounds)
        }
        let blocks = sweep.blocks().count
        for (all, _, rounds) in runs {
            #expect(all == alone, "the points differ from one process's")
            #expect(rounds == (blocks + size - 1) / size, "\(rounds) rounds for \(blocks) blocks on \(size) ranks")
        }
        // Each point is written (checkpointed) by exactly one rank.
        #expect(runs.flatMap(\.1).sorted() == Array(0..<sweep.grid.count))
        // Completing a sweep from half of its points gives the uninterrupted result.
        let half = Array(alone.prefix(sweep.grid.count / 2))
        let completed = try ThreadRanks.run(size) { c in
            try sweep.complete(resumed: half, refine: nil, collective: c, flushInterval: 0, log: .silent) { _ in }
        }
        let whole = try sweep.complete(resumed: [], refine: nil, collective: SerialCollective(), flushInterval: 10, log: .silent) { _ in }
        for outcome in completed {
            #expect(outcome.points == whole.points && outcome.bifurcations == whole.bifurcations)
            #expect(outcome.resumed == half.count)
        }
    }

    @Test(arguments: [(2, RegionOwnership.hash, 64 << 20), (3, .block, 1), (4, .hash, 1)])
    func manifoldConstructionOverRanksIsTheSerialOne(_ size: Int, _ ownership: RegionOwnership, _ exchangeLimit: Int) throws {
        let form = ToyMap.saddleB.shallowForm()
        let cycles = try CycleSearch(model: ToyMap.saddleB, options: CycleSearchOptions(maxOrder: 1)).run().cycles
        let saddle = try #require(cycles.first { $0.stability == .saddle })
        let box = Box(lower: [-4, -4], upper: [4, 4])
        let builders = try [ManifoldKind.unstable, .stable].map { kind in
            var options = ManifoldOptions(kind: kind, bounds: box)
            options.maxIterations = 40
            return try ManifoldBuilder(form: form, saddle: saddle, options: options)
        }
        var options = DistributionOptions()
        options.deltaSigma?.randomSamples = 200
        options.deltaSigma?.manifoldSamples = 200
        var serial = ManifoldConstruction(builders: builders, collective: SerialCollective(), options: options)
        let reference = try serial.run()
        #expect(reference.allSatisfy { $0.manifold.sheets.count > 3 })
        options.ownership = ownership
        options.exchangeLimitBytes = exchangeLimit
        let distribution = options
        let runs = try ThreadRanks.run(size) { c in
            var run = ManifoldConstruction(builders: builders, collective: c, options: distribution)
            return try run.run().map { r in (try r.gathered(c), r.totals, r.deltaSigma, r.coverage, r.report.regionsPerRank) }
        }
        for shared in runs {
            for ((whole, totals, deltaSigma, coverage, regionsPerRank), r) in zip(shared, reference) {
                let alone = r.manifold
                #expect(whole.sheets == alone.sheets && whole.points == alone.points, "\(alone.kind)")
                #expect(whole.stopReason == alone.stopReason && whole.nonInvertibility == alone.nonInvertibility)
                #expect(totals == r.totals && deltaSigma == r.deltaSigma && coverage == r.coverage)
                #expect(regionsPerRank.count == size && regionsPerRank.reduce(0, +) == alone.regions.count)
            }
        }
    }
}
