import PLAtlasCore

/// A bad option value: the option (spec key) it concerns and one line. The command line reports
/// it as a usage error, a spec with the line of the key.
public struct OptionValueError: Error, CustomStringConvertible, Sendable {
    /// The spec key (`bounds`, `center`, ...); the command's option is `--` + key with dashes.
    public var key: String
    public var description: String

    public init(_ key: String, _ description: String) {
        self.key = key
        self.description = description
    }
}

/// How option names read in messages: `--fixed-point` on the command line, `'fixed_point'` in a
/// spec.
public enum OptionNaming: Sendable {
    case commandLine, spec
    /// A key of a spec table, with the table's name: `'max_order' in [[cycles]]`.
    case table(String)

    public func callAsFunction(_ key: String) -> String {
        switch self {
        case .commandLine: "--" + key.replacingOccurrences(of: "_", with: "-")
        case .spec: "'\(key)'"
        case .table(let name): "'\(key)' in [[\(name)]]"
        }
    }
}

extension OptionNaming {
    /// `value` (when given) must be at least `minimum` and at most `maximum`, and within the
    /// limit of `kind` (docs/model-format.md, "Limits"). The one check of a count option for
    /// both front doors.
    public func check(_ key: String, _ value: Int?, atLeast minimum: Int, atMost maximum: Int? = nil,
                      limit kind: Limits.Kind? = nil) throws(OptionValueError) {
        guard let value else { return }
        guard value >= minimum else { throw OptionValueError(key, "\(self(key)) must be at least \(minimum), got \(value)") }
        if let maximum, value > maximum { throw OptionValueError(key, "\(self(key)) must be at most \(maximum), got \(value)") }
        if let kind {
            do { try Limits.current.check(value, kind, self(key)) } catch { throw OptionValueError(key, error.description) }
        }
    }

    /// `value` (when given) must be a finite number at least `minimum` (above it when `strictly`).
    public func check(_ key: String, _ value: Double?, atLeast minimum: Double, strictly: Bool = false, _ meaning: String) throws(OptionValueError) {
        guard let value else { return }
        guard value.isFinite, strictly ? value > minimum : value >= minimum else {
            throw OptionValueError(key, "\(self(key)) must be \(meaning), got \(value)")
        }
    }
}

extension SpecTable {
    /// Runs checks written once for both front doors, with the line of the key they name.
    public func checking<T>(_ body: (OptionNaming) throws(OptionValueError) -> T) throws(JobSpecError) -> T {
        do { return try body(.table(name)) } catch { throw self.error(error.key, error.description) }
    }
}
