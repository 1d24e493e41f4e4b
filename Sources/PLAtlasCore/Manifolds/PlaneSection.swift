import LinearAlgebra

extension Manifold {
    /// Where the manifold meets the plane of an FTLE field (`plane`: the points `centre + u e_i +
    /// v e_j`), as segments in plane coordinates [(u0, v0), (u1, v1)]: for M = 2 every piece of
    /// the manifold; for M > 2 and a codimension-1 manifold (sheets), each sheet's flat meets the
    /// plane in a line, and `chain` (the builder's `SheetChain`) gives the exact chord of that
    /// line inside the sheet. Other manifolds (a curve in M > 2 dimensions, which misses a
    /// plane) give no segments. Used to draw a stable manifold over an FTLE field.
    public func section(by plane: FTLEPlane, chain: SheetChain) -> [[[Double]]] {
        let m = bounds.dimension, (i, j) = (plane.axes[0], plane.axes[1])
        if m == 2 {
            return sheets.compactMap { s in
                guard s.supportPoints.count >= 2 else { return nil }
                if method == .polyline { return [[s.supportPoints[0][i], s.supportPoints[0][j]], [s.supportPoints[1][i], s.supportPoints[1][j]]] }
                return nil
            }
        }
        guard dimension == m - 1 else { return [] }
        var out: [[[Double]]] = []
        for sheet in sheets {
            let n = sheet.normal ?? Self.normal(of: sheet.basis, dimension: m)
            let (ni, nj) = (n[i], n[j])
            let q = ni * ni + nj * nj
            guard q > 1e-12 else { continue }
            // n . (x(u, v) - origin) = 0  <=>  ni u + nj v = n . origin - sum_{k != i, j} n_k c_k.
            var r = Vec.dot(n, sheet.origin)
            for k in 0..<m where k != i && k != j { r -= n[k] * plane.centre[k] }
            let (u0, v0) = (r * ni / q, r * nj / q)
            var x0 = plane.centre
            x0[i] = u0
            x0[j] = v0
            var w = [Double](repeating: 0, count: m)
            w[i] = -nj
            w[j] = ni
            guard let (a, b) = chain.chord(x0, along: w, sheet: sheet), a.isFinite, b.isFinite, b > a else { continue }
            out.append([[u0 - a * nj, v0 + a * ni], [u0 - b * nj, v0 + b * ni]])
        }
        return out
    }

    /// A unit normal of the span of `basis` (M - 1 orthonormal vectors): the standard basis
    /// vector with the largest residual, made orthogonal to the basis.
    static func normal(of basis: [[Double]], dimension m: Int) -> [Double] {
        var best: [Double] = [], bestNorm = -1.0
        for k in 0..<m {
            var e = [Double](repeating: 0, count: m)
            e[k] = 1
            for q in basis { e = Vec.axpy(e, -Vec.dot(e, q), q) }
            let norm = Vec.norm(e)
            if norm > bestNorm { (best, bestNorm) = (e, norm) }
        }
        return Vec.scale(best, 1 / bestNorm)
    }
}
