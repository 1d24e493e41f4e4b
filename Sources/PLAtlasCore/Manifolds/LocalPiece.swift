import LinearAlgebra
import RealModule

/// The exact local pieces of a saddle's stable or unstable manifold: at each cycle point p_i the
/// largest part of the flat p_i + E_i whose orbit stays in the cycle's regions and the box.
///
/// Inside the saddle's regions the map is affine, so on the flats it acts as d x d matrices
/// S_i in orthonormal charts (E_i = span of Q_i, c = Q_i^T (x - p_i)):
///
///     stable:    c -> S_i c,  S_i = Q_{i+1}^T J_i Q_i         (forward, towards the saddle)
///     unstable:  c -> S_i c,  S_i = Q_{i-1}^T J_{i-1}^-1 Q_i  (backward, towards the saddle)
///
/// Both contract: the local piece at p_i is K_i = {x on the flat : the orbit under these steps
/// stays in the regions d_j of the cycle points it visits and in the box}. It is not a disc of
/// fixed radius: for a weakly contracting focus it is the whole spiral-shaped set of the region
/// slice whose orbit never leaves (issue of the weak focus: |lambda| = 1.0012 needs thousands
/// of steps, here taken in the d-dimensional chart).
///
/// **Certificate.** With R the return map at p_0 (k steps) and P the solution of
/// R^T P R - P = -I (so V(c) = c^T P c decreases along orbits), the ellipsoid
/// E = {c : V(c) <= rho^2} at p_0 is invariant, and rho is the largest value for which E and its
/// images at the other cycle points lie in their regions and the box. An orbit that reaches E at
/// p_0 stays in the pieces for ever: membership and chords are decided after finitely many steps.
public struct LocalPiece: Sendable {
    public let kind: ManifoldKind
    public let points: [[Double]]
    public let regions: [RegionCode]
    /// Q_i as d rows of length M.
    public let bases: [[[Double]]]
    public var dimension: Int { bases.first?.count ?? 0 }
    /// S_i, d x d row-major.
    let steps: [[Double]]
    /// Constraint rows in the chart at each cycle point: a . c <= slack (region and box).
    let rows: [[(a: [Double], slack: Double)]]
    /// The same rows flat (row-major, rows x d) and their slacks, for the chord loop.
    let rowMatrices: [[Double]]
    let rowSlacks: [[Double]]
    /// The Lyapunov matrix P (d x d, row-major) and rho^2.
    public let lyapunov: [Double]
    public let radiusSquared: Double
    /// Steps after which an orbit that has not reached E is taken as leaving (a bound from the
    /// decrease of V; never reached by orbits of the piece).
    let maxSteps: Int
    let tolerance: Double

