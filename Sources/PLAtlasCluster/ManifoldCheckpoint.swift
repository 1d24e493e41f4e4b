import Foundation
import HDF5
import MPI
import PLAtlasCore
import PLAtlasIO

/// Checkpoints of a distributed manifold construction (docs/manifolds.md, "Checkpoints").
///
/// A checkpoint is a result file (root attributes, `/model`) with a group `/checkpoint`:
/// attributes `format` ("platlas-manifold-checkpoint"), `format_version`, `ranks`; string
/// datasets `fingerprint_keys`/`fingerprint_values` (the options the run depends on);
/// `state` (int64, manifolds x 10: generation, pushed, left_bounds, stop, finished,
/// no_preimage, several_preimages, singular, folds, sheet_limit_reached), `seconds` (float64,
/// per manifold); and
/// every rank's held sheets, pending arrivals and report examples as `ManifoldMessages` words
/// in `records` (uint64), rank after rank, with `record_counts` (int64, one per writing rank).
/// Written collectively to a temporary name and renamed, so a killed run leaves the previous
/// checkpoint intact (a failure to write removes the temporary file: `ResultFile.write`). A resume may use any number of ranks: rank r reads the segments of
/// writers r, r + size, ... and sends each record to its region's owner.
extension DistributedManifoldRun {
    static let checkpointFormat = "platlas-manifold-checkpoint"
    static let stopReasons: [StopReason] = [.complete, .bounds, .iterations, .budget]
    static let stateColumns = 10

    mutating func writeCheckpoint() throws {
        guard let path = options.checkpointPath, let model = checkpointModel else { return }
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
        var table: [Int64] = []
        var seconds: [Double] = []
        for state in states {
            let sums = try world.allReduce([state.leftBounds, state.report.noPreimage, state.report.severalPreimages,
                                            state.report.singular, state.report.folds], .sum)
            table += [state.generation, state.pushed, sums[0], Self.stopReasons.firstIndex(of: state.stop)!, state.finished ? 1 : 0,
                      sums[1], sums[2], sums[3], sums[4], state.sheetLimitReached ? 1 : 0].map(Int64.init)
            let running = !state.finished && constructionStarted != nil ? CycleSearch.seconds(since: constructionStarted!) : 0
            seconds.append(try world.allReduce(state.earlierSeconds + running, .max))
        }
        let counts = try world.allGather(words.count)
        let offset = try world.exclusiveScan(words.count)
        let total = counts.reduce(0, +)
        let parallel = world.size > 1 ? world : nil
        let fingerprint = self.fingerprint, stateCount = states.count, size = world.size
        try ResultFile.write(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                             communicator: parallel) { root in
            let g = try root.createGroup("checkpoint")
            try g.setAttribute("format", Self.checkpointFormat)
            try g.setAttribute("format_version", 2)
            try g.setAttribute("ranks", size)
            try g.writeStrings("fingerprint_keys", fingerprint.map(\.0))
            try g.writeStrings("fingerprint_values", fingerprint.map(\.1))
            try g.writeDataset("state", table, shape: [stateCount, Self.stateColumns])
            try g.writeDataset("seconds", seconds, shape: [stateCount])
            try g.writeDataset("record_counts", counts.map(Int64.init), shape: [size])
            let records = try g.createDataset("records", type: .uint64, shape: [total])
            try records.write(words, start: [offset], count: [words.count])
            try records.close()
            try g.close()
        }
        let generation = states.first { !$0.finished }?.generation
        log("checkpoint: wrote \(path) (\(generation.map { "round \($0)" } ?? "finished manifolds"), \(formatBytes(8 * total)))")
    }

