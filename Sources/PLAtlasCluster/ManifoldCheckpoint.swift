import Foundation
import HDF5
import MPI
import PLAtlasCore
import PLAtlasIO

/// Checkpoints of a manifold construction (docs/manifolds.md, "Checkpoints").
///
/// A checkpoint is a result file (root attributes, `/model`) with a group `/checkpoint`:
/// attributes `format` ("platlas-manifold-checkpoint"), `format_version`, `ranks`; string
/// datasets `fingerprint_keys`/`fingerprint_values` (the options the run depends on);
/// `state` (int64, manifolds x 14: `ManifoldConstruction.stateColumns`), `seconds` (float64,
/// per manifold); and
/// every rank's held sheets, pending arrivals and report examples as `ManifoldMessages` words
/// in `records` (uint64), rank after rank, with `record_counts` (int64, one per writing rank).
/// Written collectively to a temporary name and renamed, so a killed run leaves the previous
/// checkpoint intact (a failure to write removes the temporary file: `ResultFile.write`). A resume may use any number of ranks: rank r reads the segments of
/// writers r, r + size, ... and sends each record to its region's owner
/// (`ManifoldConstruction.restore`).
public struct ManifoldCheckpointFile {
    static let format = "platlas-manifold-checkpoint"
    static let version = 3
    public let path: String
    public let model: Model
    public let communicator: Communicator
    let log: Log

    public init(path: String, model: Model, communicator: Communicator, log: Log) {
        self.path = path
        self.model = model
        self.communicator = communicator
        self.log = log
    }

    /// Writes the construction's state (collective): the checkpointer of a construction.
    public func write(_ construction: ManifoldConstruction) throws {
        let world = construction.collective
        let words = construction.checkpointRecords()
        let (table, seconds) = try construction.checkpointState()
        let counts = try world.allGather(words.count)
        let offset = try world.exclusiveScan(words.count)
        let total = counts.reduce(0, +)
        let parallel = communicator.size > 1 ? communicator : nil
        let fingerprint = construction.runFingerprint, size = communicator.size
        try ResultFile.write(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: size),
                             communicator: parallel) { root in
            let g = try root.createGroup("checkpoint")
            try g.setAttribute("format", Self.format)
            try g.setAttribute("format_version", Self.version)
            try g.setAttribute("ranks", size)
            try g.writeStrings("fingerprint_keys", fingerprint.map(\.0))
            try g.writeStrings("fingerprint_values", fingerprint.map(\.1))
            try g.writeDataset("state", table, shape: [seconds.count, ManifoldConstruction.stateColumns])
            try g.writeDataset("seconds", seconds, shape: [seconds.count])
            try g.writeDataset("record_counts", counts.map(Int64.init), shape: [size])
            let records = try g.createDataset("records", type: .uint64, shape: [total])
            try records.write(words, start: [offset], count: [words.count])
            try records.close()
            try g.close()
        }
        log("checkpoint: wrote \(path) (\(construction.currentRound.map { "round \($0)" } ?? "finished manifolds"), \(formatBytes(8 * total)))")
    }

    /// Restores the state saved in a checkpoint (written with any number of ranks).
    public func resume(_ construction: inout ManifoldConstruction) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("--resume: no such file '\(path)'") }
        let file: File
        do { file = try File.open(path) } catch { throw InputError("--resume: '\(path)' is not a readable HDF5 file: \(error)") }
        let g: Group
        do { g = try file.root.openGroup("checkpoint") } catch { throw InputError("--resume: '\(path)' is not a manifold checkpoint (no /checkpoint group)") }
        guard (try? g.attributeString("format")) == Self.format, (try? g.attributeInt("format_version")) == Self.version else {
            throw InputError("--resume: '\(path)' is not a manifold checkpoint of this version")
        }
        let keys = try g.readStrings("fingerprint_keys"), values = try g.readStrings("fingerprint_values")
        let saved = Dictionary(zip(keys, values), uniquingKeysWith: { a, _ in a })
        for (key, value) in construction.runFingerprint where saved[key] != value {
            throw InputError("--resume: '\(path)' was written for a different run: \(key) is \(saved[key] ?? "missing") there, \(value) here")
        }
        let table = try g.readDataset("state", as: Int64.self).0
        let seconds = try g.readDoubles("seconds").values
        let counts = try g.readInt64s("record_counts").values.map(Int.init)
        let records = try g.openDataset("records")
        var segments: [[UInt64]] = []
        var start = 0
        for (writer, count) in counts.enumerated() {
            defer { start += count }
            guard writer % communicator.size == communicator.rank, count > 0 else { continue }
            segments.append(try records.read(start: [start], count: [count]))
        }
        try records.close()
        try g.close()
        try file.close()
        do {
            let line = try construction.restore(table: table, seconds: seconds, segments: segments, name: path)
            log(line)
        } catch let e as ManifoldConstruction.CheckpointError {
            throw InputError("--resume: \(e.description)")
        }
    }
}

func formatBytes(_ bytes: Int) -> String {
    if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
    if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
    return "\(bytes) B"
}
