/// What a checkpoint of a manifold construction holds, and how it is restored on any number of
/// ranks. The file itself (docs/hdf5-schema.md, "Manifold checkpoints") is written by the
/// caller's `ManifoldConstruction.checkpointer` (PLAtlasCluster/ManifoldCheckpoint.swift).
extension ManifoldConstruction {
    public static let stopReasons: [StopReason] = [.complete, .bounds, .iterations, .budget]
    /// Columns of the state table: generation, pushed, left_bounds, stop, finished, no_preimage,
    /// several_preimages, singular, folds, sheet_limit_reached, then the preimage counts 0, 1,
    /// 2, 3+.
    public static let stateColumns = 14

    /// Manifold messages of this construction (the words of `checkpointRecords`).
    public var messageFormat: ManifoldMessages { messages }
    public var collective: any Collective { world }
    /// The options that identify the run (a resumed checkpoint must match them).
    public var runFingerprint: [(String, String)] { fingerprint }
    /// The first unfinished manifold's round (nil when every manifold is finished).
    public var currentRound: Int? { states.first { !$0.finished }?.generation }

    /// This rank's held sheets, pending arrivals and report examples as message words.
    public func checkpointRecords() -> [UInt64] {
        var words: [UInt64] = []
        for (i, state) in states.enumerated() {
            for sheet in state.builder.heldSheets { messages.appendSheet(sheet, manifold: i, to: &words) }
            for r in state.pending.keys.sorted() {
                for a in state.pending[r]! { messages.appendArrival(a, manifold: i, destination: r, source: r, to: &words) }
            }
            for e in state.examples {
                messages.appendExample(manifold: i, generation: e.generation, region: e.region, point: e.point, problem: e.problem, to: &words)
            }
        }
        return words
    }

    /// The state table (manifolds x `stateColumns`) and construction seconds so far, the same on
    /// every rank (collective).
    public func checkpointState() throws -> (table: [Int64], seconds: [Double]) {
        var table: [Int64] = []
        var seconds: [Double] = []
        for state in states {
            let r = state.report
            let sums = try world.allReduce([state.leftBounds, r.noPreimage, r.severalPreimages, r.singular, r.folds] + r.preimageCounts, .sum)
            table += ([state.generation, state.pushed, sums[0], Self.stopReasons.firstIndex(of: state.stop)!, state.finished ? 1 : 0,
                       sums[1], sums[2], sums[3], sums[4], state.sheetLimitReached ? 1 : 0] + Array(sums[5..<9])).map(Int64.init)
            let running = !state.finished && constructionStarted != nil ? CycleSearch.seconds(since: constructionStarted!) : 0
            seconds.append(try world.allReduce(state.earlierSeconds + running, .max))
        }
        return (table, seconds)
    }

    /// A checkpoint that cannot be continued.
    public struct CheckpointError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Restores a checkpoint written with any number of ranks: `table` and `seconds` as
    /// `checkpointState` gave them, `segments` the record words of the writers this rank read
    /// (writers rank, rank + size, ...). Every record is sent to its region's owner. Returns a
    /// line for the log.
    public mutating func restore(table: [Int64], seconds: [Double], segments: [[UInt64]], name: String) throws -> String {
        var extended = Set<Int>()
        let n = Self.stateColumns
        guard table.count == states.count * n, seconds.count == states.count else { throw CheckpointError(description: "'\(name)' has a damaged state table") }
        for i in states.indices {
            let row = table[(n * i)..<(n * i + n)].map(Int.init)
            guard (0..<Self.stopReasons.count).contains(row[3]) else { throw CheckpointError(description: "'\(name)' has a damaged state table") }
            states[i].generation = row[0]
            states[i].pushed = row[1]
            states[i].stop = Self.stopReasons[row[3]]
            states[i].finished = row[4] != 0
            states[i].sheetLimitReached = row[9] != 0
            // Limits may differ from the checkpoint's: a run that stopped at a limit continues
            // when it was raised; a limit below the checkpoint's position cannot be honoured.
            let limits = states[i].builder.options
            if states[i].generation > limits.maxIterations {
                throw CheckpointError(description: "'\(name)' is at round \(states[i].generation) of manifold \(i + 1), beyond the iteration limit \(limits.maxIterations)")
            }
            if states[i].pushed > limits.budget {
                throw CheckpointError(description: "'\(name)' has pushed \(states[i].pushed) points in manifold \(i + 1), beyond the budget \(limits.budget)")
            }
            let stoppedAtLimit = (states[i].stop == .iterations && states[i].generation < limits.maxIterations)
                || (states[i].stop == .budget && !states[i].sheetLimitReached && states[i].pushed < limits.budget)
            if states[i].finished && stoppedAtLimit {
                states[i].finished = false
                states[i].stop = states[i].sheetLimitReached ? .budget : .complete
                extended.insert(i)
            }
            // Counts once (on rank 0); examples arrive as records.
            if world.rank == 0 {
                states[i].leftBounds = row[2]
                (states[i].report.noPreimage, states[i].report.severalPreimages, states[i].report.singular, states[i].report.folds) =
                    (row[5], row[6], row[7], row[8])
                states[i].report.preimageCounts = Array(row[10..<14])
            }
            states[i].earlierSeconds = seconds[i]
            states[i].builder.retainRegions { _ in false }
        }
        var buckets = [[UInt64]](repeating: [], count: world.size)
        for words in segments {
            let decoded: [ManifoldMessages.Record]
            do { decoded = try messages.decode(words) } catch { throw CheckpointError(description: "'\(name)' has damaged records: \(error)") }
            for record in decoded {
                switch record {
                case .sheet(let m, let sheet): messages.appendSheet(sheet, manifold: m, to: &buckets[owner(sheet.region)])
                case .arrival(let m, let s, let source, let a): messages.appendArrival(a, manifold: m, destination: s, source: source, to: &buckets[owner(s)])
                case .example(let m, let gen, let r, let p, let text): messages.appendExample(manifold: m, generation: gen, region: r, point: p, problem: text, to: &buckets[0])
                }
            }
        }
        try receive(try world.allToAllv(buckets))
        for i in states.indices {
            let keyed = states[i].examples.enumerated().sorted { ($0.element.generation, $0.element.region, $0.offset) < ($1.element.generation, $1.element.region, $1.offset) }
            states[i].examples = keyed.map(\.element)
        }
        let current = states.firstIndex { !$0.finished }
        return "resuming \(name): " + (current.map { "manifold \($0 + 1) of \(states.count) at round \(states[$0].generation)" } ?? "every manifold finished")
            + (extended.isEmpty ? "" : " (continuing \(extended.sorted().map { "manifold \($0 + 1)" }.joined(separator: ", ")) past the earlier limit)")
    }
}

extension ManifoldBuilder {
    /// Builds the manifold in this process: the one-rank case of `ManifoldConstruction`, with
    /// its Delta_sigma and coverage unless `distribution` says otherwise.
    public func build(distribution: DistributionOptions = DistributionOptions(), log: Log = .silent) throws -> ManifoldResult {
        var construction = ManifoldConstruction(builders: [self], options: distribution, log: log)
        return try construction.run()[0]
    }
}
