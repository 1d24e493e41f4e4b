import LinearAlgebra

/// Every preimage of a point under a piecewise-affine map, inside a box: all x in the box with
/// F(x) = y, one per region d whose affine inverse x = J_d^-1 (y - c_d) lies in d (science.md
/// section 3). Exact, not a bounded search: a branch and bound over the hidden units that only
/// discards a set of regions when no point of the box can be a preimage in any of them.
///
/// **The reduction.** Pick a base region d0 whose Jacobian A0 = J_d0 is well conditioned (the
/// all-off region, A, when it is) and write F(x) = A0 x + c0 + W1 phi with
/// phi_k = relu(s_k u_k), u = N x + b, s_k = +1 for units off in d0 and -1 for units on. Then
/// x = x0 - G phi with x0 = A0^-1 (y - c0), G = A0^-1 W1, and the signed pre-activations are
/// v = q - K phi, q = S (N x0 + b), K = S N G (H x H). A unit is *active* when phi_k = v_k >= 0
/// and *inactive* when phi_k = 0 >= v_k; a full assignment of active/inactive is a region, and
/// the preimage in it solves a linear system.
///
/// **Pruning.** A node is a partial assignment with intervals for every phi_k (and for the
/// segment parameter tau, below). Interval constraint propagation tightens them with the rows
/// phi_k (1 + K_kk) + sum_{j != k} K_kj phi_j = q_k (active), sum_j K_kj phi_j >= q_k
/// (inactive), phi_k = relu(v_k) (undecided: decided when the interval of v_k has one sign) and
/// lo <= x0 - G phi <= hi (the box). Every rule is a consequence of F(x) = y, x in the box and
/// the assignment, so a node is dropped only when no preimage can lie in its regions: the
/// enumeration is complete. Leaves are checked exactly (J_d x = y - c_d with the region's LU
/// factors, then the region and box test with `tolerance`).
///
/// **Singular regions.** A leaf whose J_d is singular to working precision has a preimage set
/// that is a flat (a fold of the map), not a point: it is reported in `folds`, never divided by.
///
/// **Segments.** `candidateRegions(from:to:)` runs the same search for y = a + tau (b - a),
/// tau in [0, 1], and returns every region whose affine inverse of the segment can meet the
/// region inside the box (a superset; `segmentPreimages` clips each exactly).
///
/// Holds caches: one instance per thread of work.
public final class PreimageSolver {
    public let form: ShallowForm
    public let box: Box
    /// Relative tolerance of the region and box tests (times 1 + the box's largest coordinate).
    public let tolerance: Double
    let m: Int, h: Int
    let base: LUFactorization
    let baseOffset: [Double]
    /// s_k (+1 or -1).
    let sign: [Double]
    /// G = A0^-1 W1 (M x H) and K = S N G (H x H), row-major.
    let g: [Double], k: [Double]
    var cache: [RegionCode: (lu: LUFactorization?, offset: [Double])] = [:]
    /// Nodes visited since creation (a measure of the cost).
    public private(set) var nodes = 0
    public private(set) var leaves = 0

    /// What the search found for one point.
    public struct Result: Sendable {
        /// The preimages, each with its region, in a fixed order (region order).
        public var points: [(point: [Double], region: RegionCode)]
        /// Consistent regions whose Jacobian is singular: the preimage set there is a flat.
        public var folds: [RegionCode]
    }

