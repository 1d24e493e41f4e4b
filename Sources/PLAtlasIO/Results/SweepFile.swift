import ComplexModule
import HDF5
import MPI
import PLAtlasCore

/// The resumable HDF5 file of `platlas sweep --output OUT` (`/sweep`, docs/hdf5-schema.md).
///
/// Written as `platlas run` writes: under the name `OUT.partial` (`checkpointPath(for:)`),
/// which is also the checkpoint `--resume` continues, and renamed to `OUT` by `finish`, so a
/// killed run never leaves a partial file under the final name nor replaces an earlier
/// complete one. The root attribute `complete` is 0 until `finish` sets it to 1. The group
/// `/sweep` is a `SweepGroup`.
public struct SweepFile: ~Copyable {
    let result: ResultFile
    let sweep: SweepGroup

    /// The name `output` is written under until it is complete: `OUT.partial`.
    public static func checkpointPath(for output: String) -> String { RunCheckpoint.path(for: output) }

    /// The final file a `--resume` argument names: `OUT` for `OUT` or `OUT.partial`.
    public static func outputPath(resuming path: String) -> String {
        path.hasSuffix(".partial") ? String(path.dropLast(".partial".count)) : path
    }

    public var path: String { result.path }

    /// Creates `OUT.partial` (collective with a communicator), with the grid and empty
    /// per-point data.
    public static func create(_ path: String, models: [Model], provenance: Provenance, sweep: Sweep, specs: [String],
                              communicator: Communicator?) throws -> SweepFile {
        let result = try ResultFile.create(path, models: models, provenance: provenance, communicator: communicator,
                                           temporaryPath: checkpointPath(for: path))
        let group: SweepGroup
        do {
            try result.root.setAttribute("complete", 0)
            group = try SweepGroup.create(in: result.root, name: "sweep", sweep: sweep, specs: specs, communicator: communicator)
        } catch {
            throw result.abandon(after: error)
        }
        return SweepFile(result: result, sweep: group)
    }

    /// Whether `path` is a complete file of this sweep (`complete` = 1, the same grid and
    /// options); false for a missing, unreadable or unfinished file. Throws `SweepInputError`
    /// for a complete file of another sweep (which `--resume` must not replace). Serial and
    /// read-only.
    public static func isComplete(_ path: String, sweep: Sweep, specs: [String]) throws(SweepInputError) -> Bool {
        guard File.isHDF5(path), let file = try? File.open(path) else { return false }
        var difference: String?
        let complete = (try? file.root.attributeInt("complete")) == 1 && file.root.isGroup("sweep")
        if complete, let g = try? file.root.openGroup("sweep") {
            for (key, value) in SweepGroup.identity(sweep, specs: specs) where difference == nil {
                let stored = (try? g.attributeString(key)) ?? "(missing)"
                if stored != value { difference = "\(key) is \(stored), this run has \(value)" }
            }
            try? g.close()
        }
        try? file.close()
        if let difference { throw SweepInputError("--resume: '\(path)' is a complete file of another sweep (\(difference))") }
        return complete
    }

    /// Whether `path` is a sweep file left unfinished under its final name (`complete` = 0),
    /// earlier versions wrote it while running. Serial and read-only.
    public static func isUnfinished(_ path: String) -> Bool {
        guard File.isHDF5(path), let file = try? File.open(path) else { return false }
        let unfinished = (try? file.root.attributeInt("complete")) == 0 && file.root.isGroup("sweep")
        try? file.close()
        return unfinished
    }

    /// Reopens the checkpoint `OUT.partial` of an interrupted run (collective) and reads its
    /// completed points. Throws `SweepInputError` if the file belongs to another sweep.
    public static func resume(_ path: String, sweep: Sweep, specs: [String], communicator: Communicator?,
                              completed points: inout [SweepPoint]) throws -> SweepFile {
        let checkpoint = checkpointPath(for: path)
        let result = try ResultFile.reopen(path, temporaryPath: checkpoint, communicator: communicator)
        let group: SweepGroup
        do {
            guard result.root.isGroup("sweep") else { throw SweepInputError("--resume: '\(checkpoint)' holds no /sweep") }
            group = try SweepGroup.resume(in: result.root, name: "sweep", sweep: sweep, specs: specs, communicator: communicator,
                                          source: "--resume: '\(checkpoint)'", reopenComplete: true, completed: &points)
        } catch let error as SweepInputError {
            // Every rank finds the same: close collectively and keep the file as it is.
            try? result.closeUnfinished()
            throw error
        } catch {
            throw result.abandon(after: error, keep: true)
        }
        let file = SweepFile(result: result, sweep: group)
        do {
            try file.result.root.setAttribute("complete", 0)
            try file.result.root.setAttribute("resumed", 1)
        } catch {
            throw file.abandon(after: error)
        }
        return file
    }

