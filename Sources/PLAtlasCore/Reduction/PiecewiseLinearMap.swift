/// How a fixed point of a reduced 1D map attracts: by the slopes of the map on either side.
public enum ReducedStability: String, Sendable, Codable, CaseIterable {
    /// Every one-sided slope has modulus below 1.
    case stable
    /// Every one-sided slope has modulus above 1.
    case unstable
    /// Slopes of modulus 1, or one side attracting and the other repelling (a fold point).
    case marginal
}

/// A fixed point s* = f(s*) of a reduced 1D map.
public struct ReducedFixedPoint: Sendable, Equatable {
    /// The chart coordinate (arc length).
    public var s: Double
    /// The slopes of f on the left and on the right of s* (one of them nil at an end of the
    /// domain); equal inside a piece. For a fixed point of F on a straight part of the curve
    /// they are the eigenvalue of J along it.
    public var leftSlope: Double?
    public var rightSlope: Double?
    public var stability: ReducedStability

    public init(s: Double, leftSlope: Double?, rightSlope: Double?) {
        self.s = s
        self.leftSlope = leftSlope
        self.rightSlope = rightSlope
        let moduli = [leftSlope, rightSlope].compactMap { $0.map(abs) }
        if moduli.allSatisfy({ $0 < 1 }) {
            stability = .stable
        } else if moduli.allSatisfy({ $0 > 1 }) {
            stability = .unstable
        } else {
            stability = .marginal
        }
    }
}

/// A continuous piecewise-linear map of an interval, given by its values at breakpoints: the
/// reduced model on a 1D invariant curve of a piecewise-affine map (in arc length, F restricted
/// to the curve is affine between consecutive region crossings, so this is exact).
public struct PiecewiseLinearMap: Sendable, Equatable {
    /// Strictly increasing breakpoints.
    public var s: [Double]
    /// f(s_i).
    public var f: [Double]

    /// - Precondition: same lengths, at least one point, `s` strictly increasing, values finite.
    public init(s: [Double], f: [Double]) {
        precondition(s.count == f.count && !s.isEmpty)
        precondition(zip(s, s.dropFirst()).allSatisfy { $0 < $1 } && f.allSatisfy(\.isFinite))
        self.s = s
        self.f = f
    }

    public var domain: ClosedRange<Double> { s.first!...s.last! }

    /// The piece holding x: the largest i with s_i <= x (capped below the last point).
    func piece(_ x: Double) -> Int {
        var lo = 0, hi = s.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if s[mid] <= x { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// f(x), or nil outside the domain.
    public func callAsFunction(_ x: Double) -> Double? {
        guard domain.contains(x) else { return nil }
        if s.count == 1 { return f[0] }
        let i = piece(x)
        let t = (x - s[i]) / (s[i + 1] - s[i])
        return f[i] + t * (f[i + 1] - f[i])
    }

    /// The slope of piece i (between s_i and s_{i+1}).
    public func slope(ofPiece i: Int) -> Double { (f[i + 1] - f[i]) / (s[i + 1] - s[i]) }

    /// The drift |f(s_i) - s_i| at every breakpoint (the largest drift on a piece is at one of its ends).
    public var drift: [Double] { zip(f, s).map { abs($0 - $1) } }

    public var maximumDrift: Double { drift.max()! }

    /// Every fixed point, in order. A piece on which f(s) = s throughout contributes its two ends
    /// (both marginal: slope 1).
    public var fixedPoints: [ReducedFixedPoint] {
        var out: [ReducedFixedPoint] = []
        let n = s.count
        let g = zip(f, s).map { $0 - $1 }
        func left(_ i: Int) -> Double? { i > 0 ? slope(ofPiece: i - 1) : nil }
        func right(_ i: Int) -> Double? { i < n - 1 ? slope(ofPiece: i) : nil }
        for i in 0..<n {
            if g[i] == 0 { out.append(ReducedFixedPoint(s: s[i], leftSlope: left(i), rightSlope: right(i))) }
            if i < n - 1, g[i] != 0, g[i + 1] != 0, (g[i] < 0) != (g[i + 1] < 0) {
                let x = s[i] + g[i] / (g[i] - g[i + 1]) * (s[i + 1] - s[i])
                let m = slope(ofPiece: i)
                out.append(ReducedFixedPoint(s: x, leftSlope: m, rightSlope: m))
            }
        }
        return out
    }

    /// The set {x : |f(x) - x| <= tolerance}, exactly, as disjoint closed intervals in order
    /// (a point where the drift touches the tolerance is a degenerate interval).
    public func slowSet(tolerance: Double) -> [ClosedRange<Double>] {
        var out: [ClosedRange<Double>] = []
        func add(_ a: Double, _ b: Double) {
            if let last = out.last, a <= last.upperBound { out[out.count - 1] = last.lowerBound...max(last.upperBound, b) } else { out.append(a...b) }
        }
        if s.count == 1 {
            if abs(f[0] - s[0]) <= tolerance { out.append(s[0]...s[0]) }
            return out
        }
        for i in 0..<(s.count - 1) {
            // g(x) = g0 + m (x - s_i), with g = f - identity.
            let g0 = f[i] - s[i], g1 = f[i + 1] - s[i + 1]
            var a = s[i], b = s[i + 1]
            let m = (g1 - g0) / (b - a)
            if m == 0 {
                if abs(g0) > tolerance { continue }
            } else {
                var x0 = s[i] + (-tolerance - g0) / m, x1 = s[i] + (tolerance - g0) / m
                if x0 > x1 { swap(&x0, &x1) }
                a = max(a, x0)
                b = min(b, x1)
                // At the ends, decide from the exact values (no rounding of the crossings).
                if abs(g0) <= tolerance { a = s[i] }
                if abs(g1) <= tolerance { b = s[i + 1] }
                guard a <= b else { continue }
            }
            add(a, b)
        }
        return out
    }
}

extension PiecewiseLinearMap {
    /// The map as a model of its own, so that every analysis runs on the reduced dynamics: a
    /// shPLRNN with M = 1 and one hidden unit per interior breakpoint,
    ///
    ///     f(s) = m_0 s + (f_0 - m_0 s_0) + sum_{i >= 1} (m_i - m_{i-1}) relu(s - s_i)
    ///
    /// (A = m_0, W1_i = m_i - m_{i-1}, W2_i = 1, h2_i = -s_i, h1 = f_0 - m_0 s_0), with m_i the
    /// slope of piece i. It equals f on the domain and continues its end pieces linearly beyond
    /// it (fixed points found there lie outside the curve). A map of one piece gets one unit
    /// with zero weight (the format needs H >= 1).
    public func asModel() -> Model {
        let n = s.count
        let slopes = n > 1 ? (0..<(n - 1)).map(slope(ofPiece:)) : [0]
        var w1: [Double] = [], h2: [Double] = []
        for i in 1..<max(n - 1, 1) {
            w1.append(slopes[i] - slopes[i - 1])
            h2.append(-s[i])
        }
        if w1.isEmpty { w1 = [0]; h2 = [0] }
        let h = w1.count
        return try! Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [slopes[0]]),
            "W1": Parameter(name: "W1", shape: [1, h], values: w1),
            "W2": Parameter(name: "W2", shape: [h, 1], values: [Double](repeating: 1, count: h)),
            "h1": Parameter(name: "h1", shape: [1], values: [f[0] - slopes[0] * s[0]]),
            "h2": Parameter(name: "h2", shape: [h], values: h2),
        ])
    }
}