    public init(form: ShallowForm, box: Box, tolerance: Double = 1e-9) {
        self.form = form
        self.box = box
        let scale = 1 + zip(box.lower, box.upper).map { max(abs($0), abs($1)) }.reduce(0, max)
        self.tolerance = tolerance * scale
        let m = form.dimension, h = form.hiddenCount
        self.m = m
        self.h = h
        // The base region: A itself when it is well conditioned, else the best of a few regions.
        var candidates = [RegionCode(count: h), RegionCode(bits: [Bool](repeating: true, count: h))]
        let centre = zip(box.lower, box.upper).map { 0.5 * ($0 + $1) }
        candidates.append(form.region(of: centre))
        var rng = SeededGenerator(seed: 0x9E, stream: 0xBA5E)
        for _ in 0..<16 { candidates.append(RegionCode(bits: (0..<h).map { _ in rng.next() & 1 == 1 })) }
        var best: (LUFactorization, RegionCode, Double)?
        for d in candidates {
            guard let lu = try? LUFactorization(form.jacobian(d)) else { continue }
            let rc = lu.reciprocalConditionEstimate
            if best == nil || rc > best!.2 { best = (lu, d, rc) }
            if rc > 1e-6 { break }
        }
        let (lu, d0, _) = best ?? (try! LUFactorization(Matrix.identity(form.dimension)), RegionCode(count: h), 0)
        base = lu
        baseOffset = form.offset(d0)
        let sign: [Double] = (0..<h).map { d0[$0] ? -1 : 1 }
        self.sign = sign
        // G = A0^-1 W1, column by column.
        var gm = [Double](repeating: 0, count: m * h)
        for c in 0..<h {
            let col = lu.solve((0..<m).map { form.W1[$0 * h + c] })
            for r in 0..<m { gm[r * h + c] = col[r] }
        }
        g = gm
        var km = [Double](repeating: 0, count: h * h)
        for r in 0..<h {
            for c in 0..<h {
                var s = 0.0
                for j in 0..<m { s += form.N[r * m + j] * gm[j * h + c] }
                km[r * h + c] = sign[r] * s
            }
        }
        k = km
    }

    // MARK: Regions

    func factors(_ d: RegionCode) -> (lu: LUFactorization?, offset: [Double]) {
        if let e = cache[d] { return e }
        let lu = try? LUFactorization(form.jacobian(d))
        let usable = lu.map { $0.reciprocalConditionEstimate > 1e-13 } ?? false
        let entry = (usable ? lu : nil, form.offset(d))
        if cache.count > 200_000 { cache.removeAll(keepingCapacity: true) }
        cache[d] = entry
        return entry
    }

    /// x = J_d^-1 (y - c_d), or nil when J_d is singular.
    public func solve(_ y: [Double], in d: RegionCode) -> [Double]? {
        let f = factors(d)
        guard let lu = f.lu else { return nil }
        return lu.solve(Vec.sub(y, f.offset))
    }

    /// Whether x lies in region d and in the box, within the tolerance.
    public func admits(_ x: [Double], in d: RegionCode) -> Bool {
        for i in 0..<m where !(x[i] >= box.lower[i] - tolerance && x[i] <= box.upper[i] + tolerance) { return false }
        let u = form.preActivation(x)
        for i in 0..<h {
            if d[i] { if u[i] < -tolerance { return false } } else { if u[i] > tolerance { return false } }
        }
        return true
    }

    // MARK: The search

    /// The state of a node: per unit 0 undecided, 1 active, 2 inactive; intervals of phi (H) and tau.
    struct Node {
        var status: [UInt8]
        var lo: [Double]
        var hi: [Double]
    }

    /// Data of one target: y(tau) = y0 + tau e (e = 0 for a point).
    struct Target {
        var x0: [Double]
        var xt: [Double]
        var q: [Double]
        var qt: [Double]
    }

    func target(_ y0: [Double], direction e: [Double]?) -> Target {
        let x0 = base.solve(Vec.sub(y0, baseOffset))
        let xt = e.map { base.solve($0) } ?? [Double](repeating: 0, count: m)
        let u0 = form.preActivation(x0)
        var q = [Double](repeating: 0, count: h), qt = q
        let nxt = e == nil ? qt : Vec.sub(form.preActivation(xt), form.b)
        for i in 0..<h {
            q[i] = sign[i] * u0[i]
            qt[i] = sign[i] * nxt[i]
        }
        return Target(x0: x0, xt: xt, q: q, qt: qt)
    }

