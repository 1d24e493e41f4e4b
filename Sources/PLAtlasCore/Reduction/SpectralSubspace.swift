import ComplexModule
import LinearAlgebra
import RealModule

/// Problems that stop a reduction before it starts: one line each.
public enum ReductionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// d outside 1...M.
    case dimension(Int, stateDimension: Int)
    /// The d-th and (d+1)-th slowest eigenvalues are a complex pair: the real subspace needs both.
    case splitsComplexPair(Int)
    case eigenFailure
    /// The 1D curve needs a real slow eigenvalue (and a fixed point, not a cycle).
    case notRealOneDimensional(String)
    /// The fixed point lies outside the bounds.
    case outsideBounds
    /// The slow eigenvalues lie on both sides of the unit circle (or on it): the SSM has no
    /// one direction (backward or forward) to be continued in.
    case straddlesUnitCircle
    /// The manifold machinery refused the SSM (its message).
    case manifold(String)

    public var description: String {
        switch self {
        case .dimension(let d, let m): "the reduced dimension must be between 1 and M = \(m), got \(d)"
        case .splitsComplexPair(let d):
            "d = \(d) would split a complex pair of eigenvalues; use d = \(d + 1) (or \(d - 1)) so that the pair's real plane is kept whole"
        case .eigenFailure: "the eigen-decomposition of the Jacobian product failed"
        case .notRealOneDimensional(let why): why
        case .outsideBounds: "the bounds exclude the fixed point"
        case .straddlesUnitCircle:
            "the slow eigenvalues lie on both sides of the unit circle (or on it): the slow manifold cannot be continued as one stable or unstable manifold"
        case .manifold(let message): message
        }
    }
}

/// The slow spectral subspace of a fixed point or k-cycle (science.md section 7): at each cycle
/// point p_i, the span E_i of the eigenvectors of P_i = J_{d_{i-1}} ... J_{d_i} (k factors) for
/// its d slowest eigenvalues, slowest meaning smallest |log|lambda|| (closest to the unit circle:
/// for a stable point the d largest moduli; for the saddle of a decision network its unstable
/// eigenvalue). A complex pair contributes the real plane of its eigenvector, so d may not split
/// a pair.
///
/// Inside the cycle's regions F is affine, so p_i + E_i is an exactly invariant flat: J_i maps E_i
/// onto E_{i+1}. In orthonormal charts c = Q_i (x - p_i) (Q_i: d rows), F acts as the d x d
/// matrices S_i = Q_{i+1} J_i Q_i^T and F^k at p_0 as S = Q_0 P_0 Q_0^T, whose eigenvalues are the
/// d slow eigenvalues: the reduced model on the local piece (where the orbit stays in the
/// cycle's regions, `chartConstraints`). The spectral submanifold (SSM) is the continuation of
/// that piece: backward through preimages when the slow eigenvalues lie inside the unit circle
/// (as a stable manifold is continued), forward with images when they lie outside (as an
/// unstable manifold): `continuation`.
public struct SpectralSubspace: Sendable {
    /// The fixed point or cycle.
    public var cycle: Cycle
    /// d.
    public var dimension: Int
    /// Every eigenvalue of P_0, slowest first (ascending |log|lambda||; ties by decreasing
    /// modulus, then as LAPACK orders them).
    public var eigenvalues: [Complex<Double>]
    /// Q_i: an orthonormal basis of E_i at each cycle point (d vectors of length M).
    public var bases: [[[Double]]]
    /// S = Q_0 P_0 Q_0^T (d x d, row-major): the reduced return map in the chart at p_0.
    public var reducedMatrix: [Double]
    /// S_i = Q_{i+1} J_i Q_i^T (d x d each): one step of F from the chart at p_i to that at p_{i+1}.
    public var stepMatrices: [[Double]]
    /// max |P_0 Q_0^T - Q_0^T S| entry: how exactly the computed subspace is invariant (rounding).
    public var invarianceResidual: Double

    /// The d slow eigenvalues.
    public var slowEigenvalues: [Complex<Double>] { Array(eigenvalues.prefix(dimension)) }
    /// The M - d fast ones.
    public var fastEigenvalues: [Complex<Double>] { Array(eigenvalues.dropFirst(dimension)) }