    /// - Parameters: `local`: the saddle's local subspaces; `box`: the manifold's box.
    public init(local: LocalManifold, form: ShallowForm, box: Box) {
        kind = local.kind
        points = local.points
        regions = local.regions
        bases = local.bases
        let k = points.count, d = local.dimension, m = form.dimension, h = form.hiddenCount
        tolerance = 1e-9 * (1 + zip(box.lower, box.upper).map { max(abs($0), abs($1)) }.reduce(0, max))
        let jac = regions.map { form.jacobian($0) }
        // S_i.
        var steps: [[Double]] = []
        for i in 0..<k {
            var s = [Double](repeating: 0, count: d * d)
            for col in 0..<d {
                let image: [Double]
                if local.kind == .stable {
                    image = jac[i] * local.bases[i][col]
                } else {
                    image = (try? solve(jac[(i + k - 1) % k], local.bases[i][col])) ?? [Double](repeating: 0, count: m)
                }
                let target = local.kind == .stable ? local.bases[(i + 1) % k] : local.bases[(i + k - 1) % k]
                for row in 0..<d { s[row * d + col] = Vec.dot(target[row], image) }
            }
            steps.append(s)
        }
        self.steps = steps
        // Constraint rows in the chart: region d_i (sign of N x + b) and the box.
        var rows: [[(a: [Double], slack: Double)]] = []
        for i in 0..<k {
            var list: [(a: [Double], slack: Double)] = []
            let p = points[i], q = local.bases[i]
            func add(_ g: [Double], _ bound: Double) {
                // g . x <= bound with x = p + Q^T c.
                let a = q.map { Vec.dot($0, g) }
                list.append((a, bound - Vec.dot(g, p)))
            }
            for u in 0..<h {
                let n = Array(form.N[(u * m)..<((u + 1) * m)])
                if regions[i][u] { add(Vec.scale(n, -1), form.b[u]) } else { add(n, -form.b[u]) }
            }
            for j in 0..<m {
                var e = [Double](repeating: 0, count: m)
                e[j] = 1
                add(e, box.upper[j])
                e[j] = -1
                add(e, -box.lower[j])
            }
            rows.append(list)
        }
        self.rows = rows
        rowMatrices = rows.map { list in list.flatMap(\.a) }
        rowSlacks = rows.map { list in list.map(\.slack) }
        // The return map at p_0 and its Lyapunov matrix (Smith's doubling).
        var r = Self.identity(d)
        var index = 0
        for _ in 0..<k {
            r = Self.multiply(steps[index], r, d)
            index = local.kind == .stable ? (index + 1) % k : (index + k - 1) % k
        }
        var p = Self.identity(d), a = r
        for _ in 0..<64 {
            let next = Self.add(p, Self.multiply(Self.transpose(a, d), Self.multiply(p, a, d), d))
            p = next
            a = Self.multiply(a, a, d)
            if a.map(abs).reduce(0, max) < 1e-18 { break }
        }
        lyapunov = p
        // rho: the largest ellipsoid whose images at every cycle point lie in the constraints.
        let pInverse = (try? inverse(Matrix(rows: d, columns: d, elements: p)))?.elements
        var rho2 = Double.infinity
        if let pInverse, p.allSatisfy(\.isFinite) {
            var t = Self.identity(d)
            index = 0
            for _ in 0..<k {
                for row in rows[index] {
                    // max over E of a . T c = rho sqrt(w^T P^-1 w), w = T^T a.
                    let w = Self.multiplyVector(Self.transpose(t, d), row.a, d)
                    let spread = Vec.dot(w, Self.multiplyVector(pInverse, w, d))
                    if spread > 0 { rho2 = min(rho2, row.slack * row.slack / spread) }
                    if row.slack <= 0 { rho2 = 0 }
                }
                t = Self.multiply(steps[index], t, d)
                index = local.kind == .stable ? (index + 1) % k : (index + k - 1) % k
            }
        } else {
            rho2 = 0
        }
        radiusSquared = rho2.isFinite ? rho2 : 0
        // V decreases by |c|^2 >= V / lambda_max(P) per return: V_{n+1} <= (1 - 1/lambda_max) V_n.
        let lambdaMax = max(1, (0..<d).map { p[$0 * d + $0] }.reduce(0, +))
        let vMax = lambdaMax * box.diagonal * box.diagonal
        let returns = radiusSquared > 0 ? Double.log(max(vMax / radiusSquared, 2)) / -Double.log(onePlus: -1 / lambdaMax) : 0
        maxSteps = radiusSquared > 0 ? min(5_000_000, k * Int(returns.rounded(.up)) + 2 * k) : 0
    }

    // MARK: Small dense helpers (d x d, row-major)

    static func identity(_ d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<d { out[i * d + i] = 1 }
        return out
    }