    /// Tightens the intervals with sum_j a_j z_j in [lower, upper] (z = phi..., tau); false when empty.
    @inline(__always)
    func tighten(_ coefficients: UnsafePointer<Double>, count n: Int, tauCoefficient at: Double, lower: Double, upper: Double,
                 _ node: inout Node, changed: inout Bool) -> Bool {
        var minSum = 0.0, maxSum = 0.0
        for j in 0..<n {
            let a = coefficients[j]
            if a == 0 { continue }
            if a > 0 { minSum += a * node.lo[j]; maxSum += a * node.hi[j] } else { minSum += a * node.hi[j]; maxSum += a * node.lo[j] }
        }
        if at != 0 {
            if at > 0 { minSum += at * node.lo[n]; maxSum += at * node.hi[n] } else { minSum += at * node.hi[n]; maxSum += at * node.lo[n] }
        }
        let tol = tolerance
        if minSum > upper + tol || maxSum < lower - tol { return false }
        func update(_ j: Int, _ a: Double) -> Bool {
            let lowJ = a > 0 ? a * node.lo[j] : a * node.hi[j]
            let highJ = a > 0 ? a * node.hi[j] : a * node.lo[j]
            let restMin = minSum - lowJ, restMax = maxSum - highJ
            // a z_j in [lower - restMax, upper - restMin]
            var zl: Double, zh: Double
            if a > 0 { zl = (lower - restMax) / a; zh = (upper - restMin) / a } else { zl = (upper - restMin) / a; zh = (lower - restMax) / a }
            let slack = tol / abs(a)
            if zl - slack > node.lo[j] + 1e-12 * (1 + abs(node.lo[j])) {
                node.lo[j] = zl - slack
                changed = true
            }
            if zh + slack < node.hi[j] - 1e-12 * (1 + abs(node.hi[j])) {
                node.hi[j] = zh + slack
                changed = true
            }
            return node.lo[j] <= node.hi[j] + tol
        }
        for j in 0..<n where coefficients[j] != 0 {
            if !update(j, coefficients[j]) { return false }
        }
        if at != 0 && !update(n, at) { return false }
        return true
    }

    /// Interval propagation at a node; false when no preimage can lie in its regions.
    func propagate(_ node: inout Node, _ t: Target, _ rows: UnsafeMutablePointer<Double>) -> Bool {
        for _ in 0..<8 {
            var changed = false
            // Unit rows.
            for u in 0..<h {
                for j in 0..<h { rows[j] = k[u * h + j] }
                switch node.status[u] {
                case 1:
                    // phi_u + sum_j K_uj phi_j - qt_u tau = q_u, phi_u >= 0.
                    rows[u] += 1
                    if node.lo[u] < 0 { node.lo[u] = 0 }
                    if !tighten(rows, count: h, tauCoefficient: -t.qt[u], lower: t.q[u], upper: t.q[u], &node, changed: &changed) { return false }
                case 2:
                    // v_u = q_u + qt_u tau - sum_j K_uj phi_j <= 0.
                    if !tighten(rows, count: h, tauCoefficient: -t.qt[u], lower: t.q[u], upper: .infinity, &node, changed: &changed) { return false }
                default:
                    // v_u over the current intervals decides the unit when it has one sign.
                    var vlo = t.q[u], vhi = t.q[u]
                    let at = t.qt[u]
                    if at > 0 { vlo += at * node.lo[h]; vhi += at * node.hi[h] } else { vlo += at * node.hi[h]; vhi += at * node.lo[h] }
                    for j in 0..<h {
                        let a = -k[u * h + j]
                        if a == 0 { continue }
                        if a > 0 { vlo += a * node.lo[j]; vhi += a * node.hi[j] } else { vlo += a * node.hi[j]; vhi += a * node.lo[j] }
                    }
                    if vlo > tolerance {
                        node.status[u] = 1
                        changed = true
                    } else if vhi < -tolerance {
                        node.status[u] = 2
                        node.lo[u] = 0
                        node.hi[u] = 0
                        changed = true
                    } else {
                        let upper = max(0, vhi) + tolerance
                        if upper < node.hi[u] - 1e-12 * (1 + abs(node.hi[u])) { node.hi[u] = upper; changed = true }
                        if node.lo[u] < 0 { node.lo[u] = 0 }
                    }
                }
                if node.status[u] == 2 { node.lo[u] = 0; node.hi[u] = 0 }
            }
            // Box rows: lower_i <= x0_i + tau xt_i - sum_k G_ik phi_k <= upper_i.
            for i in 0..<m {
                for j in 0..<h { rows[j] = -g[i * h + j] }
                if !tighten(rows, count: h, tauCoefficient: t.xt[i], lower: box.lower[i] - t.x0[i], upper: box.upper[i] - t.x0[i],
                            &node, changed: &changed) { return false }
            }
            if !changed { break }
        }
        return true
    }

