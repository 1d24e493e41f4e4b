import Foundation

/// Files that appear under their final name only when complete: written to
/// `NAME.tmp-PID` beside the target, then renamed (rename is atomic within a file system),
/// so an interrupted run never leaves a file that looks finished.
public enum AtomicFile {
    /// The temporary name used while `path` is being written.
    public static func temporaryPath(for path: String, token: String = String(ProcessInfo.processInfo.processIdentifier)) -> String {
        path + ".tmp-" + token
    }

    /// Moves a finished temporary file to its final name, replacing any older file there.
    public static func commit(_ temporary: String, to path: String) throws {
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot rename \(temporary) to \(path): \(reason)"])
        }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            try commit(temporary, to: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

extension AtomicFile {
    /// Removes a temporary file, ignoring a missing one.
    public static func remove(_ path: String) {
        unlink(path)
    }
}