    /// Appends finished points: collective, every rank passes its own (possibly none).
    /// Returns how many points all ranks appended.
    @discardableResult
    public func append(_ local: [SweepPoint]) throws -> Int { try sweep.append(local) }

    /// Writes the bifurcation table, sets `complete` to 1, closes the file and gives it its
    /// final name (collective; every rank passes the same table). With `points` (every point
    /// of the grid, in index order) the cycle tables are rewritten in point order first.
    public consuming func finish(points: [SweepPoint]? = nil, bifurcations: [Bifurcation]) throws {
        try sweep.finish(points: points, bifurcations: bifurcations)
        try result.root.setAttribute("complete", 1)
        try result.finish()
    }

    /// Closes without marking the file complete (it can be resumed).
    public consuming func close() throws {
        try sweep.close()
        try result.closeUnfinished()
    }

    /// Gives the file up after `error`, keeping it as the checkpoint `--resume` continues
    /// unless a write was refused (`ResultFile.abandon(after:keep:)`); returns the error to
    /// throw (`OutputWriteError` for a failure to write).
    public consuming func abandon(after error: Error) -> Error {
        _ = consume sweep
        return result.abandon(after: error, keep: true)
    }
}

/// `--json` output of a sweep.
public enum SweepOutput {
    /// The `stats` of `--json`: what this run did (`computed` counts the points of blocks
    /// recomputed after an interruption, `resumed` the points read back).
    public static func stats(_ outcome: SweepOutcome, ranks: Int, warmStart: Bool, seconds: Double) -> [(String, JSONOutput)] {
        let computed = outcome.computed
        return [
            ("points", .integer(outcome.points.count)), ("computed", .integer(computed.count)), ("resumed", .integer(outcome.resumed)),
            ("ranks", .integer(ranks)), ("warm_start", .bool(warmStart)), ("candidates", .integer(computed.reduce(0) { $0 + $1.candidates })),
            ("seeded_points", .integer(computed.filter { $0.seeds > 0 }.count)),
            ("seconds", .number(seconds)), ("points_per_second", .number(Double(computed.count) / max(seconds, 1e-9))),
        ]
    }

    /// `{"grid": [{"values", "cycles": [{"order", "stability", "unstable_dimension", "points"}],
    /// "lyapunov", "attractors", ...}], "bifurcations": [{"between", "type", "value", ...}],
    /// "stats": {...}}`, grid points in row-major order.
    public static func json(_ points: [SweepPoint], bifurcations: [Bifurcation], spectrum: Bool, stats: [(String, JSONOutput)]) -> JSONOutput {
        let grid: [JSONOutput] = points.map { p in
            var fields: [(String, JSONOutput)] = [
                ("values", .numbers(p.values)),
                ("cycles", .array(p.cycles.map { c in
                    .object([("order", .integer(c.order)), ("stability", .string(c.stability.rawValue)),
                             ("unstable_dimension", .integer(c.unstableDimension)), ("points", .array(c.points.map { .numbers($0) }))])
                })),
                ("lyapunov", .number(p.lyapunov)),
                ("attractors", .integer(p.attractorCount)),
            ]
            if spectrum { fields.append(("spectrum", .numbers(p.spectrum))) }
            return .object(fields)
        }
        let events: [JSONOutput] = bifurcations.map { b in
            .object([("between", .integers([b.between.0, b.between.1])), ("type", .string(b.type.rawValue)), ("value", .number(b.value)),
                     ("axis", .integer(b.axis)), ("order", .integer(b.order)), ("refined", .bool(b.refined))])
        }
        return .object([("grid", .array(grid)), ("bifurcations", .array(events)), ("stats", .object(stats))])
    }
}