    /// The initial node: phi from the box (u = N x + b over the box), tau in [0, 1] or [0, 0].
    func root(segment: Bool) -> Node {
        var lo = [Double](repeating: 0, count: h + 1), hi = lo
        for u in 0..<h {
            var ulo = form.b[u], uhi = form.b[u]
            for j in 0..<m {
                let a = form.N[u * m + j]
                if a > 0 { ulo += a * box.lower[j]; uhi += a * box.upper[j] } else { ulo += a * box.upper[j]; uhi += a * box.lower[j] }
            }
            let (vlo, vhi) = sign[u] > 0 ? (ulo, uhi) : (-uhi, -ulo)
            lo[u] = max(0, vlo)
            hi[u] = max(0, vhi) + tolerance
        }
        hi[h] = segment ? 1 : 0
        return Node(status: [UInt8](repeating: 0, count: h), lo: lo, hi: hi)
    }

    /// The region of a fully decided node.
    func region(_ node: Node) -> RegionCode {
        var d = RegionCode(count: h)
        for u in 0..<h where (node.status[u] == 1) != (sign[u] < 0) { d[u] = true }
        return d
    }

    /// How the search branches.
    public enum Strategy: String, Sendable {
        /// On the hidden units (PLRNN, ALRNN, and shallow networks with H <= 2M).
        case units
        /// On the state space: boxes bisected until each meets few hyperplanes (H > 2M).
        case space
    }

    public var strategy: Strategy {
        form.selectorOffset != nil || form.hiddenCount <= 2 * form.dimension ? .units : .space
    }

    /// Calls `leaf` with every region that the search cannot exclude.
    func search(_ y0: [Double], direction e: [Double]?, leaf: (RegionCode) -> Void) {
        switch strategy {
        case .units: unitSearch(target(y0, direction: e), segment: e != nil, leaf: leaf)
        case .space: spaceSearch(y0, direction: e, leaf: leaf)
        }
    }

    /// Depth-first search over the units; `leaf` is called with every region that survives propagation.
    func unitSearch(_ t: Target, segment: Bool, leaf: (RegionCode) -> Void) {
        var rows = [Double](repeating: 0, count: h)
        rows.withUnsafeMutableBufferPointer { buffer in
            let r = buffer.baseAddress!
            var stack = [root(segment: segment)]
            while var node = stack.popLast() {
                nodes += 1
                guard propagate(&node, t, r) else { continue }
                // Branch on the undecided unit with the widest interval of phi.
                var pick = -1
                var width = -1.0
                for u in 0..<h where node.status[u] == 0 {
                    let w = node.hi[u] - node.lo[u]
                    if w > width { width = w; pick = u }
                }
                if pick < 0 {
                    leaves += 1
                    leaf(region(node))
                    continue
                }
                var inactive = node
                inactive.status[pick] = 2
                inactive.lo[pick] = 0
                inactive.hi[pick] = 0
                node.status[pick] = 1
                stack.append(inactive)
                stack.append(node)
            }
        }
    }

