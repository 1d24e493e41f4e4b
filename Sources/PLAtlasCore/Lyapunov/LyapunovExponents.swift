import RealModule

/// A map together with its Jacobian: what the Lyapunov exponents need.
public protocol TangentMap {
    /// M, the state dimension.
    var dimension: Int { get }
    /// Writes F(z) into `next` and the Jacobian DF(z) (row-major M x M) into `jacobian`.
    func step(_ z: [Double], next: inout [Double], jacobian: inout [Double])
}

extension ShallowForm: TangentMap {
    /// F(z) and J_d for the region d of z (a point on a boundary takes the side with the unit off).
    public func step(_ z: [Double], next: inout [Double], jacobian: inout [Double]) {
        next = self(z)
        let m = dimension, h = hiddenCount
        for i in 0..<(m * m) { jacobian[i] = A[i] }
        let u = preActivation(z)
        for k in 0..<h where (selectorOffset.map { z[$0 + k] > 0 } ?? (u[k] > 0)) {
            for r in 0..<m {
                let w = W1[r * h + k]
                if w == 0 { continue }
                for c in 0..<m { jacobian[r * m + c] += w * N[k * m + c] }
            }
        }
    }
}

/// A map given by closures (for instance a flow map with a finite-difference Jacobian).
public struct ClosureTangentMap: TangentMap {
    public let dimension: Int
    let body: ([Double]) -> (next: [Double], jacobian: [Double])

    public init(dimension: Int, _ body: @escaping ([Double]) -> (next: [Double], jacobian: [Double])) {
        self.dimension = dimension
        self.body = body
    }

    public func step(_ z: [Double], next: inout [Double], jacobian: inout [Double]) {
        let (n, j) = body(z)
        next = n
        jacobian = j
    }
}

/// Settings of a Lyapunov computation.
public struct LyapunovOptions: Sendable, Equatable {
    /// Steps iterated (and discarded) before measuring, to reach the attractor.
    public var transient: Int = 1000
    /// Steps over which the growth rates are averaged.
    public var steps: Int = 10_000
    /// How many exponents (1 = only the largest; nil = all M).
    public var count: Int? = nil
    /// An orbit whose norm exceeds this is reported as diverged (the exponents are then NaN).
    public var divergenceBound: Double = 1e8

    public init(transient: Int = 1000, steps: Int = 10_000, count: Int? = nil, divergenceBound: Double = 1e8) {
        self.transient = transient
        self.steps = steps
        self.count = count
        self.divergenceBound = divergenceBound
    }
}

/// Lyapunov exponents of one orbit, per step of the map (divide by the time step for rates
/// per unit time), largest first.
public struct LyapunovResult: Sendable, Equatable {
    public var exponents: [Double]
    /// The state after the last step.
    public var finalState: [Double]
    /// Whether the orbit left the divergence bound (then `exponents` are NaN).
    public var diverged: Bool
    /// The largest norm the orbit reached while measuring.
    public var largestNorm: Double

    public var largest: Double { exponents.first ?? .nan }
}

/// Lyapunov exponents by the standard QR method (Benettin et al. 1980; Eckmann & Ruelle 1985):
/// k tangent vectors are pushed through the Jacobians along the orbit and re-orthonormalised
/// by Gram-Schmidt (a thin QR) after every step, starting from fixed pseudo-random
/// directions; exponent i is the average of log |R_ii|.
/// For a piecewise-affine map the Jacobian is the region Jacobian J_d, so for an affine map
/// (one region) the exponents are log |eigenvalue| moduli, largest first (for a map with a
/// complex pair, the pair's two exponents coincide).
///
/// Cost per step: one map evaluation plus O(M^2 k) for the tangent vectors; no allocation
/// beyond a few arrays made once.
public func lyapunovExponents<Map: TangentMap>(of map: Map, from start: [Double],
                                               options: LyapunovOptions = LyapunovOptions()) -> LyapunovResult {
    let m = map.dimension
    precondition(start.count == m, "start has \(start.count) entries, the map has dimension \(m)")
    let k = min(max(options.count ?? m, 1), m)
    var z = start
    var next = [Double](repeating: 0, count: m)
    var jacobian = [Double](repeating: 0, count: m * m)
    var largestNorm = 0.0
    func escaped(_ v: [Double]) -> Bool {
        var s = 0.0
        for x in v { s += x * x }
        let n = s.squareRoot()
        largestNorm = max(largestNorm, n)
        return !(n <= options.divergenceBound)
    }
    let nan = [Double](repeating: .nan, count: k)
    for _ in 0..<options.transient {
        map.step(z, next: &next, jacobian: &jacobian)
        swap(&z, &next)
        if escaped(z) { return LyapunovResult(exponents: nan, finalState: z, diverged: true, largestNorm: largestNorm) }
    }
    largestNorm = 0
    // Tangent vectors as the columns of q (M x k, row-major), starting from fixed pseudo-random
    // directions (unit vectors could be exact eigenvectors and never align with the growth).
    var q = [Double](repeating: 0, count: m * k)
    var generator = SeededGenerator(seed: 0x1A9, stream: UInt64(m))
    for i in 0..<(m * k) { q[i] = generator.normal() }
    orthonormaliseColumns(&q, rows: m, columns: k)
    var v = q
    var sums = [Double](repeating: 0, count: k)
    for _ in 0..<options.steps {
        map.step(z, next: &next, jacobian: &jacobian)
        // v = J q
        for r in 0..<m {
            for c in 0..<k {
                var s = 0.0
                for t in 0..<m { s += jacobian[r * m + t] * q[t * k + c] }
                v[r * k + c] = s
            }
        }
        // Gram-Schmidt on the columns of v; the diagonal of R goes to the sums.
        orthonormaliseColumns(&v, rows: m, columns: k) { c, n in sums[c] += Double.log(n) }
        swap(&q, &v)
        swap(&z, &next)
        if escaped(z) { return LyapunovResult(exponents: nan, finalState: z, diverged: true, largestNorm: largestNorm) }
    }
    let exponents = sums.map { $0 / Double(max(options.steps, 1)) }
    return LyapunovResult(exponents: exponents, finalState: z, diverged: false, largestNorm: largestNorm)
}

/// Modified Gram-Schmidt on the columns of a row-major rows x columns matrix; `norm(c, n)`
/// receives each column's norm before it is normalised (the diagonal of R). A collapsed
/// column (norm 0, det J = 0) restarts from the unit vector e_c.
func orthonormaliseColumns(_ v: inout [Double], rows m: Int, columns k: Int, norm: (Int, Double) -> Void = { _, _ in }) {
    for c in 0..<k {
        for p in 0..<c {
            var d = 0.0
            for r in 0..<m { d += v[r * k + p] * v[r * k + c] }
            for r in 0..<m { v[r * k + c] -= d * v[r * k + p] }
        }
        var n2 = 0.0
        for r in 0..<m { n2 += v[r * k + c] * v[r * k + c] }
        let n = n2.squareRoot()
        norm(c, n)
        for r in 0..<m { v[r * k + c] = n > 0 ? v[r * k + c] / n : (r == c ? 1 : 0) }
    }
}

/// The largest Lyapunov exponent (per step) of the orbit from `start`.
public func largestLyapunovExponent<Map: TangentMap>(of map: Map, from start: [Double], transient: Int = 1000,
                                                     steps: Int = 10_000) -> LyapunovResult {
    lyapunovExponents(of: map, from: start, options: LyapunovOptions(transient: transient, steps: steps, count: 1))
}