    /// Time scale of each eigenvalue in steps of F: k / |log|lambda|| (the number of steps over
    /// which the component decays, or grows, by e; -1/log|lambda| for a stable fixed point).
    /// Infinite for |lambda| = 1, 0 for lambda = 0.
    public var timeScales: [Double] {
        eigenvalues.map { Double(cycle.order) / abs(Double.log($0.length)) }
    }

    /// The spectral gap: the slowest rate outside E over the fastest inside,
    /// min_{j > d} |log|lambda_j|| / max_{j <= d} |log|lambda_j|| (log|lambda_fast| / log|lambda_slow|
    /// for a stable point). Large means E is much slower than the rest; infinite for d = M.
    public var spectralGap: Double {
        guard dimension < eigenvalues.count else { return .infinity }
        let inside = slowEigenvalues.map { abs(Double.log($0.length)) }.max()!
        let outside = fastEigenvalues.map { abs(Double.log($0.length)) }.min()!
        return outside / inside
    }

    /// Whether the flat attracts nearby orbits: every fast eigenvalue lies inside the unit circle.
    public var isAttracting: Bool { fastEigenvalues.allSatisfy { $0.length < 1 } }

    /// How the SSM continues beyond its local piece: `.stable` (backward, through every preimage
    /// branch, as a stable manifold) when every slow eigenvalue lies inside the unit circle,
    /// `.unstable` (forward, with images) when every one lies outside; nil when they straddle it.
    public var continuation: ManifoldKind? {
        if slowEigenvalues.allSatisfy({ $0.length < 1 }) { return .stable }
        if slowEigenvalues.allSatisfy({ $0.length > 1 }) { return .unstable }
        return nil
    }

    /// - Parameter unstableFirst: order the eigenvalues outside the unit circle first (then
    ///   each group slowest first): E is then the unstable subspace of a saddle with d unstable
    ///   directions (the slow line of a decision network, `--saddle`), even where a stable
    ///   direction is slower.
    /// - Throws: `ReductionError.dimension` unless 1 <= d <= M, `.splitsComplexPair`,
    ///   `.eigenFailure`.
    public init(cycle: Cycle, form: ShallowForm, dimension d: Int, unstableFirst: Bool = false) throws(ReductionError) {
        let k = cycle.order, m = form.dimension
        guard d >= 1 && d <= m else { throw .dimension(d, stateDimension: m) }
        let jac = cycle.regions.map { form.jacobian($0) }
        var p0 = Matrix.identity(m)
        for j in 0..<k { p0 = jac[j] * p0 }
        guard let (values, vectors) = try? eigenDecomposition(p0) else { throw .eigenFailure }
        let order = values.indices.sorted { i, j in
            if unstableFirst, (values[i].length > 1) != (values[j].length > 1) { return values[i].length > 1 }
            let (a, b) = (abs(Double.log(values[i].length)), abs(Double.log(values[j].length)))
            if a != b { return a < b }
            if values[i].length != values[j].length { return values[i].length > values[j].length }
            return i < j
        }
        let sorted = order.map { values[$0] }
        // A complex eigenvalue among the d slowest needs its conjugate there too.
        let slow = Array(order.prefix(d))
        for i in slow where values[i].imaginary != 0 {
            guard slow.contains(where: { values[$0] == values[i].conjugate }) else { throw .splitsComplexPair(d) }
        }
        // The real span of the d slow eigenvectors (a pair: real and imaginary parts, once).
        var raw: [[Double]] = []
        for i in slow where values[i].imaginary >= 0 {
            raw.append(vectors[i].map(\.real))
            if values[i].imaginary > 0 { raw.append(vectors[i].map(\.imaginary)) }
        }
        var q0 = Vec.orthonormalize(raw)
        guard q0.count == d else { throw .eigenFailure }
        // A deterministic orientation: each basis vector's largest component positive.
        q0 = q0.map(Self.oriented)
        var bases = [q0]
        var current = q0
        for i in 0..<(k - 1) {
            current = Vec.orthonormalize(current.map { jac[i] * $0 }).map(Self.oriented)
            bases.append(current)
        }
        func chartMatrix(_ map: Matrix, from: [[Double]], to: [[Double]]) -> [Double] {
            var s = [Double](repeating: 0, count: d * d)
            for col in 0..<d {
                let image = map * from[col]
                for row in 0..<d { s[row * d + col] = Vec.dot(to[row], image) }
            }
            return s
        }
        let reduced = chartMatrix(p0, from: q0, to: q0)
        var residual = 0.0
        for col in 0..<d {
            let image = p0 * q0[col]
            for r in 0..<m {
                var projected = 0.0
                for row in 0..<d { projected += q0[row][r] * reduced[row * d + col] }
                residual = max(residual, abs(image[r] - projected))
            }
        }
        self.cycle = cycle
        self.dimension = d
        self.eigenvalues = sorted
        self.bases = bases
        self.reducedMatrix = reduced
        self.stepMatrices = (0..<k).map { chartMatrix(jac[$0], from: bases[$0], to: bases[($0 + 1) % k]) }
        self.invarianceResidual = residual
    }