    /// Depth-first search over boxes of the state space. At a box X the units whose hyperplane
    /// misses X are decided; with the affine part J_p x + c_p of the decided active units and
    /// the free units' relu(u) in [0, max u over X], every row of y = F(x) bounds x (and tau),
    /// which shrinks X (interval bound tightening); a box whose enclosure of F misses y is
    /// dropped. A box meeting at most `enumerationLimit` hyperplanes is a set of leaves (each
    /// way of setting its free units); a larger one is bisected along its widest side.
    func spaceSearch(_ y0: [Double], direction e: [Double]?, leaf: (RegionCode) -> Void) {
        let enumerationLimit = 3
        var stack = [Node(status: [], lo: box.lower + [0], hi: box.upper + [e == nil ? 0 : 1])]
        var jp = [Double](repeating: 0, count: m * m), cp = [Double](repeating: 0, count: m)
        var ulo = [Double](repeating: 0, count: h), uhi = ulo
        var state = [UInt8](repeating: 0, count: h)
        let direction = e ?? [Double](repeating: 0, count: m)
        let scale = zip(box.lower, box.upper).map { $1 - $0 }.reduce(0, max)
        while var node = stack.popLast() {
            nodes += 1
            var feasible = true
            var free: [Int] = []
            for _ in 0..<6 {
                var changed = false
                // Units over X.
                free.removeAll(keepingCapacity: true)
                for u in 0..<h {
                    var lo = form.b[u], hi = form.b[u]
                    for j in 0..<m {
                        let a = form.N[u * m + j]
                        if a > 0 { lo += a * node.lo[j]; hi += a * node.hi[j] } else { lo += a * node.hi[j]; hi += a * node.lo[j] }
                    }
                    ulo[u] = lo
                    uhi[u] = hi
                    state[u] = lo > tolerance ? 1 : (hi < -tolerance ? 2 : 0)
                    if state[u] == 0 { free.append(u) }
                }
                // J_p and c_p of the decided active units.
                for i in 0..<(m * m) { jp[i] = form.A[i] }
                for i in 0..<m { cp[i] = form.h1[i] }
                for u in 0..<h where state[u] == 1 {
                    for r in 0..<m {
                        let w = form.W1[r * h + u]
                        if w == 0 { continue }
                        cp[r] += w * form.b[u]
                        for c in 0..<m { jp[r * m + c] += w * form.N[u * m + c] }
                    }
                }
                // Rows: J_p x - e tau = y0 - c_p - sum_free W1 relu(u), relu(u) in [0, max(0, uhi)].
                for i in 0..<m {
                    var fmin = 0.0, fmax = 0.0
                    for u in free {
                        let w = form.W1[i * h + u] * max(0, uhi[u])
                        if w > 0 { fmax += w } else { fmin += w }
                    }
                    let rhs = y0[i] - cp[i]
                    let ok = jp.withUnsafeBufferPointer { p in
                        tighten(p.baseAddress! + i * m, count: m, tauCoefficient: -direction[i], lower: rhs - fmax, upper: rhs - fmin,
                                &node, changed: &changed)
                    }
                    if !ok { feasible = false; break }
                }
                if !feasible || !changed { break }
            }
            guard feasible else { continue }
            if free.count <= enumerationLimit || (0..<m).allSatisfy({ node.hi[$0] - node.lo[$0] <= 1e-9 * scale }) {
                leaves += 1
                var d = RegionCode(count: h)
                for u in 0..<h where state[u] == 1 { d[u] = true }
                for combination in 0..<(1 << free.count) {
                    var c = d
                    for (bit, u) in free.enumerated() where combination & (1 << bit) != 0 { c[u] = true }
                    leaf(c)
                }
                continue
            }
            // Bisect the widest side.
            var widest = 0
            for j in 1..<m where node.hi[j] - node.lo[j] > node.hi[widest] - node.lo[widest] { widest = j }
            let mid = 0.5 * (node.lo[widest] + node.hi[widest])
            var left = node
            left.hi[widest] = mid
            node.lo[widest] = mid
            stack.append(node)
            stack.append(left)
        }
    }