    /// Restores the state saved in a checkpoint (written with any number of ranks).
    public mutating func resume(from path: String) throws {
        var extended = Set<Int>()
        guard FileManager.default.fileExists(atPath: path) else { throw AnalysisInputError("--resume: no such file '\(path)'") }
        let file: File
        do { file = try File.open(path) } catch { throw AnalysisInputError("--resume: '\(path)' is not a readable HDF5 file: \(error)") }
        let g: Group
        do { g = try file.root.openGroup("checkpoint") } catch { throw AnalysisInputError("--resume: '\(path)' is not a manifold checkpoint (no /checkpoint group)") }
        guard (try? g.attributeString("format")) == Self.checkpointFormat, (try? g.attributeInt("format_version")) == 2 else {
            throw AnalysisInputError("--resume: '\(path)' is not a manifold checkpoint of this version")
        }
        let keys = try g.readStrings("fingerprint_keys"), values = try g.readStrings("fingerprint_values")
        let saved = Dictionary(zip(keys, values), uniquingKeysWith: { a, _ in a })
        for (key, value) in fingerprint where saved[key] != value {
            throw AnalysisInputError("--resume: '\(path)' was written for a different run: \(key) is \(saved[key] ?? "missing") there, \(value) here")
        }
        let (table, shape) = try g.readDataset("state", as: Int64.self)
        let seconds = try g.readDoubles("seconds").values
        let n = Self.stateColumns
        guard shape == [states.count, n], seconds.count == states.count else { throw AnalysisInputError("--resume: '\(path)' has a damaged state table") }
        for i in states.indices {
            let row = table[(n * i)..<(n * i + n)].map(Int.init)
            guard (0..<Self.stopReasons.count).contains(row[3]) else { throw AnalysisInputError("--resume: '\(path)' has a damaged state table") }
            states[i].generation = row[0]
            states[i].pushed = row[1]
            states[i].stop = Self.stopReasons[row[3]]
            states[i].finished = row[4] != 0
            states[i].sheetLimitReached = row[9] != 0
            // Limits may differ from the checkpoint's: a run that stopped at a limit continues
            // when it was raised; a limit below the checkpoint's position cannot be honoured.
            let limits = states[i].builder.options
            if states[i].generation > limits.maxIterations {
                throw AnalysisInputError("--resume: '\(path)' is at round \(states[i].generation) of manifold \(i + 1), beyond --max-iterations \(limits.maxIterations)")
            }
            if states[i].pushed > limits.budget {
                throw AnalysisInputError("--resume: '\(path)' has pushed \(states[i].pushed) points in manifold \(i + 1), beyond the budget \(limits.budget)")
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
            }
            states[i].earlierSeconds = seconds[i]
            states[i].builder.retainRegions { _ in false }
        }
        let counts = try g.readInt64s("record_counts").values.map(Int.init)
        let records = try g.openDataset("records")
        var buckets = [[UInt64]](repeating: [], count: world.size)
        var start = 0
        for (writer, count) in counts.enumerated() {
            defer { start += count }
            guard writer % world.size == world.rank, count > 0 else { continue }
            let words: [UInt64] = try records.read(start: [start], count: [count])
            let decoded: [ManifoldMessages.Record]
            do { decoded = try messages.decode(words) } catch { throw AnalysisInputError("--resume: '\(path)' has damaged records: \(error)") }
            for record in decoded {
                switch record {
                case .sheet(let m, let sheet): messages.appendSheet(sheet, manifold: m, to: &buckets[owner(sheet.region)])
                case .arrival(let m, let s, let source, let a): messages.appendArrival(a, manifold: m, destination: s, source: source, to: &buckets[owner(s)])
                case .example(let m, let gen, let r, let p, let text): messages.appendExample(manifold: m, generation: gen, region: r, point: p, problem: text, to: &buckets[0])
                }
            }
        }
        try records.close()
        try g.close()
        try file.close()
        try receive(world.size > 1 ? try world.allToAllv(buckets) : buckets)
        for i in states.indices {
            let keyed = states[i].examples.enumerated().sorted { ($0.element.generation, $0.element.region, $0.offset) < ($1.element.generation, $1.element.region, $1.offset) }
            states[i].examples = keyed.map(\.element)
        }
        let current = states.firstIndex { !$0.finished }
        log("resuming \(path): " + (current.map { "manifold \($0 + 1) of \(states.count) at round \(states[$0].generation)" } ?? "every manifold finished")
            + (extended.isEmpty ? "" : " (continuing \(extended.sorted().map { "manifold \($0 + 1)" }.joined(separator: ", ")) past the earlier limit)"))
    }
}

func formatBytes(_ bytes: Int) -> String {
    if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
    if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
    return "\(bytes) B"
}
