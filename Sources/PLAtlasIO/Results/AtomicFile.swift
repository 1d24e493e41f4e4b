import Foundation
import HDF5

/// Files that appear under their final name only when complete: written to
/// `NAME.tmp-PID` beside the target, then renamed (rename is atomic within a file system),
/// so an interrupted run never leaves a file that looks finished, and a failed one leaves an
/// earlier file of that name as it was.
public enum AtomicFile {
    /// The temporary name used while `path` is being written.
    public static func temporaryPath(for path: String, token: String = String(ProcessInfo.processInfo.processIdentifier)) -> String {
        path + ".tmp-" + token
    }

    /// Moves a finished temporary file to its final name, replacing any older file there.
    public static func commit(_ temporary: String, to path: String) throws {
        if rename(temporary, path) != 0 {
            let number = errno
            throw OutputWriteError(path: path, errorNumber: number, detail: "cannot rename \(temporary) to \(path): \(String(cString: strerror(number)))")
        }
    }

    /// Writes `data` to `path` atomically. A failure (a full disk) removes the temporary file
    /// and throws `OutputWriteError`.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            try commit(temporary, to: path)
        } catch {
            remove(temporary)
            throw OutputWriteError.wrapping(error, path: path)
        }
    }

    /// Writes the serial HDF5 file `path` atomically: `body` fills the new file, which is then
    /// closed and renamed. On any failure the file is given up (`File.abandon()`: nothing more
    /// is written), the temporary file removed and the error thrown, a failure to write as
    /// `OutputWriteError`.
    public static func writeHDF5(_ path: String, _ body: (borrowing Group) throws -> Void) throws {
        let temporary = temporaryPath(for: path)
        let file: File
        do {
            file = try File.create(temporary)
        } catch {
            remove(temporary)
            throw OutputWriteError.wrapping(error, path: path)
        }
        do {
            try body(file.root)
        } catch {
            file.abandon()
            remove(temporary)
            throw OutputWriteError.wrapping(error, path: path)
        }
        do {
            try file.close()
            try commit(temporary, to: path)
        } catch {
            remove(temporary)
            throw OutputWriteError.wrapping(error, path: path)
        }
    }
}

extension AtomicFile {
    /// Removes a temporary file, ignoring a missing one.
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes the temporary files `PATH.tmp-PID` that runs killed while writing `path` left
    /// behind: those whose process is no longer running on this machine (or is this one, which
    /// has not written any yet). Returns the paths removed. Call it while holding `path`'s
    /// `OutputLock`, before writing.
    @discardableResult
    public static func removeStaleTemporaries(of path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, !isRunning(pid) || pid == getpid() else { continue }
            let stale = directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
            if unlink(stale) == 0 { removed.append(stale) }
        }
        return removed.sorted()
    }

    /// Whether process `pid` exists on this machine. `kill(pid, 0)`
    static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }
}

/// Writing an output file failed (a full disk, a quota, a failing file system). Whoever throws
/// it has removed the temporary file; a file already under the final name is untouched.
public struct OutputWriteError: Error, CustomStringConvertible, Sendable {
    /// The file that was being written.
    public var path: String
    /// The operating system's error number, when known (`ENOSPC` for a full disk).
    public var errorNumber: Int32?
    /// What failed, for errors other than a full disk or an exceeded quota.
    public var detail: String

    public init(path: String, errorNumber: Int32?, detail: String) {
        self.path = path
        self.errorNumber = errorNumber
        self.detail = detail
    }

    /// One line: "no space left writing OUT", "disk quota exceeded writing OUT", or
    /// "cannot write OUT: ...".
    public var description: String {
        switch errorNumber {
        case ENOSPC: "no space left writing \(path)"
        case EDQUOT: "disk quota exceeded writing \(path)"
        default: "cannot write \(path): " + detail.split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }

    /// The error numbers of writes the operating system refuses: a full disk, a quota, a file
    /// too large, an I/O error, a file system that turned read-only.
    static let refusals: Set<Int32> = [ENOSPC, EDQUOT, EFBIG, EIO, EROFS]

    /// Whether `error` is the operating system refusing a write: after one, a file being
    /// written is in no state to be continued.
    public static func isRefusedWrite(_ error: Error) -> Bool {
        let number: Int32? = switch error {
        case let error as OutputWriteError: error.errorNumber
        case let error as HDF5Error: error.systemErrorNumber
        case let error as POSIXError: error.code.rawValue
        default: (wrapping(error, path: "") as? OutputWriteError)?.errorNumber
        }
        return number.map(refusals.contains) ?? false
    }

    /// `error` as an `OutputWriteError` about `path` if it is a failure to write (an HDF5 or
    /// file system error); any other error (bad input found on the way) unchanged.
    public static func wrapping(_ error: Error, path: String) -> Error {
        switch error {
        case let error as OutputWriteError:
            return error
        case let error as HDF5Error:
            return OutputWriteError(path: path, errorNumber: error.systemErrorNumber, detail: error.description)
        case let error as CocoaError:
            let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
            let number = underlying ?? (error.code == .fileWriteOutOfSpace ? ENOSPC : nil)
            return OutputWriteError(path: path, errorNumber: number, detail: error.localizedDescription)
        case let error as POSIXError:
            return OutputWriteError(path: path, errorNumber: error.code.rawValue, detail: error.localizedDescription)
        default:
            return error
        }
    }
}

/// What the file named as a checkpoint holds, before a run continues it (`--resume`).
public enum CheckpointFile {
    public enum State: Sendable, Equatable {
        /// No file there: the run starts from the beginning.
        case absent
        /// An HDF5 file cut short (a kill while it was being created leaves an empty file or a
        /// few bytes of one), and why it cannot be continued: the run starts again.
        case unreadable(String)
        /// A file that is not HDF5 at all (named by mistake).
        case notHDF5
        /// A readable HDF5 file, to be checked against the run and continued.
        case present
    }

    /// The 8 bytes every HDF5 file starts with (without a user block).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Serial and read-only.
    public static func inspect(_ path: String) -> State {
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        if File.isHDF5(path), let file = try? File.open(path) {
            try? file.close()
            return .present
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unreadable("cannot be read") }
        let head = [UInt8]((try? handle.read(upToCount: signature.count)) ?? Data())
        try? handle.close()
        if head.isEmpty { return .unreadable("an empty file") }
        return head == signature ? .unreadable("not a readable HDF5 file") : .notHDF5
    }
}