    /// Every preimage of y in the box.
    public func preimages(of y: [Double]) -> Result {
        var points: [(point: [Double], region: RegionCode)] = []
        var folds: [RegionCode] = []
        search(y, direction: nil) { d in
            let f = factors(d)
            guard let lu = f.lu else {
                // A flat of preimages if the singular system is consistent there; report, never divide.
                if consistentSingularSystem(d, y) { folds.append(d) }
                return
            }
            let x = lu.solve(Vec.sub(y, f.offset))
            guard x.allSatisfy(\.isFinite), admits(x, in: d) else { return }
            // A point on a boundary is found from both sides: keep it once.
            let near = tolerance * 10
            if points.contains(where: { Vec.distance($0.point, x) <= near }) { return }
            points.append((x, d))
        }
        points.sort { $0.region < $1.region }
        return Result(points: points, folds: folds.sorted())
    }

    /// Whether the singular system J_d x = y - c_d has solutions (its least-squares residual is
    /// within the tolerance): then the preimages in region d, if any, form a flat.
    func consistentSingularSystem(_ d: RegionCode, _ y: [Double]) -> Bool {
        let j = form.jacobian(d)
        let rhs = Vec.sub(y, form.offset(d))
        guard let x = try? leastSquares(j, Matrix(rows: m, columns: 1, elements: rhs)).elements else { return false }
        return Vec.norm(Vec.sub(j * x, rhs)) <= tolerance * (1 + Vec.norm(rhs))
    }

    /// Every region whose affine inverse of the segment [a, b] can meet it inside the box
    /// (complete; may include regions where it does not).
    public func candidateRegions(from a: [Double], to b: [Double]) -> [RegionCode] {
        var out: [RegionCode] = []
        search(a, direction: Vec.sub(b, a)) { out.append($0) }
        return out.sorted()
    }

    /// The exact preimage of the segment [a, b] in every region, clipped to the region and the
    /// box: pieces (x(t0), x(t1), region, t0, t1) in region order. Regions with a singular
    /// Jacobian are returned in `folds`.
    public func segmentPreimages(from a: [Double], to b: [Double], minimumLength: Double = 0)
        -> (pieces: [(start: [Double], end: [Double], region: RegionCode, t0: Double, t1: Double)], folds: [RegionCode])
    {
        var pieces: [(start: [Double], end: [Double], region: RegionCode, t0: Double, t1: Double)] = []
        var folds: [RegionCode] = []
        let dir = Vec.sub(b, a)
        for d in candidateRegions(from: a, to: b) {
            let f = factors(d)
            guard let lu = f.lu else { folds.append(d); continue }
            let x0 = lu.solve(Vec.sub(a, f.offset)), xd = lu.solve(dir)
            var t0 = 0.0, t1 = 1.0
            let u0 = form.preActivation(x0)
            let ud = Vec.sub(form.preActivation(xd), form.b)
            for i in 0..<h {
                // d_i = 1: u0 + t ud >= 0; d_i = 0: u0 + t ud <= 0.
                let (c, s) = d[i] ? (u0[i], ud[i]) : (-u0[i], -ud[i])
                clip(c, s, &t0, &t1)
            }
            for i in 0..<m {
                clip(x0[i] - box.lower[i], xd[i], &t0, &t1)
                clip(box.upper[i] - x0[i], -xd[i], &t0, &t1)
            }
            guard t1 > t0 else { continue }
            let start = Vec.axpy(x0, t0, xd), end = Vec.axpy(x0, t1, xd)
            guard Vec.distance(start, end) > minimumLength else { continue }
            pieces.append((start, end, d, t0, t1))
        }
        return (pieces, folds)
    }

    /// Restricts [t0, t1] to c + t s >= 0.
    @inline(__always) func clip(_ c: Double, _ s: Double, _ t0: inout Double, _ t1: inout Double) {
        if s == 0 {
            if c < -tolerance { t1 = -1 }
            return
        }
        let t = -c / s
        if s > 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
    }
}
