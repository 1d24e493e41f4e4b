import Foundation

/// The exclusive right to write some output files, so that two runs never write one file.
///
/// For every output `OUT` it holds an exclusive `flock` on the file `OUT.lock` beside it, taken
/// before the run touches `OUT` (its temporary name, its checkpoint `OUT.partial`, anything)
/// and kept until the run is done; `release()` removes the lock files. A second run on the same
/// output finds the lock taken and is refused (`OutputBusyError`) before it changes anything.
/// A lock file left behind by a killed run holds no lock (the kernel releases it with the
/// process) and is taken over. Locks are advisory: they keep platlas runs apart, nothing else.
public final class OutputLock {
    /// The outputs locked, in the order they were given.
    public let outputs: [String]
    /// Outputs on file systems that do not support locks (written without one), with the reason.
    public let unlocked: [(output: String, reason: String)]
    private var held: [(path: String, descriptor: Int32)]

    private init(outputs: [String], unlocked: [(String, String)], held: [(String, Int32)]) {
        self.outputs = outputs
        self.unlocked = unlocked
        self.held = held
    }

    /// The lock file of `output`: `OUT.lock`.
    public static func path(for output: String) -> String { output + ".lock" }

    /// Locks every output of `outputs` (one file named twice, however, once), or none: if one
    /// is held by another run, the locks taken so far are released and `OutputBusyError` is
    /// thrown naming it.
    /// A lock file that cannot be created (a directory without write permission) is an
    /// `OutputBusyError` too: the output could not be written either.
    public static func acquire(_ outputs: [String]) throws(OutputBusyError) -> OutputLock {
        var unique: [String] = []
        for output in outputs where !unique.contains(output) { unique.append(output) }
        var held: [(String, Int32)] = []
        var unlocked: [(String, String)] = []
        for output in unique {
            switch lock(path(for: output), held: held.map(\.1)) {
            case .locked(let descriptor):
                held.append((path(for: output), descriptor))
            case .alreadyHeld:
                break
            case .unsupported(let reason):
                unlocked.append((output, reason))
            case .failed(let message):
                release(held)
                throw OutputBusyError(output: output, message: message)
            }
        }
        return OutputLock(outputs: unique, unlocked: unlocked, held: held)
    }

    /// Removes the lock files and releases the locks (the file is removed while still locked, so
    /// that a run waiting to take it over finds it gone and takes a new one). Idempotent.
    public func release() {
        Self.release(held)
        held = []
    }

    deinit { release() }

    enum Outcome {
        case locked(Int32)
        /// The same file as one of `held` under another name (`out.h5`, `./out.h5`).
        case alreadyHeld
        case unsupported(String)
        case failed(String)
    }

    /// Whether two descriptors refer to the same file.
    static func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var x = stat(), y = stat()
        return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    static func lock(_ path: String, held: [Int32]) -> Outcome {
        // A holder that releases removes the file while we may have it open: then the lock we
        // get is on a file no longer under `path`, and we try again on the new one.
        for _ in 0..<100 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                return .failed("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
            }
            if held.contains(where: { sameFile($0, descriptor) }) {
                close(descriptor)
                return .alreadyHeld
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let number = errno
                if number == EWOULDBLOCK {
                    let holder = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    close(descriptor)
                    let by = Int32(holder).map { "another platlas run (process \($0))" } ?? "another platlas run"
                    return .failed("\(String(path.dropLast(5))) is being written by \(by): refused (lock file \(path))")
                }
                // File systems mounted without lock support (ENOLCK, EINVAL, ENOTSUP): go on
                // without a lock rather than refuse to run there.
                close(descriptor)
                unlink(path)
                return .unsupported(String(cString: strerror(number)))
            }
            var opened = stat(), current = stat()
            if fstat(descriptor, &opened) == 0, stat(path, &current) == 0,
               opened.st_dev == current.st_dev, opened.st_ino == current.st_ino {
                let pid = "\(getpid())\n"
                _ = ftruncate(descriptor, 0)
                _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
                return .locked(descriptor)
            }
            close(descriptor)
        }
        return .failed("cannot take the lock file \(path): it keeps being replaced")
    }

    static func release(_ held: [(path: String, descriptor: Int32)]) {
        for (path, descriptor) in held.reversed() {
            unlink(path)
            close(descriptor)
        }
    }
}

/// An output file is being written by another run (or cannot be locked): exit code 2, before
/// anything was written.
public struct OutputBusyError: Error, CustomStringConvertible, Sendable {
    public var output: String
    public var message: String
    public var description: String { message }
}
