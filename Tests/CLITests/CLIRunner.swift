import Foundation

/// Runs the built `platlas` binary and captures what it prints.
struct CLIResult {
    /// The exit status, or the number of the signal that ended the process (see `signalled`).
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether a signal ended the process.
    var signalled = false

    /// The lines of stderr that report an error (`platlas: error: ...`, `platlas: rank R: ...`).
    var errorLines: [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("platlas: error:") || $0.hasPrefix("platlas: rank ") }
    }
}

enum CLI {
    /// The `platlas` executable: $PLATLAS_BINARY if set (a release build, say), else the one
    /// built beside the test bundle (`swift test` builds it too).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PLATLAS_BINARY"], !path.isEmpty { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("platlas").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/platlas").path
    }()

    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func sharedModel(_ name: String) -> String { repository + "/../shared/models/" + name }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "platlas-cli-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The environment for a child: without the variables a singleton MPI_Init leaves behind.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
        env["OPENBLAS_NUM_THREADS"] = "1"
        return env
    }

    /// Runs `platlas` with `arguments` (and the variables `extra` added to the environment) to
    /// its end. A process killed by a signal has the signal's number as `status`.
    @discardableResult
    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CLIResult {
        try start(arguments, environment: extra).wait()
    }

    /// Runs `platlas` with `arguments` and the fault injection `PLATLAS_HALT_AFTER_POINTS=points`:
    /// it kills itself (SIGKILL, as a node failure or a time limit would) right after the
    /// checkpoint write that brings its sweep to `points` points done.
    @discardableResult
    static func runHalted(_ arguments: [String], afterPoints points: Int) throws -> CLIResult {
        try run(arguments, environment: ["PLATLAS_HALT_AFTER_POINTS": String(points)])
    }

    /// Starts `platlas` in the background; its output goes to files read by `wait()`.
    static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> RunningCLI {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment.merging(extra) { _, new in new }
        // Capture through files: no pipe can fill up and block the child.
        let dir = temporaryDirectory()
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try out.close()
        try err.close()
        return RunningCLI(process: process, directory: dir)
    }

    /// Runs /usr/bin/python3 (Debian's, with h5py; the python3 on PATH may lack it) on `script`
    /// with `arguments`, matplotlib headless; its exit status and its stdout and stderr together.
    static func python(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        var env = environment
        env["MPLBACKEND"] = "Agg"
        return try tool("/usr/bin/python3", ["-c", script] + arguments, environment: env)
    }

    /// Runs the program `executable` with `arguments`; its exit status and its stdout and
    /// stderr together.
    static func tool(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// stdout parsed as one JSON document.
    static func json(_ result: CLIResult) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}

/// A `platlas` process started by `CLI.start`.
struct RunningCLI {
    let process: Process
    let directory: String

    var pid: Int32 { process.processIdentifier }

    /// What it has written to stderr so far.
    var stderr: String { (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "" }

    /// The process state letter of /proc/PID/stat (R, S, T for stopped, Z), nil once it is gone.
    var state: Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[close...].dropFirst(2).first
    }

    /// Waits until `condition` holds or the process has ended; whether it holds. Polls every
    /// 10 ms: this waits for an event (a line, a stop), however long it takes to come.
    func waitFor(_ condition: () -> Bool) -> Bool {
        while !condition() {
            if !process.isRunning { return condition() }
            usleep(10_000)
        }
        return true
    }

    /// Waits until the process has stopped itself (SIGSTOP: `PLATLAS_PAUSE_AFTER_*`); false if
    /// it ended instead.
    func waitUntilStopped() -> Bool { waitFor { state == "T" } }

    /// Waits until its stderr contains `text`; false if it ended without writing it.
    func waitForStandardError(containing text: String) -> Bool { waitFor { stderr.contains(text) } }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the end; its exit status (or the number of the signal that killed it) and
    /// everything it printed.
    func wait() throws -> CLIResult {
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outData = try Data(contentsOf: URL(fileURLWithPath: directory + "/out"))
        let errData = try Data(contentsOf: URL(fileURLWithPath: directory + "/err"))
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }
}
