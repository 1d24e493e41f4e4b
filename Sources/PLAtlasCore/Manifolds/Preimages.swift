import LinearAlgebra

// Over 400 lines on purpose: one algorithm (the branch and bound and its interval bounds), whose
// reduction, pruning and leaf solves share their state and read as one argument.

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
    let g: [Double], k_: [Double]
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
        k_ = km
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

    /// The state of a node, in working memory: per unit 0 undecided, 1 active, 2 inactive;
    /// intervals of phi (H) and tau (units search) or of x (M) and tau (space search).
    struct Node {
        var status: UnsafeMutablePointer<UInt8>
        var lo: UnsafeMutablePointer<Double>
        var hi: UnsafeMutablePointer<Double>
    }

    /// Nodes waiting in the depth-first search, stored flat (no allocation per node).
    struct NodeStack {
        let width: Int, units: Int
        var bounds: [Double] = []
        var statuses: [UInt8] = []

        init(width: Int, units: Int) {
            self.width = width
            self.units = units
        }

        var isEmpty: Bool { bounds.isEmpty }

        mutating func push(_ node: Node) {
            for j in 0..<width { bounds.append(node.lo[j]) }
            for j in 0..<width { bounds.append(node.hi[j]) }
            for u in 0..<units { statuses.append(node.status[u]) }
        }

        /// Moves the top node into `node`'s memory.
        mutating func pop(into node: Node) {
            let base = bounds.count - 2 * width
            for j in 0..<width {
                node.lo[j] = bounds[base + j]
                node.hi[j] = bounds[base + width + j]
            }
            bounds.removeLast(2 * width)
            let sbase = statuses.count - units
            for u in 0..<units { node.status[u] = statuses[sbase + u] }
            statuses.removeLast(units)
        }
    }

    /// Runs `body` with a node of `width` intervals and `units` statuses in scratch memory.
    func withNode<R>(width: Int, units: Int, _ body: (Node) -> R) -> R {
        let lo = UnsafeMutablePointer<Double>.allocate(capacity: width), hi = UnsafeMutablePointer<Double>.allocate(capacity: width)
        let status = UnsafeMutablePointer<UInt8>.allocate(capacity: max(units, 1))
        defer { lo.deallocate(); hi.deallocate(); status.deallocate() }
        lo.initialize(repeating: 0, count: width)
        hi.initialize(repeating: 0, count: width)
        status.initialize(repeating: 0, count: max(units, 1))
        return body(Node(status: status, lo: lo, hi: hi))
    }

    /// One target set: y(tau) = y0 + sum_j tau_j e_j with tau in [tauLower, tauUpper] (k = 0
    /// for a point, 1 for a segment, d for a box in a sheet's chart).
    struct Target {
        var y0: [Double]
        /// e_j as rows (k x M).
        var directions: [[Double]]
        var tauLower: [Double]
        var tauUpper: [Double]
        var k: Int { directions.count }
        /// Units search: x0 = A0^-1 (y0 - c0), X (M x k) = A0^-1 E, q = S (N x0 + b), Q (H x k) = S N X.
        var x0: [Double] = []
        var xt: [Double] = []
        var q: [Double] = []
        var qt: [Double] = []
    }

    func target(_ y0: [Double], directions: [[Double]], lower: [Double], upper: [Double]) -> Target {
        var t = Target(y0: y0, directions: directions, tauLower: lower, tauUpper: upper)
        let k = directions.count
        t.x0 = base.solve(Vec.sub(y0, baseOffset))
        let u0 = form.preActivation(t.x0)
        t.q = (0..<h).map { sign[$0] * u0[$0] }
        t.xt = [Double](repeating: 0, count: m * k)
        t.qt = [Double](repeating: 0, count: h * k)
        for (j, e) in directions.enumerated() {
            let xe = base.solve(e)
            for i in 0..<m { t.xt[i * k + j] = xe[i] }
            let ne = Vec.sub(form.preActivation(xe), form.b)
            for u in 0..<h { t.qt[u * k + j] = sign[u] * ne[u] }
        }
        return t
    }

    /// Tightens the intervals with sum_j a_j z_j in [lower, upper] (n variables); false when empty.
    @inline(__always)
    func tighten(_ a: UnsafePointer<Double>, count n: Int, lower: Double, upper: Double, _ node: Node, changed: inout Bool) -> Bool {
        let lo = node.lo, hi = node.hi
        var minSum = 0.0, maxSum = 0.0
        for j in 0..<n {
            let c = a[j]
            if c > 0 { minSum += c * lo[j]; maxSum += c * hi[j] } else if c < 0 { minSum += c * hi[j]; maxSum += c * lo[j] }
        }
        let tol = tolerance
        if minSum > upper + tol || maxSum < lower - tol { return false }
        for j in 0..<n {
            let c = a[j]
            if c == 0 { continue }
            let lowJ = c > 0 ? c * lo[j] : c * hi[j]
            let highJ = c > 0 ? c * hi[j] : c * lo[j]
            let restMin = minSum - lowJ, restMax = maxSum - highJ
            // c z_j in [lower - restMax, upper - restMin]
            var zl: Double, zh: Double
            if c > 0 { zl = (lower - restMax) / c; zh = (upper - restMin) / c } else { zl = (upper - restMin) / c; zh = (lower - restMax) / c }
            let slack = tol / abs(c)
            // Another pass is worth it only when a bound moved by a visible part of the interval.
            let significant = 1e-6 * (hi[j] - lo[j]) + 1e-12 * (1 + abs(lo[j]))
            if zl - slack > lo[j] {
                if zl - slack > lo[j] + significant { changed = true }
                lo[j] = zl - slack
            }
            if zh + slack < hi[j] {
                if zh + slack < hi[j] - significant { changed = true }
                hi[j] = zh + slack
            }
            if lo[j] > hi[j] + tol { return false }
        }
        return true
    }

    /// Interval propagation at a node of the units search; false when no preimage can lie in
    /// its regions. Variables: phi (H), then tau (k).
    func propagate(_ node: Node, _ t: Target, _ row: UnsafeMutablePointer<Double>) -> Bool {
        let k = t.k, n = h + k
        for _ in 0..<3 {
            var changed = false
            // Unit rows.
            for u in 0..<h {
                switch node.status[u] {
                case 1, 2:
                    // Active: phi_u + sum_j K_uj phi_j - Q_u tau = q_u, phi_u >= 0.
                    // Inactive: v_u = q_u + Q_u tau - sum_j K_uj phi_j <= 0, phi_u = 0.
                    for j in 0..<h { row[j] = k_[u * h + j] }
                    for j in 0..<k { row[h + j] = -t.qt[u * k + j] }
                    if node.status[u] == 1 {
                        row[u] += 1
                        if node.lo[u] < 0 { node.lo[u] = 0 }
                        if !tighten(row, count: n, lower: t.q[u], upper: t.q[u], node, changed: &changed) { return false }
                    } else {
                        if !tighten(row, count: n, lower: t.q[u], upper: .infinity, node, changed: &changed) { return false }
                    }
                default:
                    // v_u over the current intervals decides the unit when it has one sign.
                    var vlo = t.q[u], vhi = t.q[u]
                    for j in 0..<k {
                        let c = t.qt[u * k + j]
                        if c > 0 { vlo += c * node.lo[h + j]; vhi += c * node.hi[h + j] } else { vlo += c * node.hi[h + j]; vhi += c * node.lo[h + j] }
                    }
                    for j in 0..<h {
                        let c = -k_[u * h + j]
                        if c > 0 { vlo += c * node.lo[j]; vhi += c * node.hi[j] } else if c < 0 { vlo += c * node.hi[j]; vhi += c * node.lo[j] }
                    }
                    if vlo > tolerance {
                        node.status[u] = 1
                        changed = true
                    } else if vhi < -tolerance {
                        node.status[u] = 2
                        changed = true
                    } else {
                        let upper = max(0, vhi) + tolerance
                        if upper < node.hi[u] - 1e-6 * (node.hi[u] - node.lo[u]) { changed = true }
                        node.hi[u] = min(node.hi[u], upper)
                        if node.lo[u] < 0 { node.lo[u] = 0 }
                    }
                }
                if node.status[u] == 2 { node.lo[u] = 0; node.hi[u] = 0 }
            }
            // Box rows: lower_i <= x0_i + X_i tau - sum_k G_ik phi_k <= upper_i.
            for i in 0..<m {
                for j in 0..<h { row[j] = -g[i * h + j] }
                for j in 0..<k { row[h + j] = t.xt[i * k + j] }
                if !tighten(row, count: n, lower: box.lower[i] - t.x0[i], upper: box.upper[i] - t.x0[i], node, changed: &changed) { return false }
            }
            if !changed { break }
        }
        return true
    }

    /// The initial node: phi from the box (u = N x + b over the box), tau from the target.
    func root(_ t: Target, into node: Node) {
        for u in 0..<h {
            var ulo = form.b[u], uhi = form.b[u]
            for j in 0..<m {
                let a = form.N[u * m + j]
                if a > 0 { ulo += a * box.lower[j]; uhi += a * box.upper[j] } else { ulo += a * box.upper[j]; uhi += a * box.lower[j] }
            }
            let (vlo, vhi) = sign[u] > 0 ? (ulo, uhi) : (-uhi, -ulo)
            node.lo[u] = max(0, vlo)
            node.hi[u] = max(0, vhi) + tolerance
            node.status[u] = 0
        }
        for j in 0..<t.k {
            node.lo[h + j] = t.tauLower[j]
            node.hi[h + j] = t.tauUpper[j]
        }
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
    func search(_ t: Target, leaf: (RegionCode) -> Void) {
        switch strategy {
        case .units: unitSearch(t, leaf: leaf)
        case .space: spaceSearch(t, leaf: leaf)
        }
    }

    /// Depth-first search over the units; `leaf` is called with every region that survives propagation.
    func unitSearch(_ t: Target, leaf: (RegionCode) -> Void) {
        let n = h + t.k
        let row = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { row.deallocate() }
        withNode(width: n, units: h) { node in
            var stack = NodeStack(width: n, units: h)
            root(t, into: node)
            stack.push(node)
            while !stack.isEmpty {
                stack.pop(into: node)
                nodes += 1
                guard propagate(node, t, row) else { continue }
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
                let (lo, hi) = (node.lo[pick], node.hi[pick])
                node.status[pick] = 2
                node.lo[pick] = 0
                node.hi[pick] = 0
                stack.push(node)
                node.status[pick] = 1
                node.lo[pick] = lo
                node.hi[pick] = hi
                stack.push(node)
            }
        }
    }

    /// Depth-first search over boxes of the state space. At a box X the units whose hyperplane
    /// misses X are decided; with the affine part J_p x + c_p of the decided active units and
    /// the free units' relu(u) in [0, max u over X], every row of y(tau) = F(x) bounds x and tau
    /// (interval bound tightening), which shrinks X; a box whose enclosure of F misses the
    /// target is dropped. A box meeting at most `enumerationLimit` hyperplanes is a set of
    /// leaves (each way of setting its free units); a larger one is bisected along its widest side.
    func spaceSearch(_ t: Target, leaf: (RegionCode) -> Void) {
        let enumerationLimit = 3
        let k = t.k, n = m + k
        let row = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { row.deallocate() }
        withNode(width: n, units: 0) { node in
            var stack = NodeStack(width: n, units: 0)
            for j in 0..<m { node.lo[j] = box.lower[j]; node.hi[j] = box.upper[j] }
            for j in 0..<k { node.lo[m + j] = t.tauLower[j]; node.hi[m + j] = t.tauUpper[j] }
            stack.push(node)
            var jp = [Double](repeating: 0, count: m * m), cp = [Double](repeating: 0, count: m)
            var uhi = [Double](repeating: 0, count: h)
            var state = [UInt8](repeating: 0, count: h)
            let scale = zip(box.lower, box.upper).map { $1 - $0 }.reduce(0, max)
            var free: [Int] = []
            while !stack.isEmpty {
                stack.pop(into: node)
                nodes += 1
                var feasible = true
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
                    // Rows: J_p x - E tau = y0 - c_p - sum_free W1 relu(u), relu(u) in [0, max(0, uhi)].
                    for i in 0..<m {
                        var fmin = 0.0, fmax = 0.0
                        for u in free {
                            let w = form.W1[i * h + u] * max(0, uhi[u])
                            if w > 0 { fmax += w } else { fmin += w }
                        }
                        for j in 0..<m { row[j] = jp[i * m + j] }
                        for j in 0..<k { row[m + j] = -t.directions[j][i] }
                        let rhs = t.y0[i] - cp[i]
                        if !tighten(row, count: n, lower: rhs - fmax, upper: rhs - fmin, node, changed: &changed) { feasible = false; break }
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
                let low = node.lo[widest]
                node.lo[widest] = mid
                stack.push(node)
                node.lo[widest] = low
                node.hi[widest] = mid
                stack.push(node)
            }
        }
    }

    /// Every preimage of y in the box.
    public func preimages(of y: [Double]) -> Result {
        var regions: [RegionCode] = []
        search(target(y, directions: [], lower: [], upper: [])) { regions.append($0) }
        return preimages(of: y, among: regions)
    }

    /// The preimages of y in the given regions (every preimage when they include the
    /// candidates of a set holding y: `candidateRegions`).
    public func preimages(of y: [Double], among regions: [RegionCode]) -> Result {
        var points: [(point: [Double], region: RegionCode)] = []
        var folds: [RegionCode] = []
        for d in regions {
            let f = factors(d)
            guard let lu = f.lu else {
                // A flat of preimages if the singular system is consistent there; report, never divide.
                if consistentSingularSystem(d, y) { folds.append(d) }
                continue
            }
            let x = lu.solve(Vec.sub(y, f.offset))
            guard x.allSatisfy(\.isFinite), admits(x, in: d) else { continue }
            // A point on a boundary is found from both sides: keep it once.
            let near = tolerance * 10
            if points.contains(where: { Vec.distance($0.point, x) <= near }) { continue }
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
        candidateRegions(origin: a, directions: [Vec.sub(b, a)], lower: [0], upper: [1])
    }

    /// Every region whose affine inverse of some y = origin + sum_j tau_j directions_j, tau in
    /// [lower, upper], can lie in it inside the box (complete; may include regions where none does).
    public func candidateRegions(origin: [Double], directions: [[Double]], lower: [Double], upper: [Double]) -> [RegionCode] {
        var out: [RegionCode] = []
        search(target(origin, directions: directions, lower: lower, upper: upper)) { out.append($0) }
        return Array(Set(out)).sorted()
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