    static func oriented(_ v: [Double]) -> [Double] {
        guard let i = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) || (abs(v[$0]) == abs(v[$1]) && $0 > $1) }) else { return v }
        return v[i] < 0 ? Vec.scale(v, -1) : v
    }

    /// The state at chart coordinates c on the flat at cycle point i: p_i + Q_i^T c.
    public func state(chart c: [Double], at i: Int = 0) -> [Double] {
        var x = cycle.points[i]
        for (row, ci) in zip(bases[i], c) { x = Vec.axpy(x, ci, row) }
        return x
    }

    /// The chart coordinates of x (its projection onto the flat at cycle point i): Q_i (x - p_i).
    public func chart(of x: [Double], at i: Int = 0) -> [Double] {
        let offset = Vec.sub(x, cycle.points[i])
        return bases[i].map { Vec.dot($0, offset) }
    }

    /// The reduced return map on the local piece: c -> S c (F^k restricted to p_0 + E_0, in the chart).
    public func reducedMap(_ c: [Double]) -> [Double] {
        let d = dimension
        return (0..<d).map { r in (0..<d).reduce(0.0) { $0 + reducedMatrix[r * d + $1] * c[$1] } }
    }

    /// The local piece in the chart at p_0 as half-spaces a . c <= bound: for every cycle point i,
    /// S_{i-1} ... S_0 c must lie in region d_i (and in `box`, if given). On that polytope F^k is
    /// exactly c -> S c. (It contains c = 0; it is forward invariant when it is a ball for a norm
    /// that S contracts, e.g. for d = 1 when lambda > 0.)
    public func chartConstraints(form: ShallowForm, box: Box? = nil) -> [(normal: [Double], bound: Double)] {
        let d = dimension
        var out: [(normal: [Double], bound: Double)] = []
        // T_i (d x d): chart at p_0 -> chart at p_i.
        var t = [Double](repeating: 0, count: d * d)
        for i in 0..<d { t[i * d + i] = 1 }
        for i in 0..<cycle.order {
            let p = cycle.points[i], q = bases[i]
            // x = p + Q^T T c: g . x <= bound  <=>  (T^T Q g) . c <= bound - g . p
            for (g, bound) in form.halfSpaces(of: cycle.regions[i], box: box) {
                let qg = q.map { Vec.dot($0, g) }
                let a = (0..<d).map { c in (0..<d).reduce(0.0) { $0 + t[$1 * d + c] * qg[$1] } }
                out.append((a, bound - Vec.dot(g, p)))
            }
            // T_{i+1} = S_i T_i.
            let s = stepMatrices[i]
            t = (0..<(d * d)).map { rc in (0..<d).reduce(0.0) { $0 + s[(rc / d) * d + $1] * t[$1 * d + rc % d] } }
        }
        return out
    }
}

extension ShallowForm {
    /// Region d (and the box, if given) as half-spaces g . x <= bound: -N_u . x <= b_u for an
    /// active unit, N_u . x <= -b_u for an inactive one, then the box's faces.
    public func halfSpaces(of d: RegionCode, box: Box? = nil) -> [(normal: [Double], bound: Double)] {
        let m = dimension
        var out: [(normal: [Double], bound: Double)] = []
        for u in 0..<hiddenCount {
            let n = Array(N[(u * m)..<((u + 1) * m)])
            out.append(d[u] ? (n.map { -$0 }, b[u]) : (n, -b[u]))
        }
        if let box {
            for j in 0..<m {
                var e = [Double](repeating: 0, count: m)
                e[j] = 1
                out.append((e, box.upper[j]))
                e[j] = -1
                out.append((e, -box.lower[j]))
            }
        }
        return out
    }
}
