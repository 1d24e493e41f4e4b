#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Upper bounds on every size that comes from a file or an option, checked before anything of
/// that size is allocated (docs/model-format.md, "Limits"). A size beyond its limit is bad input:
/// one line naming the size, the limit and the environment variable that raises it.
///
/// | kind | what it bounds | default | raised by |
/// |---|---|---|---|
/// | dimension | the state dimension M of a model or of trajectory data | 4096 | PLATLAS_MAX_DIMENSION |
/// | hidden | the hidden units H of a model or a fit | 65536 | PLATLAS_MAX_HIDDEN |
/// | values | the numbers in one array, read from a file or built from options (1 GiB of doubles) | 134217728 | PLATLAS_MAX_VALUES |
/// | points | sweep grid points, models in a stack | 1000000 | PLATLAS_MAX_POINTS |
/// | count | steps, restarts, evaluations, samples given as one option | 1000000000 | PLATLAS_MAX_COUNT |
public struct Limits: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case dimension, hidden, values, points, count

        /// The environment variable that sets this limit.
        public var variable: String { "PLATLAS_MAX_" + rawValue.uppercased() }

        public var defaultValue: Int {
            switch self {
            case .dimension: 4096
            case .hidden: 65_536
            case .values: 1 << 27
            case .points: 1_000_000
            case .count: 1_000_000_000
            }
        }
    }

    private var values: [Kind: Int]

    /// The defaults.
    public init() {
        values = Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, $0.defaultValue) })
    }

    /// The defaults, with each kind whose variable is set in `environment` taken from it.
    public init(environment: [String: String]) throws(LimitError) {
        self.init()
        for kind in Kind.allCases {
            guard let text = environment[kind.variable] else { continue }
            guard let value = Self.integer(text), value >= 1 else {
                throw LimitError(description: "\(kind.variable) must be a positive integer, got '\(text)'")
            }
            values[kind] = value
        }
    }

    public subscript(kind: Kind) -> Int {
        get { values[kind]! }
        set { values[kind] = newValue }
    }

    /// The limits of this process: the defaults, raised or lowered by the environment. An
    /// unusable variable leaves its default (`checkEnvironment` reports it).
    public static let current: Limits = (try? Limits(environment: processEnvironment())) ?? Limits()

    /// Throws when a PLATLAS_MAX_* variable of this process is not a positive integer.
    public static func checkEnvironment() throws(LimitError) {
        _ = try Limits(environment: processEnvironment())
    }

    static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for kind in Kind.allCases {
            if let value = getenv(kind.variable) { environment[kind.variable] = String(cString: value) }
        }
        return environment
    }

    /// Fails when `value` is beyond the limit of `kind`: "`what` is VALUE, more than the limit
    /// of LIMIT (set VARIABLE to raise it)".
    public func check(_ value: Int, _ kind: Kind, _ what: @autoclosure () -> String) throws(LimitError) {
        if value > self[kind] { throw LimitError(what(), shown: String(value), kind: kind, limit: self[kind]) }
    }

    /// The same for a size computed as a product (or too large for an Int).
    public func check(_ value: Double, _ kind: Kind, _ what: @autoclosure () -> String) throws(LimitError) {
        if !(value <= Double(self[kind])) {
            let shown = value < 9e18 && value == value.rounded() ? String(Int(value)) : "\(value)"
            throw LimitError(what(), shown: shown, kind: kind, limit: self[kind])
        }
    }

    /// The product of `factors` as a Double, exact up to 2^53 and never overflowing: the size
    /// of an array a shape claims.
    public static func product(_ factors: [Int]) -> Double {
        factors.reduce(1.0) { $0 * Double($1) }
    }

    /// An integer as users type it: `1000`, `+1000`, `1_000_000`, or a number with an exact
    /// integer value such as `1e6` or `2.5e3`. Nil for anything else (fractions, NaN, beyond Int).
    public static func integer(_ text: String) -> Int? {
        let trimmed = String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        let plain = trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed
        let digits = plain.contains("_") && !plain.hasPrefix("_") && !plain.hasSuffix("_") && !plain.contains("__")
            ? String(plain.filter { $0 != "_" }) : plain
        if let exact = Int(digits) { return exact }
        guard digits.allSatisfy({ $0.isNumber || "eE.-+".contains($0) }), let x = Double(digits), x.isFinite,
              x == x.rounded(), abs(x) < 9.2e18 else { return nil }
        return Int(x)
    }
}

/// A size beyond its limit, or an unusable limit: one line.
public struct LimitError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(description: String) { self.description = description }

    init(_ what: String, shown: String, kind: Limits.Kind, limit: Int) {
        description = "\(what) is \(shown), more than the limit of \(limit) (set \(kind.variable) to raise it)"
    }
}
