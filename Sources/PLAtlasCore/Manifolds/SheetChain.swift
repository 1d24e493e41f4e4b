import LinearAlgebra

/// The affine pieces of F per region (J_d, c_d and the LU factors of J_d), cached: one instance
/// per thread of work.
public final class RegionMaps {
    public let form: ShallowForm
    var cache: [RegionCode: (j: Matrix, c: [Double], lu: LUFactorization?)] = [:]

    public init(form: ShallowForm) { self.form = form }

    func entry(_ d: RegionCode) -> (j: Matrix, c: [Double], lu: LUFactorization?) {
        if let e = cache[d] { return e }
        let j = form.jacobian(d)
        let lu = try? LUFactorization(j)
        let usable = lu.map { $0.reciprocalConditionEstimate > 1e-13 } ?? false
        let e = (j, form.offset(d), usable ? lu : nil)
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[d] = e
        return e
    }

    public func jacobian(_ d: RegionCode) -> Matrix { entry(d).j }
    public func offset(_ d: RegionCode) -> [Double] { entry(d).c }
    /// J_d x + c_d.
    public func image(_ x: [Double], in d: RegionCode) -> [Double] { let e = entry(d); return Vec.add(e.j * x, e.c) }
    /// J_d^-1 (y - c_d), nil when J_d is singular.
    public func inverseImage(_ y: [Double], in d: RegionCode) -> [Double]? { entry(d).lu.map { $0.solve(Vec.sub(y, entry(d).c)) } }
    /// J_d^-1 v, nil when J_d is singular.
    public func inverseLinear(_ v: [Double], in d: RegionCode) -> [Double]? { entry(d).lu.map { $0.solve(v) } }
}

/// Exact membership and chords of sheets (sheets method): a sheet of generation n in region r_n
/// with ancestors r_{n-1}, ..., r_0 is
///
///     { x on its flat : x in r_n and the box, step(x) on the parent }
///
/// where step is F restricted to r_n (stable: F maps the sheet into the parent) or the inverse
/// of F restricted to r_{n-1} (unstable: the parent maps onto the sheet). Following the chain
/// reaches the local piece, which `LocalPiece` decides. Every test is a sign test of affine
/// functions, so the sheet is a convex polytope of its flat; a line meets it in an interval,
/// computed exactly by intersecting the intervals of every level (the line's image at each
/// level is again a line).
///
/// **Rounding.** Each step towards the saddle expands what lies off the flats (the unstable
/// directions for a stable manifold under F, the stable ones for an unstable manifold under the
/// inverse), so after every step the point (and a chord's direction) is projected back onto the
/// flat of that level. The flats are computed outwards from the local piece, the direction in
/// which they are well conditioned, and kept for the sheets last asked about.
public struct SheetChain {
    public let form: ShallowForm
    public let local: LocalPiece
    public let box: Box
    public let maps: RegionMaps
    let tolerance: Double
    let flats = FlatCache()

    /// The flats of the levels of recently used sheets (a reference type, shared by copies).
    final class FlatCache {
        /// Per sheet: its own flat, then the flats of its levels (parent first).
        var entries: [SheetID: [(origin: [Double], basis: [[Double]])]] = [:]
    }

    public init(form: ShallowForm, local: LocalPiece, box: Box, maps: RegionMaps) {
        self.form = form
        self.local = local
        self.box = box
        self.maps = maps
        tolerance = 1e-9 * (1 + zip(box.lower, box.upper).map { max(abs($0), abs($1)) }.reduce(0, max))
    }

    /// One step towards the local piece from region `from` (the current level) to `to` (the next
    /// level's region): an affine map (x -> A x + b) as a closure pair for points and directions.
    func step(_ x: [Double], _ v: [Double]?, from: RegionCode, to: RegionCode) -> ([Double], [Double]?)? {
        if local.kind == .stable {
            let e = maps.entry(from)
            return (Vec.add(e.j * x, e.c), v.map { e.j * $0 })
        }
        guard let y = maps.inverseImage(x, in: to) else { return nil }
        if let v { guard let w = maps.inverseLinear(v, in: to) else { return nil }; return (y, w) }
        return (y, nil)
    }

    /// Whether x lies in region d and the box, within the tolerance.
    func admits(_ x: [Double], _ d: RegionCode) -> Bool {
        for i in x.indices where !(x[i] >= box.lower[i] - tolerance && x[i] <= box.upper[i] + tolerance) { return false }
        let u = form.preActivation(x)
        for k in 0..<form.hiddenCount {
            if d[k] { if u[k] < -tolerance { return false } } else { if u[k] > tolerance { return false } }
        }
        return true
    }

    /// The flat of every level below the sheet: [parent's, grandparent's, ..., the local
    /// piece's], each as (the point of least norm, orthonormal basis), computed outwards from
    /// the local piece (stable: preimages, unstable: images).
    func levelFlats(_ sheet: Sheet) -> [(origin: [Double], basis: [[Double]])] {
        if let cached = flats.entries[sheet.id] { return Array(cached.dropFirst()) }
        // The parent's entry holds the parent's own flat and its levels: exactly this sheet's levels.
        if let parent = sheet.parent, let cached = flats.entries[parent] {
            remember(sheet, levels: cached)
            return cached
        }
        // Outwards: level 0 is the local piece, level j + 1 is made from level j.
        let regions = Array(sheet.ancestors.reversed())   // r_0 (local), r_1, ..., r_{n-1} (parent)
        var origin = local.points[sheet.cyclePoint], basis = local.bases[sheet.cyclePoint]
        var out = [(origin, basis)]
        for j in 1..<max(regions.count, 1) {
            if local.kind == .stable {
                let r = regions[j]
                guard let o = maps.inverseImage(origin, in: r) else { break }
                origin = o
                basis = Vec.orthonormalize(basis.compactMap { maps.inverseLinear($0, in: r) })
            } else {
                let r = regions[j - 1]
                origin = maps.image(origin, in: r)
                basis = Vec.orthonormalize(basis.map { maps.jacobian(r) * $0 })
            }
            for q in basis { origin = Vec.axpy(origin, -Vec.dot(origin, q), q) }
            out.append((origin, basis))
        }
        let result = Array(out.reversed())
        remember(sheet, levels: result)
        return result
    }

