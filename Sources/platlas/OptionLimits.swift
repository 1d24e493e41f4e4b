import ArgumentParser
import Foundation
import PLAtlasCore

/// A whole number as users type it, for count options: `1000`, `1_000`, `1e6`
/// (`@Option(transform: wholeNumber)`).
func wholeNumber(_ text: String) throws -> Int {
    guard let n = Limits.integer(text) else { throw ValidationError("'\(text)' is not a whole number") }
    return n
}

extension Limits {
    /// For `validate()`: a usage error for the first option beyond its limit, naming the
    /// option, its value, the limit and the variable that raises it.
    func check(options: [(name: String, value: Int?, kind: Kind)]) throws {
        for option in options {
            guard let value = option.value else { continue }
            do { try check(value, option.kind, option.name) } catch { throw ValidationError(error.description) }
        }
    }
}

/// Output files given as options: each must be in an existing, writable directory, checked
/// before anything is computed (as `--output` is).
enum OutputPath {
    /// Fails with a usage error naming `option` when the directory of `path` is missing or
    /// not writable, or when `path` itself is a directory.
    static func check(_ path: String?, option: String) throws {
        guard let path else { return }
        if let problem = problem(with: path) { throw ValidationError("\(option): \(problem)") }
    }

    /// What keeps `path` from being written, or nil.
    static func problem(with path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "'\(path)' is a directory"
        }
        let given = (path as NSString).deletingLastPathComponent
        let directory = given.isEmpty ? "." : given
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "directory '\(directory)' does not exist"
        }
        guard access(directory, W_OK | X_OK) == 0 else { return "directory '\(directory)' is not writable" }
        return nil
    }
}
