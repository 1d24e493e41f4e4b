import ArgumentParser
import Foundation
import HDF5
import MPI
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// Where the command line writes: results to stdout, everything else to stderr.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("platlas: error: \(message)\n".utf8))
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("platlas: \(message)\n".utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func output(_ document: JSONOutput) { output(document.serialized()) }

    /// Ends the process with `code`. Once a file could not be closed (a full disk), HDF5 would
    /// crash shutting down (at exit): the process then ends without running exit handlers
    /// (stdout and stderr are written unbuffered, so nothing is lost).
    static func flushAndExit(_ code: Int32) -> Never {
        if !hdf5LibraryCanShutDown { _exit(code) }
        Foundation.exit(code)
    }

    /// Reports an error and exits: 2 for bad input (usage, model files), 1 otherwise; help
    /// and version requests exit 0 as ArgumentParser prints them.
    static func exit(with error: Error) -> Never {
        switch error {
        case let e as ModelError: Console.error(e.description); flushAndExit(2)
        case let e as InputError: Console.error(e.description); flushAndExit(2)
        case let e as InputError: Console.error(e.description); flushAndExit(2)
        case let e as OutputWriteError: Console.error(e.description); flushAndExit(1)
        default:
            let code = Platlas.exitCode(for: error)
            if code == .success {
                Platlas.exit(withError: error)
            }
            if code == .validationFailure {
                // Usage errors: ArgumentParser's message as one line, exit code 2 like every bad input.
                Console.error(usageLine(for: error))
                flushAndExit(2)
            }
            Console.error("\(error)")
            flushAndExit(1)
        }
    }
}

extension Console {
    /// A warning on stderr, from rank 0 only.
    static func warn(_ message: String, world: Communicator) {
        if world.isRoot { FileHandle.standardError.write(Data("platlas: warning: \(message)\n".utf8)) }
    }

    /// ArgumentParser's message for a usage error on one line, with where to read more:
    /// "--max-order must be at least 1, got 0 (see 'platlas cycles --help')".
    static func usageLine(for error: Error) -> String {
        let lines = Platlas.message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var line = lines.filter { !$0.isEmpty && !$0.hasPrefix("Help:") && !$0.hasPrefix("Usage:") }.joined(separator: " ")
        if line.hasPrefix("Error: ") { line.removeFirst(7) }
        let full = Platlas.fullMessage(for: error).split(separator: "\n")
        if let see = full.last(where: { $0.contains("--help") }), let open = see.firstIndex(of: "'"),
           let close = see.lastIndex(of: "'"), open < close {
            line += " (see \(see[open...close]))"
        }
        return line
    }

    /// What `--resume` reports when the output is already complete: the run keeps it and
    /// exits 0 (rank 0 prints `{"output": OUT, "resumed": true}` with --json).
    static func reportAlreadyComplete(_ path: String, json: Bool, world: Communicator, log: Log) {
        log("\(path) is already complete (--resume): nothing to do")
        guard world.isRoot else { return }
        Console.output(json ? JSONOutput.object([("output", .string(path)), ("resumed", .bool(true))]).serialized()
                       : "\(path): already complete, kept")
    }

    /// A log that only rank 0 writes to stderr.
    static func rankLog(_ world: Communicator) -> Log {
        world.isRoot ? Log { Console.log($0) } : .silent
    }
}

/// Options every computing command takes.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Write results to this HDF5 file (written to a temporary name, renamed when complete).", valueName: "file.h5"))
    var output: String?

    @Flag(name: .long, help: "Print one JSON document with the results to stdout (logs stay on stderr).")
    var json = false
}

extension OutputOptions {
    func validate() throws {
        if let output { try Self.check(output, option: "--output") }
    }

    /// An HDF5 output named by `option`: a name ending in .h5 or .hdf5 in a directory that
    /// exists and can be written (`OutputPath`).
    static func check(_ output: String, option: String) throws {
        let lower = output.lowercased()
        guard lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") else {
            throw ValidationError("\(option) must name an HDF5 file ending in .h5 or .hdf5: \(output)")
        }
        try OutputPath.check(output, option: option)
    }
}
