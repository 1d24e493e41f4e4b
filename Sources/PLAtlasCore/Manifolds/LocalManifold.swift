import ComplexModule
import LinearAlgebra
import RealModule

/// Stable (forward iteration converges to the saddle) or unstable (backward iteration does).
public enum ManifoldKind: String, Sendable, CaseIterable, Codable {
    case stable
    case unstable
}

/// The local (linear) manifold of a saddle fixed point or saddle k-cycle at each of its points:
/// p_i + span of the eigenvectors of P_i = J_{d_{i-1}} ... J_{d_i} (the Jacobian product of the
/// cycle started at point i) with |lambda| > 1 (unstable) or < 1 (stable). A complex pair
/// contributes the real plane of its eigenvector's real and imaginary parts.
public struct LocalManifold: Sendable {
    public var kind: ManifoldKind
    /// The cycle points p_i.
    public var points: [[Double]]
    public var regions: [RegionCode]
    /// An orthonormal basis of the local manifold at each point (d vectors of length M).
    public var bases: [[[Double]]]
    /// d, the manifold's dimension.
    public var dimension: Int { bases.first?.count ?? 0 }
    /// For a 1-dimensional manifold: the eigenvalue of P along it (real), and the eigenvector at
    /// each point, transported along the cycle (w_{i+1} = J_{d_i} w_i), unit length at point 0.
    public var eigenvalue1D: Double?
    public var directions1D: [[Double]]?
    /// For codimension 1 stable manifolds: a normal of the local sheet at each point (the left
    /// eigenvector of the unstable eigenvalue), transported along the cycle and oriented so that
    /// it points along the unstable eigenvector at point 0 (side "+").
    public var normals: [[Double]]?
    /// The unstable eigenvector at point 0 when the unstable dimension is 1 (it picks side "+").
    public var unstableDirection: [Double]?
    /// The real unstable eigenvalue of P when the unstable dimension is 1.
    public var unstableEigenvalue: Double?

    /// - Throws: `ManifoldError.notASaddle` unless the cycle has eigenvalues both inside and
    ///   outside the unit circle.
    public init(cycle: Cycle, form: ShallowForm, kind: ManifoldKind) throws(ManifoldError) {
        let k = cycle.order, m = form.dimension
        let jac = cycle.regions.map { form.jacobian($0) }
        // P_i = J_{i-1} ... J_{i+1} J_i (k factors starting at point i).
        func product(from i: Int) -> Matrix {
            var p = Matrix.identity(m)
            for j in 0..<k { p = jac[(i + j) % k] * p }
            return p
        }
        let p0 = product(from: 0)
        guard let (values, vectors) = try? eigenDecomposition(p0) else { throw .eigenFailure }
        let unstableCount = values.filter { $0.length > 1 }.count
        let stableCount = values.filter { $0.length < 1 }.count
        guard unstableCount > 0, stableCount > 0, cycle.stability == .saddle || cycle.stability == .marginal else {
            throw .notASaddle(stability: cycle.stability.rawValue)
        }
        self.kind = kind
        self.points = cycle.points
        self.regions = cycle.regions
        func span(_ select: (Complex<Double>) -> Bool, vectors vs: [[Complex<Double>]], values ls: [Complex<Double>]) -> [[Double]] {
            var raw: [[Double]] = []
            var j = 0
            while j < ls.count {
                if select(ls[j]) {
                    raw.append(vs[j].map(\.real))
                    if ls[j].imaginary != 0 {
                        raw.append(vs[j].map(\.imaginary))
                        if j + 1 < ls.count && ls[j + 1].imaginary == -ls[j].imaginary { j += 1 }
                    }
                }
                j += 1
            }
            return Vec.orthonormalize(raw)
        }
        let select: (Complex<Double>) -> Bool = kind == .unstable ? { $0.length > 1 } : { $0.length < 1 }
        let base0 = span(select, vectors: vectors, values: values)
        // Transport the basis along the cycle: J_i maps the local manifold at p_i onto the one at p_{i+1}.
        var bases = [base0]
        var current = base0
        for i in 0..<(k - 1) {
            current = Vec.orthonormalize(current.map { jac[i] * $0 })
            bases.append(current)
        }
        self.bases = bases
        if base0.count == 1 {
            let index = values.firstIndex(where: select)!
            eigenvalue1D = values[index].real
            var w = vectors[index].map(\.real)
            var dirs = [w]
            for i in 0..<(k - 1) {
                w = jac[i] * w
                dirs.append(w)
            }
            directions1D = dirs
        }
        if unstableCount == 1 {
            let ui = values.firstIndex { $0.length > 1 }!
            let vu = vectors[ui].map(\.real)
            unstableDirection = vu
            unstableEigenvalue = values[ui].real
            if kind == .stable {
                // Left eigenvector of P_0 for the unstable eigenvalue: eigenvector of P_0^T.
                if let (lv, lvec) = try? eigenDecomposition(p0.transposed),
                   let li = lv.indices.min(by: { (lv[$0] - values[ui]).length < (lv[$1] - values[ui]).length }) {
                    var n = Vec.normalized(lvec[li].map(\.real))
                    if Vec.dot(n, vu) < 0 { n = Vec.scale(n, -1) }
                                        var normals = [[Double]](repeating: n, count: k)
                    var current = n
                    // The sheet at p_{i+1} is the image of the one at p_i, so n_{i+1} ∝ J_i^{-T} n_i
                    // (a positive multiple: the "+" side maps to the "+" side).
                    for i in 0..<(k - 1) {
                        if let next = try? solve(jac[i].transposed, current) {
                            current = Vec.normalized(next)
                            normals[i + 1] = current
                        }
                    }
                    self.normals = normals
                }
            }
        }
    }
}

/// Problems that stop a manifold computation before it starts.
public enum ManifoldError: Error, Sendable, Equatable, CustomStringConvertible {
    case notASaddle(stability: String)
    case eigenFailure
    case saddleOutsideBounds
    case notCodimensionOne(dimension: Int, stateDimension: Int)
    case intersectionDimensions(Int, Int, Int)
    /// A size beyond `Limits.current` (the message names it and the limit).
    case tooLarge(String)

    public var description: String {
        switch self {
        case .notASaddle(let s):
            "the object is \(s), not a saddle: it has no stable and unstable directions to follow"
        case .eigenFailure: "the eigen-decomposition of the cycle's Jacobian product failed"
        case .saddleOutsideBounds: "the bounds exclude the saddle"
        case .notCodimensionOne(let d, let m):
            "the stable manifold has dimension \(d) in a \(m)-dimensional state space; basins need a codimension-1 boundary (dimension \(m - 1))"
        case .intersectionDimensions(let u, let s, let m):
            "the unstable manifold has dimension \(u) and the stable one \(s) in a \(m)-dimensional state space; transversal intersection points need \(u) + \(s) = \(m)"
        case .tooLarge(let message): message
        }
    }
}
