import Foundation
import HDF5
import MPI
import PLAtlasCore

/// The provenance every result file carries as root attributes.
public struct Provenance: Sendable {
    /// The command line, as typed.
    public var command: String
    /// How many MPI ranks computed the results.
    public var ranks: Int

    public init(command: String, ranks: Int) {
        self.command = command
        self.ranks = ranks
    }

    /// The current process's command line, arguments quoted where needed.
    public static func commandLine() -> String {
        CommandLine.arguments.map { argument in
            argument.isEmpty || argument.contains(where: { " \"'$\\".contains($0) }) ? "'\(argument)'" : argument
        }.joined(separator: " ")
    }
}

/// An HDF5 result file being written: created under a temporary name with the root attributes
/// (`platlas_version`, `schema_version`, `created`, `command`, `ranks`) and a copy of the model
/// under `/model`; renamed to its final name by `finish()`, so an interrupted run never leaves a
/// file that looks complete and a failed one leaves an earlier file of that name untouched.
/// With a communicator it is one parallel file written by every rank (creation, groups and
/// `finish` are collective). A failure to write (a full disk) is thrown as `OutputWriteError`
/// once the temporary file is gone.
public struct ResultFile: ~Copyable {
    public let file: File
    public let path: String
    public let temporaryPath: String
    let communicator: Communicator?

    /// Creates the file under a temporary name beside `path`: `temporaryPath` if given (a name
    /// every rank knows, such as a run's checkpoint `OUT.h5.partial`), else `PATH.tmp-PID`.
    public static func create(_ path: String, models: [Model], provenance: Provenance,
                              communicator: Communicator? = nil, temporaryPath: String? = nil) throws -> ResultFile {
        let temporary: String
        if let temporaryPath {
            temporary = temporaryPath
        } else {
            // Every rank must open the same temporary name: take rank 0's process id.
            var token = Int64(ProcessInfo.processInfo.processIdentifier)
            if let communicator, communicator.size > 1 { token = try communicator.broadcast(token) }
            temporary = AtomicFile.temporaryPath(for: path, token: String(token))
        }
        let file: File
        do {
            file = try File.create(temporary, communicator: communicator)
        } catch {
            if communicator?.isRoot ?? true { AtomicFile.remove(temporary) }
            throw OutputWriteError.wrapping(error, path: path)
        }
        let result = ResultFile(file: file, path: path, temporaryPath: temporary, communicator: communicator)
        do {
            try writeFrame(into: result.root, models: models, provenance: provenance)
        } catch {
            throw result.abandon(after: error)
        }
        return result
    }

    /// Writes the result file `path`: creates it (as `create`), lets `body` fill it and gives
    /// it its final name. On a failure the temporary file is removed (by every rank that
    /// failed; in a parallel file the others are left to the abort that follows) and the error
    /// thrown, a failure to write as `OutputWriteError`. Collective with a communicator.
    public static func write(_ path: String, models: [Model], provenance: Provenance, communicator: Communicator? = nil,
                             _ body: (borrowing Group) throws -> Void) throws {
        let file = try create(path, models: models, provenance: provenance, communicator: communicator)
        do {
            try body(file.root)
        } catch {
            throw file.abandon(after: error)
        }
        try file.finish()
    }

    /// The frame of every result file: the root attributes `platlas_version`, `schema_version`,
    /// `created`, `command`, `ranks`, and the models under `/model` (collective).
    public static func writeFrame(into root: borrowing Group, models: [Model], provenance: Provenance) throws {
        try root.setAttribute("platlas_version", platlasVersion)
        try root.setAttribute("schema_version", resultSchemaVersion)
        try root.setAttribute("created", Self.utcNow())
        try root.setAttribute("command", provenance.command)
        try root.setAttribute("ranks", provenance.ranks)
        try ModelFile.write(models, into: root, group: "/model")
    }

    /// Reopens the unfinished file `temporaryPath` of an interrupted run for writing
    /// (collective with a communicator); `finish()` then gives it the name `path`.
    public static func reopen(_ path: String, temporaryPath: String, communicator: Communicator? = nil) throws -> ResultFile {
        let file = try File.open(temporaryPath, mode: .readWrite, communicator: communicator)
        return ResultFile(file: file, path: path, temporaryPath: temporaryPath, communicator: communicator)
    }

    public var root: Group { file.root }

    var isParallel: Bool { (communicator?.size ?? 1) > 1 }

    /// Closes the file (collectively) and gives it its final name. If that fails the temporary
    /// file is removed and the error thrown (`OutputWriteError` for a failure to write).
    public consuming func finish() throws {
        let communicator = self.communicator
        let temporary = temporaryPath, final = path
        do {
            try file.close()
        } catch {
            AtomicFile.remove(temporary)
            throw OutputWriteError.wrapping(error, path: final)
        }
        if let communicator, communicator.size > 1 {
            try communicator.barrier()
            if communicator.isRoot { try AtomicFile.commit(temporary, to: final) }
            try communicator.barrier()
        } else {
            do {
                try AtomicFile.commit(temporary, to: final)
            } catch {
                AtomicFile.remove(temporary)
                throw error
            }
        }
    }

    /// Closes the file (collectively) and leaves it under its temporary name, to be reopened.
    public consuming func closeUnfinished() throws { try file.close() }

    /// Gives up the file after `error` and returns the error to throw (`OutputWriteError` for a
    /// failure to write). The temporary file is closed with `File.abandon()` (nothing more is
    /// written) and removed. With `keep` (a checkpoint, which `--resume` continues) a file whose
    /// writes did not fail is closed normally and kept instead, and `error` returned as it is;
    /// after a refused write (a full disk) it could be inconsistent and goes as well. In a
    /// parallel file the error may be this rank's alone: the file is then left open (closing it
    /// is collective) for the job's abort, and this rank removes it unless it is kept.
    public consuming func abandon(after error: Error, keep: Bool = false) -> Error {
        let temporary = temporaryPath, parallel = isParallel
        let keep = keep && !OutputWriteError.isRefusedWrite(error)
        if parallel {
            file.abandonWithoutClosing()
        } else if keep {
            try? file.close()
        } else {
            file.abandon()
        }
        if keep { return error }
        AtomicFile.remove(temporary)
        return OutputWriteError.wrapping(error, path: path)
    }

    /// Closes and deletes the temporary file after an error every rank raised alike (bad input
    /// found on the way): collective.
    public consuming func abandon() {
        let temporary = temporaryPath
        let isRoot = communicator?.isRoot ?? true
        file.abandon()
        if isRoot { AtomicFile.remove(temporary) }
    }

    /// The current time as ISO 8601 UTC, e.g. "2026-11-23T15:40:00Z".
    public static func utcNow() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
