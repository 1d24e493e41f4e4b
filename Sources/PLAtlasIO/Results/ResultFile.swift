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
/// file that looks complete. With a communicator it is one parallel file written by every rank
/// (creation, groups and `finish` are collective).
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
        let file = try File.create(temporary, communicator: communicator)
        try writeFrame(into: file.root, models: models, provenance: provenance)
        return ResultFile(file: file, path: path, temporaryPath: temporary, communicator: communicator)
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

    /// Closes the file (collectively) and gives it its final name.
    public consuming func finish() throws {
        let communicator = self.communicator
        let temporary = temporaryPath, final = path
        try file.close()
        if let communicator, communicator.size > 1 {
            try communicator.barrier()
            if communicator.isRoot { try AtomicFile.commit(temporary, to: final) }
            try communicator.barrier()
        } else {
            try AtomicFile.commit(temporary, to: final)
        }
    }

    /// Closes the file (collectively) and leaves it under its temporary name, to be reopened.
    public consuming func closeUnfinished() throws { try file.close() }

    /// Closes and deletes the temporary file (after an error).
    public consuming func abandon() {
        let temporary = temporaryPath
        let isRoot = communicator?.isRoot ?? true
        try? file.close()
        if isRoot { AtomicFile.remove(temporary) }
    }

    /// The current time as ISO 8601 UTC, e.g. "2026-11-23T15:40:00Z".
    public static func utcNow() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
