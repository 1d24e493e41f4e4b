/// Bad sweep input: an unknown parameter, an index out of range, a malformed range.
public struct SweepInputError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What a sweep parameter changes in a model (docs/sweeps.md):
/// - `entry`: one element of a parameter array, e.g. `W[1,0]` or `h[2]`, set to the value;
/// - `scale`: a whole array multiplied by the value, `scale:W`;
/// - `direction`: an array moved along a direction u, `h+u`: h = h_base + value * u.
public enum SweepTarget: Sendable, Equatable {
    case entry(parameter: String, index: [Int])
    case scale(parameter: String)
    case direction(parameter: String, vector: [Double])

    public var parameterName: String {
        switch self {
        case .entry(let p, _), .scale(let p), .direction(let p, _): p
        }
    }

    /// Parses a SPEC against a model: `NAME[i]`, `NAME[i,j]`, `scale:NAME` or `NAME+u` (then
    /// `direction` gives u, as many values as the array has).
    public static func parse(_ spec: String, model: Model, direction: [Double]? = nil) throws(SweepInputError) -> SweepTarget {
        let text = spec.filter { !$0.isWhitespace }
        let names = model.kind.parameterNames
        func parameter(_ name: String) throws(SweepInputError) -> Parameter {
            guard let p = model.parameter(name) else {
                throw SweepInputError("unknown parameter '\(name)' in '\(spec)': a \(model.kind.rawValue) model has \(names.joined(separator: ", "))")
            }
            return p
        }
        if text.hasPrefix("scale:") {
            let name = String(text.dropFirst(6))
            _ = try parameter(name)
            return .scale(parameter: name)
        }
        if text.hasSuffix("+u") {
            let name = String(text.dropLast(2))
            let p = try parameter(name)
            guard let direction else { throw SweepInputError("'\(spec)' needs a direction vector u") }
            guard direction.count == p.values.count else {
                throw SweepInputError("the direction for '\(spec)' has \(direction.count) values, \(name) has \(p.values.count)")
            }
            guard direction.allSatisfy(\.isFinite) else { throw SweepInputError("the direction for '\(spec)' holds a non-finite value") }
            return .direction(parameter: name, vector: direction)
        }
        guard let open = text.firstIndex(of: "["), text.hasSuffix("]") else {
            throw SweepInputError("unknown parameter spec '\(spec)': expected NAME[i], NAME[i,j], scale:NAME or NAME+u")
        }
        let name = String(text[..<open])
        let p = try parameter(name)
        let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
        var index: [Int] = []
        for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
            guard let i = Int(part) else { throw SweepInputError("bad index '\(part)' in '\(spec)'") }
            index.append(i)
        }
        guard index.count == p.shape.count else {
            throw SweepInputError("'\(spec)': \(name) has shape \(p.shape.map(String.init).joined(separator: "x")), so it takes \(p.shape.count) \(p.shape.count == 1 ? "index" : "indices")")
        }
        for (i, n) in zip(index, p.shape) where i < 0 || i >= n {
            throw SweepInputError("index out of range in '\(spec)': \(name) has shape \(p.shape.map(String.init).joined(separator: "x"))")
        }
        return .entry(parameter: name, index: index)
    }

    /// The model with this target set to `value` (entries set, scales multiply, directions add
    /// to the model's current values).
    public func apply(to model: Model, value: Double) -> Model {
        let p = model.parameter(parameterName)!
        var values = p.values
        switch self {
        case .entry(_, let index): values[p.flatIndex(index)] = value
        case .scale: values = values.map { $0 * value }
        case .direction(_, let u): for i in values.indices { values[i] += value * u[i] }
        }
        return model.replacing(parameterName, values: values)
    }
}

/// `a:b:n`: n values from a to b inclusive (n = 1: just a).
public struct SweepRange: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var count: Int

    public init(lower: Double, upper: Double, count: Int) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }

    public static func parse(_ text: String) throws(SweepInputError) -> SweepRange {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingWhitespace }
        guard parts.count == 3 else { throw SweepInputError("range '\(text)' must be a:b:n") }
        guard let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
            throw SweepInputError("range '\(text)': bounds must be finite numbers")
        }
        guard let n = Limits.integer(parts[2]) else { throw SweepInputError("range '\(text)': n must be an integer") }
        guard n >= 1 else { throw SweepInputError("range '\(text)': n must be at least 1, got \(n)") }
        do { try Limits.current.check(n, .points, "range '\(text)': n") } catch { throw SweepInputError(error.description) }
        if n > 1 && a == b { throw SweepInputError("range '\(text)' is empty: a equals b with n = \(n) points") }
        return SweepRange(lower: a, upper: b, count: n)
    }

    public var values: [Double] {
        count == 1 ? [lower] : (0..<count).map { lower + (upper - lower) * Double($0) / Double(count - 1) }
    }
}

extension Substring {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