    /// Keeps the sheet's own flat (origin of least norm) and its levels, for its children.
    func remember(_ sheet: Sheet, levels: [(origin: [Double], basis: [[Double]])]) {
        var origin = sheet.origin
        for q in sheet.basis { origin = Vec.axpy(origin, -Vec.dot(origin, q), q) }
        if flats.entries.count > 16384 { flats.entries.removeAll(keepingCapacity: true) }
        flats.entries[sheet.id] = [(origin, sheet.basis)] + levels
    }

    /// x projected onto the flat origin + span(basis) (a direction when `direction`).
    func project(_ x: [Double], _ flat: (origin: [Double], basis: [[Double]]), direction: Bool = false) -> [Double] {
        let r = direction ? x : Vec.sub(x, flat.origin)
        var p = direction ? [Double](repeating: 0, count: x.count) : flat.origin
        for q in flat.basis { p = Vec.axpy(p, Vec.dot(q, r), q) }
        return p
    }

    /// Whether x (assumed on the sheet's flat) lies on the sheet.
    public func contains(_ x: [Double], sheet: Sheet) -> Bool {
        if sheet.parent == nil && sheet.ancestors.isEmpty { return local.contains(x, at: sheet.cyclePoint, flatTolerance: .infinity) }
        let levels = levelFlats(sheet)
        var y = x
        var current = sheet.region
        for (index, next) in sheet.ancestors.enumerated() {
            guard admits(y, current), let (z, _) = step(y, nil, from: current, to: next) else { return false }
            y = index < levels.count ? project(z, levels[index]) : z
            current = next
        }
        return local.contains(y, at: sheet.cyclePoint, flatTolerance: .infinity)
    }

    /// Restricts [lower, upper] to {t : x + t v in region d and the box}.
    func clip(_ x: [Double], _ v: [Double], _ d: RegionCode, _ lower: inout Double, _ upper: inout Double) {
        func bound(_ value: Double, _ slope: Double) {
            // value + t slope >= -tolerance
            if slope > 0 { lower = max(lower, (-tolerance - value) / slope) } else if slope < 0 { upper = min(upper, (-tolerance - value) / slope) } else if value < -tolerance { upper = -.infinity }
        }
        for i in x.indices {
            bound(x[i] - box.lower[i], v[i])
            bound(box.upper[i] - x[i], -v[i])
        }
        let u = form.preActivation(x)
        let du = Vec.sub(form.preActivation(Vec.add(x, v)), u)
        for k in 0..<form.hiddenCount {
            if d[k] { bound(u[k], du[k]) } else { bound(-u[k], -du[k]) }
        }
    }

    /// {t : x + t v on the sheet} as [lower, upper], for x on the sheet and v in its flat; nil
    /// when empty.
    public func chord(_ x: [Double], along v: [Double], sheet: Sheet) -> (Double, Double)? {
        if sheet.ancestors.isEmpty { return local.chord(x, along: v, at: sheet.cyclePoint) }
        var lower = -Double.infinity, upper = Double.infinity
        let levels = levelFlats(sheet)
        var y = x, w = v
        var current = sheet.region
        for (index, next) in sheet.ancestors.enumerated() {
            clip(y, w, current, &lower, &upper)
            if lower > upper { return nil }
            guard let (z, dz) = step(y, w, from: current, to: next) else { return nil }
            y = index < levels.count ? project(z, levels[index]) : z
            w = index < levels.count ? project(dz!, levels[index], direction: true) : dz!
            current = next
        }
        guard let (a, b) = local.chord(y, along: w, at: sheet.cyclePoint) else { return nil }
        lower = max(lower, a)
        upper = min(upper, b)
        return lower <= upper ? (lower, upper) : nil
    }

    /// `count` points of the sheet by hit-and-run from `start` (points of the sheet), along
    /// random directions of its flat; `mixing` chords between kept points.
    public func sample(_ count: Int, sheet: Sheet, from start: [[Double]], rng: inout SeededGenerator, mixing: Int = 3) -> [[Double]] {
        guard count > 0, !start.isEmpty else { return [] }
        let d = sheet.basis.count
        var out: [[Double]] = []
        var x = start[0]
        var chain = 0
        var attempts = 0
        while out.count < count && attempts < 4 * count * mixing + 16 {
            attempts += 1
            // Restart chains from the given points in turn, so a few arrivals spread the sample.
            if attempts % (mixing * 8) == 1 { x = start[chain % start.count]; chain += 1 }
            var z = (0..<d).map { _ in rng.normal() }
            z = Vec.scale(z, 1 / max(Vec.norm(z), 1e-300))
            var v = [Double](repeating: 0, count: x.count)
            for (q, c) in zip(sheet.basis, z) { v = Vec.axpy(v, c, q) }
            guard let (lo, hi) = chord(x, along: v, sheet: sheet), lo.isFinite, hi.isFinite, hi >= lo else { continue }
            x = Vec.axpy(x, lo + rng.uniform() * (hi - lo), v)
            if attempts % mixing == 0 { out.append(x) }
        }
        return out
    }
}