    static func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for k in 0..<d where a[i * d + k] != 0 {
                let x = a[i * d + k]
                for j in 0..<d { out[i * d + j] += x * b[k * d + j] }
            }
        }
        return out
    }

    static func multiplyVector(_ a: [Double], _ v: [Double], _ d: Int) -> [Double] {
        (0..<d).map { i in (0..<d).reduce(0.0) { $0 + a[i * d + $1] * v[$1] } }
    }

    static func transpose(_ a: [Double], _ d: Int) -> [Double] {
        var out = a
        for i in 0..<d { for j in 0..<d { out[j * d + i] = a[i * d + j] } }
        return out
    }

    static func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map(+) }

    // MARK: Charts

    /// c = Q_i^T (x - p_i), and the distance of x from the flat.
    public func chart(_ x: [Double], at i: Int) -> (c: [Double], offFlat: Double) {
        let r = Vec.sub(x, points[i])
        let c = bases[i].map { Vec.dot($0, r) }
        var rest = r
        for (q, ci) in zip(bases[i], c) { rest = Vec.axpy(rest, -ci, q) }
        return (c, Vec.norm(rest))
    }

    public func point(_ c: [Double], at i: Int) -> [Double] {
        var x = points[i]
        for (q, ci) in zip(bases[i], c) { x = Vec.axpy(x, ci, q) }
        return x
    }

    func next(_ i: Int) -> Int { kind == .stable ? (i + 1) % points.count : (i + points.count - 1) % points.count }

    func insideEllipsoid(_ c: [Double]) -> Bool {
        let d = c.count
        var v = 0.0
        for i in 0..<d { for j in 0..<d { v += c[i] * lyapunov[i * d + j] * c[j] } }
        return v <= radiusSquared
    }

    // MARK: Membership and chords

    /// Whether x (on the flat at cycle point i, within `flatTolerance`) lies on the local piece.
    public func contains(_ x: [Double], at i: Int, flatTolerance: Double? = nil) -> Bool {
        let (c0, off) = chart(x, at: i)
        guard off <= (flatTolerance ?? 1e3 * tolerance) else { return false }
        return containsChart(c0, at: i)
    }

    func containsChart(_ c0: [Double], at start: Int) -> Bool {
        var c = c0, i = start
        for _ in 0...maxSteps {
            for row in rows[i] where Vec.dot(row.a, c) > row.slack + tolerance { return false }
            if i == 0 && insideEllipsoid(c) { return true }
            c = Self.multiplyVector(steps[i], c, c.count)
            i = next(i)
        }
        return false
    }

    /// The chord {t : c + t w in the piece at cycle point i}, as [lower, upper] (c inside it);
    /// nil when the line misses the piece.
    func chordChart(_ c0: [Double], _ w0: [Double], at start: Int) -> (Double, Double)? {
        var lower = -Double.infinity, upper = Double.infinity
        let d = c0.count
        guard d > 0 else { return nil }
        var c = c0, w = w0, nc = c0, nw = w0
        var i = start
        let tolerance = self.tolerance
        return c.withUnsafeMutableBufferPointer { cp in
            w.withUnsafeMutableBufferPointer { wp in
                nc.withUnsafeMutableBufferPointer { ncp in
                    nw.withUnsafeMutableBufferPointer { nwp in
                        var cb = cp.baseAddress!, wb = wp.baseAddress!, ncb = ncp.baseAddress!, nwb = nwp.baseAddress!
                        for _ in 0...maxSteps {
                            let ok: Bool = rowMatrices[i].withUnsafeBufferPointer { a in
                                rowSlacks[i].withUnsafeBufferPointer { slack in
                                    for r in 0..<slack.count {
                                        var slope = 0.0, dot = 0.0
                                        let row = a.baseAddress! + r * d
                                        for j in 0..<d { slope += row[j] * wb[j]; dot += row[j] * cb[j] }
                                        let rest = slack[r] + tolerance - dot
                                        if slope > 0 { upper = min(upper, rest / slope) } else if slope < 0 { lower = max(lower, rest / slope) } else if rest < 0 { return false }
                                    }
                                    return lower <= upper
                                }
                            }
                            if !ok { return nil }
                            if i == 0 && quadratic(cb, wb, lower, d) <= radiusSquared && quadratic(cb, wb, upper, d) <= radiusSquared { return (lower, upper) }
                            steps[i].withUnsafeBufferPointer { s in
                                for r in 0..<d {
                                    var x = 0.0, y = 0.0
                                    for j in 0..<d { x += s[r * d + j] * cb[j]; y += s[r * d + j] * wb[j] }
                                    ncb[r] = x
                                    nwb[r] = y
                                }
                            }
                            swap(&cb, &ncb)
                            swap(&wb, &nwb)
                            i = next(i)
                        }
                        return nil
                    }
                }
            }
        }
    }

    /// V(c + t w) = (c + t w)^T P (c + t w).
    @inline(__always)
    func quadratic(_ c: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ t: Double, _ d: Int) -> Double {
        lyapunov.withUnsafeBufferPointer { p in
            var v = 0.0
            for a in 0..<d {
                let xa = c[a] + t * w[a]
                var row = 0.0
                for b in 0..<d { row += p[a * d + b] * (c[b] + t * w[b]) }
                v += xa * row
            }
            return v
        }
    }

    /// The chord through x along v (both in state coordinates, v in the flat).
    public func chord(_ x: [Double], along v: [Double], at i: Int) -> (Double, Double)? {
        let c = chart(x, at: i).c
        let w = bases[i].map { Vec.dot($0, v) }
        return chordChart(c, w, at: i)
    }

    /// Points of the local piece at cycle point i, by hit-and-run from p_i (uniform in the limit;
    /// `mixing` chords between kept points).
    public func sample(_ count: Int, at i: Int, rng: inout SeededGenerator, mixing: Int = 3) -> [[Double]] {
        let d = dimension
        var c = [Double](repeating: 0, count: d)
        var out: [[Double]] = []
        guard radiusSquared > 0 else { return [] }
        // Burn in from the cycle point.
        for step in 0..<(count * mixing + 10 * d) {
            var w = (0..<d).map { _ in rng.normal() }
            w = Vec.scale(w, 1 / max(Vec.norm(w), 1e-300))
            if let (lo, hi) = chordChart(c, w, at: i), lo.isFinite, hi.isFinite, hi >= lo {
                c = Vec.axpy(c, lo + rng.uniform() * (hi - lo), w)
            }
            if step >= 10 * d && (step - 10 * d) % mixing == mixing - 1 { out.append(point(c, at: i)) }
        }
        return out
    }

    /// Chart coordinates of a point along a random direction from the cycle point, at a
    /// log-uniform fraction (1e-`decades` to 1) of the chord's reach on a random side.
    func radialStart(at i: Int, rng: inout SeededGenerator, decades: Double) -> [Double]? {
        var w = (0..<dimension).map { _ in rng.normal() }
        w = Vec.scale(w, 1 / max(Vec.norm(w), 1e-300))
        guard let (lo, hi) = chordChart([Double](repeating: 0, count: dimension), w, at: i), lo.isFinite, hi.isFinite else { return nil }
        let reach = rng.uniform() < 0.5 ? hi : lo
        return Vec.scale(w, reach * Double.pow(10, -decades * rng.uniform()))
    }

    /// Points of the local piece at cycle point i spread over every scale around the cycle
    /// point: along a random direction, at a log-uniform fraction (1e-`decades` to 1) of the
    /// chord's reach on a random side. Orbits that approach the saddle from any distance pass
    /// through such points, so their preimages find the branches near the saddle too.
    public func sampleAroundCentre(_ count: Int, at i: Int, rng: inout SeededGenerator, decades: Double = 6) -> [[Double]] {
        var out: [[Double]] = []
        guard radiusSquared > 0 else { return [] }
        var attempts = 0
        while out.count < count && attempts < 4 * count {
            attempts += 1
            guard let c = radialStart(at: i, rng: &rng, decades: decades) else { continue }
            out.append(point(c, at: i))
        }
        return out
    }

    /// Points of the local piece at cycle point i on backward orbits (away from the saddle) of
    /// points near it: from a point at a log-uniform fraction (1e-`decades` to 1) of the chord's
    /// reach, the inverse of the contracting steps is applied while the point stays in the
    /// regions and the box (then its forward orbit, through the earlier points, stays too), and
    /// one point of the orbit is kept. Orbits coming from the saddle's neighbourhood align with
    /// the slowest directions: so do these points, where the manifold leaves the piece.
    public func sampleAlongOrbits(_ count: Int, at i: Int, rng: inout SeededGenerator, decades: Double = 6) -> [[Double]] {
        let d = dimension, k = points.count
        guard radiusSquared > 0, d > 0 else { return [] }
        let inverses: [[Double]?] = steps.map { s in (try? inverse(Matrix(rows: d, columns: d, elements: s)))?.elements }
        var out: [[Double]] = []
        var attempts = 0
        while out.count < count && attempts < 4 * count {
            attempts += 1
            guard var c = radialStart(at: i, rng: &rng, decades: decades) else { continue }
            var index = i
            var orbit: [([Double], Int)] = [(c, index)]
            for _ in 0..<100_000 {
                // The step that led here: from the previous cycle point (stable: i - 1 -> i).
                let previous = kind == .stable ? (index + k - 1) % k : (index + 1) % k
                guard let inv = inverses[previous] else { break }
                let back = Self.multiplyVector(inv, c, d)
                if rows[previous].contains(where: { Vec.dot($0.a, back) > $0.slack + tolerance }) { break }
                c = back
                index = previous
                orbit.append((c, index))
            }
            let (chosen, at) = orbit[Int(rng.next() % UInt64(orbit.count))]
            // Kept only at cycle point i (the sheet's own point); others start again.
            if at == i { out.append(point(chosen, at: i)) }
        }
        return out
    }

    /// The exact local segment of a 1-dimensional piece along the unit direction w at point i:
    /// the parameters [t-, t+] of p_i + t w.
    public func segment(along w: [Double], at i: Int) -> (Double, Double)? {
        chord(points[i], along: w, at: i)
    }
}
