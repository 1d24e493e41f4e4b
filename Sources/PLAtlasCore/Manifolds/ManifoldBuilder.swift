import LinearAlgebra

/// How a manifold is represented.
public enum ManifoldMethod: String, Sendable, CaseIterable, Codable {
    /// 1-dimensional manifolds only: exact images (or preimages) of segments, clipped at
    /// region boundaries; every piece is a segment of the true manifold.
    case polyline
    /// Any dimension: flat sheets per region anchored by support points (science.md section 3).
    case sheets
}

/// Settings of a manifold computation.
public struct ManifoldOptions: Sendable {
    public var kind: ManifoldKind
    /// The box the manifold is computed in; pieces leaving it are dropped.
    public var bounds: Box
    /// nil: polyline for 1-dimensional manifolds, sheets otherwise.
    public var method: ManifoldMethod?
    /// At most this many applications of F (unstable) or F^-1 (stable) to the local piece.
    public var maxIterations = 200
    /// N_s, support points sampled on each new or extended sheet; nil: k_neigh * d, with k_neigh
    /// the number of hyperplanes (at most 2M) as the count of neighbouring regions.
    public var supportPoints: Int?
    /// Seed of every random choice; region r in generation g uses a stream derived from both.
    public var seed: UInt64 = 0
    /// Stop after pushing this many points (sheets) or segments (polyline) in total.
    public var budget = 400_000
    /// At most this many sheets per region (sheets method).
    public var maxSheetsPerRegion = 256
    /// Sheets method: an arriving point closer than this to a support point of its sheet adds
    /// nothing; nil: 1% of the box diagonal.
    public var coverage: Double?
    /// Polyline method: pieces shorter than this are dropped (they have contracted onto an
    /// attractor or a corner); nil: 1e-7 times the box diagonal.
    public var minimumLength: Double?
    /// Spacing of the sample points written for plotting and checks; nil: box diagonal / 2000.
    public var sampleSpacing: Double?

    public init(kind: ManifoldKind, bounds: Box) {
        self.kind = kind
        self.bounds = bounds
    }
}

/// One flat piece of a manifold inside one region: origin + span(basis), anchored by its
/// support points (exact images of the local piece, or points sampled between them).
public struct Sheet: Sendable, Equatable {
    public var region: RegionCode
    public var origin: [Double]
    /// d orthonormal vectors of length M.
    public var basis: [[Double]]
    public var supportPoints: [[Double]]
    /// Codimension-1 stable manifolds: the unit normal pointing to side "+" (the side of the
    /// saddle's unstable eigenvector).
    public var normal: [Double]?
    /// How many applications of F or F^-1 produced it from the local piece.
    public var generation: Int

    public init(region: RegionCode, origin: [Double], basis: [[Double]], supportPoints: [[Double]], normal: [Double]?, generation: Int) {
        self.region = region
        self.origin = origin
        self.basis = basis
        self.supportPoints = supportPoints
        self.normal = normal
        self.generation = generation
    }
}

/// A group of support points arriving in one region from one sheet (the work unit): the
/// images of points of one flat piece under one affine map, so they lie on one flat.
/// In the polyline method the two points are the ends of a segment inside the region.
public struct Arrival: Sendable {
    public var points: [[Double]]
    /// The image of the source sheet's basis (exact; orthonormalized).
    public var basis: [[Double]]
    public var normal: [Double]?
    public var generation: Int

    public init(points: [[Double]], basis: [[Double]], normal: [Double]?, generation: Int) {
        self.points = points
        self.basis = basis
        self.normal = normal
        self.generation = generation
    }
}

/// Where the backward step failed: counts, and the first few places.
public struct NonInvertibilityReport: Sendable, Equatable {
    /// Support points (or segment ends) with no consistent preimage.
    public var noPreimage = 0
    /// Support points with several distinct consistent preimages.
    public var severalPreimages = 0
    /// Points whose candidate region had a singular Jacobian.
    public var singular = 0
    /// Segments whose preimage folded back at a region boundary (polyline).
    public var folds = 0
    public var examples: [(region: RegionCode, point: [Double], problem: String)] = []

    public init() {}

    public var affected: Int { noPreimage + severalPreimages + singular + folds }

    /// At most this many examples are kept (the first ones in processing order).
    public static let exampleLimit = 8

    mutating func record(_ region: RegionCode, _ point: [Double], _ problem: String) {
        if examples.count < Self.exampleLimit { examples.append((region, point, problem)) }
    }

    public mutating func merge(_ other: NonInvertibilityReport) {
        noPreimage += other.noPreimage
        severalPreimages += other.severalPreimages
        singular += other.singular
        folds += other.folds
        for e in other.examples where examples.count < Self.exampleLimit { examples.append(e) }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.noPreimage == rhs.noPreimage && lhs.severalPreimages == rhs.severalPreimages && lhs.singular == rhs.singular && lhs.folds == rhs.folds
    }
}

/// What processing one region's arrivals produced.
public struct RegionStep: Sendable {
    /// Sheets created or extended in the region.
    public var sheets: [Sheet] = []
    /// The images (unstable) or preimages (stable) of the region's new support points, by the
    /// region they land in.
    public var outgoing: [RegionCode: [Arrival]] = [:]
    public var pointsPushed = 0
    public var leftBounds = 0
    public var droppedForBudget = 0
    public var nonInvertibility = NonInvertibilityReport()
}

/// Why a construction stopped.
public enum StopReason: String, Sendable {
    /// No piece produced anything new: every branch ended in the box.
    case complete
    /// Nothing left to do, and pieces were dropped at the box.
    case bounds
    /// The iteration limit was reached with work left.
    case iterations
    /// The point budget was spent with work left.
    case budget
}

/// A computed manifold.
public struct Manifold: Sendable {
    public var kind: ManifoldKind
    public var method: ManifoldMethod
    /// d.
    public var dimension: Int
    public var saddle: Cycle
    public var local: LocalManifold
    public var bounds: Box
    /// Sheets sorted by region (then generation).
    public var sheets: [Sheet]
    /// Points on the manifold (the polyline sampled at `sampleSpacing`, or the support points).
    public var points: [[Double]]
    public var stopReason: StopReason
    public var iterations: Int
    public var pointsPushed: Int
    public var supportPointsPerSheet: Int
    public var nonInvertibility: NonInvertibilityReport
    public var seconds: Double

    public var regions: [RegionCode] { Array(Set(sheets.map(\.region))).sorted() }

    public init(kind: ManifoldKind, method: ManifoldMethod, dimension: Int, saddle: Cycle, local: LocalManifold, bounds: Box,
                sheets: [Sheet], points: [[Double]], stopReason: StopReason, iterations: Int, pointsPushed: Int,
                supportPointsPerSheet: Int, nonInvertibility: NonInvertibilityReport, seconds: Double) {
        self.kind = kind
        self.method = method
        self.dimension = dimension
        self.saddle = saddle
        self.local = local
        self.bounds = bounds
        self.sheets = sheets
        self.points = points
        self.stopReason = stopReason
        self.iterations = iterations
        self.pointsPushed = pointsPushed
        self.supportPointsPerSheet = supportPointsPerSheet
        self.nonInvertibility = nonInvertibility
        self.seconds = seconds
    }
}

/// Builds a stable or unstable manifold region by region.
///
/// The unit of work is `process(region:arrivals:)`: the support points (or segments) that
/// arrived in one region are turned into sheets of that region and pushed one step further
/// (F for unstable, F^-1 for stable), the results bucketed by the region they land in. Only
/// the state of that one region is read or written, so regions can be owned by different
/// ranks; `run()` is the serial driver (one generation of all pending regions at a time, in
/// region order, so the result does not depend on who processes what).
public struct ManifoldBuilder {
    public let form: ShallowForm
    public let saddle: Cycle
    public let local: LocalManifold
    public let options: ManifoldOptions
    public let method: ManifoldMethod
    /// N_s.
    public let supportCount: Int
    public let coverage: Double
    public let minimumLength: Double
    let inverse: InverseMap
    /// The sheets of every region processed by this builder (under MPI: the regions its rank
    /// owns; see ManifoldBuilder+Ownership.swift).
    public internal(set) var sheetsByRegion: [RegionCode: [Sheet]] = [:]

    public init(form: ShallowForm, saddle: Cycle, options: ManifoldOptions) throws(ManifoldError) {
        self.form = form
        self.saddle = saddle
        self.options = options
        guard saddle.points.allSatisfy({ options.bounds.contains($0) }) else { throw .saddleOutsideBounds }
        let local = try LocalManifold(cycle: saddle, form: form, kind: options.kind)
        self.local = local
        let d = local.dimension
        var method = options.method ?? (d == 1 ? .polyline : .sheets)
        if d != 1 { method = .sheets }
        self.method = method
        let neighbours = max(2, min(form.hiddenCount, 2 * form.dimension))
        self.supportCount = max(d + 1, options.supportPoints ?? neighbours * d)
        try Self.checkSize(supportPoints: supportCount, dimension: form.dimension)
        // At most a quarter of the radius of the local piece: in high dimension 1% of the box
        // diagonal can exceed the whole local piece, and then nothing pushed from it counts as new.
        var localRadius = Double.infinity
        for z in saddle.points {
            let u = form.preActivation(z)
            for k in 0..<form.hiddenCount {
                var n2 = 0.0
                for j in 0..<form.dimension { n2 += form.N[k * form.dimension + j] * form.N[k * form.dimension + j] }
                if n2 > 0 { localRadius = min(localRadius, 0.25 * abs(u[k]) / n2.squareRoot()) }
            }
        }
        localRadius = min(localRadius, 0.05 * options.bounds.smallestSide)
        self.coverage = options.coverage ?? min(0.01 * options.bounds.diagonal, 0.25 * localRadius)
        self.minimumLength = options.minimumLength ?? 1e-7 * options.bounds.diagonal
        self.inverse = InverseMap(form: form)
    }

    /// Fails when a sheet of `supportPoints` points in dimension M would hold more numbers
    /// than `Limits.current` allows.
    public static func checkSize(supportPoints: Int, dimension: Int) throws(ManifoldError) {
        do {
            try Limits.current.check(Double(supportPoints) * Double(dimension), .values,
                                     "a sheet of \(supportPoints) support points with M = \(dimension) holds NS x M numbers, which")
        } catch {
            throw .tooLarge(error.description)
        }
    }

    // MARK: The local piece

    /// Distance from z to the nearest region boundary.
    func distanceToBoundary(_ z: [Double]) -> Double {
        let u = form.preActivation(z)
        var best = Double.infinity
        for k in 0..<form.hiddenCount {
            var n2 = 0.0
            for j in 0..<form.dimension { n2 += form.N[k * form.dimension + j] * form.N[k * form.dimension + j] }
            if n2 > 0 { best = min(best, abs(u[k]) / n2.squareRoot()) }
        }
        return best
    }

    /// The largest t with z + s w in the region of z for all s in [0, t] (w a direction).
    func reach(_ z: [Double], along w: [Double]) -> Double {
        let u = form.preActivation(z)
        let du = Vec.sub(form.preActivation(Vec.add(z, w)), u)
        var t = Double.infinity
        for k in 0..<form.hiddenCount where du[k] != 0 {
            let s = -u[k] / du[k]
            if s > 0 { t = min(t, s) }
        }
        return t
    }

    /// The first arrivals: the local piece at every cycle point.
    public mutating func initialArrivals() -> [RegionCode: [Arrival]] {
        var out: [RegionCode: [Arrival]] = [:]
        let k = saddle.order
        let box = options.bounds
        if method == .polyline {
            let dirs = local.directions1D!
            let lambda = local.eigenvalue1D!
            // Growth factor per cycle under the direction of iteration.
            let growth = options.kind == .unstable ? lambda : 1 / lambda
            let g = abs(growth)
            let span = growth > 0 ? g : g * g
            // t0 * span must stay in the linear zone along the whole cycle (both signs).
            var tmin = Double.infinity
            for i in 0..<k {
                tmin = min(tmin, reach(saddle.points[i], along: dirs[i]), reach(saddle.points[i], along: Vec.scale(dirs[i], -1)))
            }
            tmin = min(tmin, 0.05 * box.smallestSide / max(1, dirs.map(Vec.norm).max() ?? 1))
            let t0 = 0.5 * tmin / span
            // The local pieces themselves (recorded, not pushed).
            for i in 0..<k {
                let a = Vec.axpy(saddle.points[i], -t0 * span, dirs[i]), b = Vec.axpy(saddle.points[i], t0 * span, dirs[i])
                let normal = local.normals?[i]
                sheetsByRegion[saddle.regions[i], default: []].append(
                    Sheet(region: saddle.regions[i], origin: a, basis: [Vec.normalized(Vec.sub(b, a))], supportPoints: [a, b], normal: normal, generation: 0))
            }
            // Fundamental segments at point 0: both branches, or one when the branch flips sides.
            let signs: [Double] = growth > 0 ? [1, -1] : [1]
            for sign in signs {
                let a = Vec.axpy(saddle.points[0], sign * t0, dirs[0]), b = Vec.axpy(saddle.points[0], sign * t0 * span, dirs[0])
                out[saddle.regions[0], default: []].append(
                    Arrival(points: [a, b], basis: [Vec.normalized(Vec.sub(b, a))], normal: local.normals?[0], generation: 0))
            }
            return out
        }
        let d = local.dimension
        var rng = SeededGenerator(seed: options.seed, stream: 0x10CA1)
        for i in 0..<k {
            let z = saddle.points[i]
            let radius = min(0.25 * distanceToBoundary(z), 0.05 * box.smallestSide)
            let count = max(supportCount, 4 * (d + 1))
            var pts: [[Double]] = []
            while pts.count < count {
                var c = (0..<d).map { _ in rng.normal() }
                let n = Vec.norm(c)
                let r = radius * Double.pow(rng.uniform(), 1 / Double(d))
                c = Vec.scale(c, r / max(n, 1e-300))
                var x = z
                for j in 0..<d { x = Vec.axpy(x, c[j], local.bases[i][j]) }
                pts.append(x)
            }
            out[saddle.regions[i], default: []].append(
                Arrival(points: [z] + pts, basis: local.bases[i], normal: local.normals?[i], generation: 0))
        }
        return out
    }

    // MARK: The work unit

    /// Turns the arrivals in `region` into sheets there and pushes them one step on.
    public mutating func process(region: RegionCode, arrivals: [Arrival]) -> RegionStep {
        method == .polyline ? processSegments(region: region, arrivals: arrivals) : processSheets(region: region, arrivals: arrivals)
    }

    func affineImage(_ x: [Double], _ j: Matrix, _ c: [Double]) -> [Double] { Vec.add(j * x, c) }

    /// Splits the segment [u, w] (on which F is affine) at the hyperplanes; each piece with its region.
    func splitAtBoundaries(_ u: [Double], _ w: [Double]) -> [([Double], [Double], RegionCode)] {
        let gu = form.preActivation(u), gw = form.preActivation(w)
        var ts: [Double] = []
        for k in 0..<form.hiddenCount where (gu[k] > 0) != (gw[k] > 0) {
            let t = gu[k] / (gu[k] - gw[k])
            if t > 1e-12 && t < 1 - 1e-12 { ts.append(t) }
        }
        ts.sort()
        var cuts = [0.0]
        for t in ts where t - cuts.last! > 1e-12 { cuts.append(t) }
        cuts.append(1)
        let dir = Vec.sub(w, u)
        var pieces: [([Double], [Double], RegionCode)] = []
        for i in 0..<(cuts.count - 1) {
            let a = Vec.axpy(u, cuts[i], dir), b = Vec.axpy(u, cuts[i + 1], dir)
            let mid = Vec.axpy(u, 0.5 * (cuts[i] + cuts[i + 1]), dir)
            pieces.append((a, b, form.region(of: mid)))
        }
        return pieces
    }

    /// The exact preimage of the segment [a, b] (inside one region): walks along it, switching
    /// the source region where the preimage crosses a boundary, and stops at a fold.
    func preimageSegment(_ a: [Double], _ b: [Double], region r: RegionCode, report: inout NonInvertibilityReport)
        -> [([Double], [Double], RegionCode)]
    {
        let dir = Vec.sub(b, a)
        let probe = Vec.axpy(a, 1e-7, dir)
        let first = inverse.preimage(probe, hints: [r])
        switch first.outcome {
        case .none:
            report.noPreimage += 1
            report.record(r, a, "no consistent preimage")
            return []
        case .several:
            report.severalPreimages += 1
            report.record(r, a, "several preimages")
        case .unique: break
        }
        var s = first.region!
        var tc = 0.0
        var pieces: [([Double], [Double], RegionCode)] = []
        for _ in 0..<(4 * form.hiddenCount + 16) {
            guard let x0 = inverse.solve(a, in: s), let x1 = inverse.solve(b, in: s) else {
                report.singular += 1
                report.record(s, a, "singular Jacobian")
                return pieces
            }
            let g0 = form.preActivation(x0), g1 = form.preActivation(x1)
            var tStar = Double.infinity
            var crossing: [Int] = []
            for k in 0..<form.hiddenCount {
                let slope = g1[k] - g0[k]
                let leaving = s[k] ? slope < 0 : slope > 0
                guard leaving else { continue }
                let t = -g0[k] / slope
                if t > tc + 1e-12 {
                    if t < tStar - 1e-12 { tStar = t; crossing = [k] } else if abs(t - tStar) <= 1e-12 { crossing.append(k) }
                }
            }
            let xd = Vec.sub(x1, x0)
            if tStar >= 1 {
                pieces.append((Vec.axpy(x0, tc, xd), x1, s))
                return pieces
            }
            pieces.append((Vec.axpy(x0, tc, xd), Vec.axpy(x0, tStar, xd), s))
            var next = s
            for k in crossing { next[k].toggle() }
            // The preimage must enter the next region, not fold back.
            guard let y0 = inverse.solve(a, in: next), let y1 = inverse.solve(b, in: next) else {
                report.singular += 1
                report.record(next, Vec.axpy(a, tStar, dir), "singular Jacobian")
                return pieces
            }
            let h0 = form.preActivation(y0), h1 = form.preActivation(y1)
            for k in crossing {
                let slope = h1[k] - h0[k]
                let entering = next[k] ? slope > 0 : slope < 0
                if !entering {
                    report.folds += 1
                    report.record(r, Vec.axpy(a, tStar, dir), "preimage folds at a region boundary")
                    return pieces
                }
            }
            s = next
            tc = tStar
        }
        return pieces
    }

    mutating func processSegments(region r: RegionCode, arrivals: [Arrival]) -> RegionStep {
        var step = RegionStep()
        let box = options.bounds
        let jr = form.jacobian(r), cr = form.offset(r)
        for arrival in arrivals {
            let a = arrival.points[0], b = arrival.points[1]
            let sheet = Sheet(region: r, origin: a, basis: arrival.basis, supportPoints: [a, b], normal: arrival.normal,
                              generation: arrival.generation)
            sheetsByRegion[r, default: []].append(sheet)
            step.sheets.append(sheet)
            var pieces: [([Double], [Double], RegionCode)]
            if options.kind == .unstable {
                pieces = splitAtBoundaries(affineImage(a, jr, cr), affineImage(b, jr, cr))
            } else {
                pieces = preimageSegment(a, b, region: r, report: &step.nonInvertibility)
            }
            for (u, w, s) in pieces {
                step.pointsPushed += 1
                guard let (t0, t1) = box.clip(u, w) else { step.leftBounds += 1; continue }
                if t0 > 0 || t1 < 1 { step.leftBounds += 1 }
                let dir = Vec.sub(w, u)
                let uu = Vec.axpy(u, t0, dir), ww = Vec.axpy(u, t1, dir)
                guard Vec.distance(uu, ww) >= minimumLength else { continue }
                var normal: [Double]? = nil
                if let n = arrival.normal { normal = Vec.normalized(form.jacobian(s).transposed * n) }
                step.outgoing[s, default: []].append(
                    Arrival(points: [uu, ww], basis: [Vec.normalized(Vec.sub(ww, uu))], normal: normal, generation: arrival.generation + 1))
            }
        }
        return step
    }

    // MARK: Sheets

    /// Largest distance of the points from the flat origin + span(basis).
    static func offFlat(_ points: [[Double]], origin: [Double], basis: [[Double]]) -> Double {
        var worst = 0.0
        for p in points {
            var r = Vec.sub(p, origin)
            for q in basis { r = Vec.axpy(r, -Vec.dot(r, q), q) }
            worst = max(worst, Vec.norm(r))
        }
        return worst
    }

    /// PCA of a point set: the mean and the top d principal directions, with the residual
    /// (largest distance of a point from that flat).
    static func principalFlat(_ points: [[Double]], dimension d: Int) -> (origin: [Double], basis: [[Double]], residual: Double)? {
        let n = points.count, m = points[0].count
        guard n >= 2 else { return nil }
        var mean = [Double](repeating: 0, count: m)
        for p in points { mean = Vec.add(mean, p) }
        mean = Vec.scale(mean, 1 / Double(n))
        var elements: [Double] = []
        for p in points { elements += Vec.sub(p, mean) }
        guard let svd = try? singularValueDecomposition(Matrix(rows: n, columns: m, elements: elements)) else { return nil }
        let take = min(d, svd.vt.rows)
        let basis = (0..<take).map { svd.vt.row($0) }
        return (mean, basis, offFlat(points, origin: mean, basis: basis))
    }

    /// Splits a curved point set into flat clusters (2-means, recursively), each with its PCA flat.
    static func flatClusters(_ points: [[Double]], dimension d: Int, tolerance: Double, rng: inout SeededGenerator, depth: Int = 0)
        -> [(origin: [Double], basis: [[Double]], points: [[Double]])]
    {
        guard let flat = principalFlat(points, dimension: d) else { return [] }
        if flat.residual <= tolerance || depth >= 4 || points.count < 2 * (d + 1) { return [(flat.origin, flat.basis, points)] }
        // 2-means seeded by two random points, 10 rounds.
        var c0 = points[Int(rng.next() % UInt64(points.count))], c1 = points[Int(rng.next() % UInt64(points.count))]
        var label = [Bool](repeating: false, count: points.count)
        for _ in 0..<10 {
            for (i, p) in points.enumerated() { label[i] = Vec.distanceSquared(p, c1) < Vec.distanceSquared(p, c0) }
            let a = points.indices.filter { !label[$0] }.map { points[$0] }, b = points.indices.filter { label[$0] }.map { points[$0] }
            if a.isEmpty || b.isEmpty { break }
            c0 = Vec.scale(a.reduce([Double](repeating: 0, count: a[0].count), Vec.add), 1 / Double(a.count))
            c1 = Vec.scale(b.reduce([Double](repeating: 0, count: b[0].count), Vec.add), 1 / Double(b.count))
        }
        let a = points.indices.filter { !label[$0] }.map { points[$0] }, b = points.indices.filter { label[$0] }.map { points[$0] }
        if a.isEmpty || b.isEmpty { return [(flat.origin, flat.basis, points)] }
        return flatClusters(a, dimension: d, tolerance: tolerance, rng: &rng, depth: depth + 1)
            + flatClusters(b, dimension: d, tolerance: tolerance, rng: &rng, depth: depth + 1)
    }

    func stream(_ r: RegionCode, _ generation: Int) -> UInt64 {
        var h: UInt64 = 0xC0FFEE &+ UInt64(generation) &* 0x9E37_79B9_7F4A_7C15
        for w in r.words { h = (h ^ w) &* 0x100_0000_01B3 }
        return h
    }

    mutating func processSheets(region r: RegionCode, arrivals: [Arrival]) -> RegionStep {
        var step = RegionStep()
        let box = options.bounds
        let d = local.dimension
        let generation = arrivals.map(\.generation).max() ?? 0
        var rng = SeededGenerator(seed: options.seed, stream: stream(r, generation))
        let jr = form.jacobian(r), cr = form.offset(r)
        var sheets = sheetsByRegion[r] ?? []
        let scale = 1 + box.diagonal
        let flatTolerance = 1e-7 * scale
        for arrival in arrivals {
            // The arrivals of one source lie on one flat; check, and split a curved set.
            let origin = arrival.points[0]
            var groups: [(origin: [Double], basis: [[Double]], points: [[Double]])]
            if arrival.basis.count == d && Self.offFlat(arrival.points, origin: origin, basis: arrival.basis) <= flatTolerance {
                groups = [(origin, arrival.basis, arrival.points)]
            } else {
                groups = Self.flatClusters(arrival.points, dimension: d, tolerance: flatTolerance, rng: &rng)
            }
            for group in groups {
                // Merge into an existing sheet of the same flat, else start a new one.
                var index = sheets.firstIndex { sheet in
                    Self.offFlat(group.points, origin: sheet.origin, basis: sheet.basis) <= flatTolerance
                        && group.basis.allSatisfy { Self.offFlat([Vec.add(sheet.origin, $0)], origin: sheet.origin, basis: sheet.basis) <= 1e-6 }
                }
                var active: [[Double]]
                if let i = index {
                    let support = sheets[i].supportPoints
                    active = group.points.filter { p in !support.contains { Vec.distanceSquared($0, p) < coverage * coverage } }
                } else {
                    guard sheets.count < options.maxSheetsPerRegion else { step.droppedForBudget += group.points.count; continue }
                    sheets.append(Sheet(region: r, origin: group.origin, basis: group.basis, supportPoints: [], normal: arrival.normal,
                                        generation: arrival.generation))
                    index = sheets.count - 1
                    active = group.points
                }
                if active.isEmpty { continue }
                // Fill up to N_s points on the sheet near the active ones.
                var spread = 0.0
                if active.count > 1 {
                    for p in active { spread = max(spread, Vec.distance(p, active[0])) }
                }
                spread = max(spread, coverage)
                var samples: [[Double]] = []
                var attempts = 0
                while active.count + samples.count < supportCount && attempts < 4 * supportCount {
                    attempts += 1
                    let picks = (0..<min(d + 1, active.count)).map { _ in active[Int(rng.next() % UInt64(active.count))] }
                    let weights = picks.map { _ in -Double.log(max(rng.uniform(), 1e-300)) }
                    let total = weights.reduce(0, +)
                    var x = [Double](repeating: 0, count: form.dimension)
                    for (w, p) in zip(weights, picks) { x = Vec.axpy(x, w / total, p) }
                    if active.count < d + 1 {
                        for q in group.basis { x = Vec.axpy(x, 0.25 * spread * rng.normal() / Double(d).squareRoot(), q) }
                    }
                    guard box.contains(x), form.region(of: x) == r else { continue }
                    samples.append(x)
                }
                let fresh = active + samples
                sheets[index!].supportPoints += fresh
                step.sheets.append(sheets[index!])
                // Push one step.
                var byDestination: [RegionCode: [[Double]]] = [:]
                for x in fresh {
                    step.pointsPushed += 1
                    if options.kind == .unstable {
                        let y = affineImage(x, jr, cr)
                        guard box.contains(y) else { step.leftBounds += 1; continue }
                        byDestination[form.region(of: y), default: []].append(y)
                    } else {
                        let pre = inverse.preimage(x, hints: [r])
                        switch pre.outcome {
                        case .none:
                            step.nonInvertibility.noPreimage += 1
                            step.nonInvertibility.record(r, x, "no consistent preimage")
                            continue
                        case .several:
                            step.nonInvertibility.severalPreimages += 1
                            step.nonInvertibility.record(r, x, "several preimages")
                        case .unique: break
                        }
                        guard box.contains(pre.point!) else { step.leftBounds += 1; continue }
                        byDestination[pre.region!, default: []].append(pre.point!)
                    }
                }
                for (s, pts) in byDestination {
                    var basis: [[Double]]
                    var normal: [Double]? = nil
                    if options.kind == .unstable {
                        basis = Vec.orthonormalize(group.basis.map { jr * $0 })
                    } else {
                        basis = Vec.orthonormalize(group.basis.compactMap { inverse.solveLinear($0, in: s) })
                        if let n = arrival.normal { normal = Vec.normalized(form.jacobian(s).transposed * n) }
                    }
                    step.outgoing[s, default: []].append(Arrival(points: pts, basis: basis, normal: normal, generation: arrival.generation + 1))
                }
            }
        }
        sheetsByRegion[r] = sheets
        return step
    }

    // MARK: The serial driver

    /// Runs generations until nothing is pending, the iteration limit or the budget.
    public mutating func run(log: Log = .silent) -> Manifold {
        let started = ContinuousClock.now
        var pending = initialArrivals()
        var generation = 0, pushed = 0, leftBounds = 0
        var report = NonInvertibilityReport()
        var stop = StopReason.complete
        while !pending.isEmpty {
            if generation >= options.maxIterations { stop = .iterations; break }
            if pushed >= options.budget { stop = .budget; break }
            var next: [RegionCode: [Arrival]] = [:]
            for r in pending.keys.sorted() {
                let step = process(region: r, arrivals: pending[r]!)
                pushed += step.pointsPushed
                leftBounds += step.leftBounds
                if step.droppedForBudget > 0 { stop = .budget }
                report.merge(step.nonInvertibility)
                for (s, list) in step.outgoing { next[s, default: []] += list }
            }
            pending = next
            generation += 1
            if generation % 20 == 0 { log("manifold: generation \(generation), \(sheetsByRegion.count) regions, \(pushed) pushed") }
        }
        if stop == .complete && leftBounds > 0 { stop = .bounds }
        var sheets: [Sheet] = []
        for r in sheetsByRegion.keys.sorted() { sheets += sheetsByRegion[r]! }
        return Manifold(kind: options.kind, method: method, dimension: local.dimension, saddle: saddle, local: local,
                        bounds: options.bounds, sheets: sheets, points: samplePoints(sheets), stopReason: stop,
                        iterations: generation, pointsPushed: pushed, supportPointsPerSheet: supportCount,
                        nonInvertibility: report, seconds: CycleSearch.seconds(since: started))
    }

    /// The length of a polyline piece (its two support points).
    public static func length(of sheet: Sheet) -> Double { Vec.distance(sheet.supportPoints[0], sheet.supportPoints[1]) }

    /// Points on the manifold: segments sampled at the spacing; sheets' support points.
    /// `totalLength`: the length of the whole polyline when `sheets` is only part of it (the
    /// spacing grows with it); nil: the length of `sheets`.
    public func samplePoints(_ sheets: [Sheet], totalLength: Double? = nil) -> [[Double]] {
        var out: [[Double]] = []
        var spacing = options.sampleSpacing ?? options.bounds.diagonal / 2000
        if method == .polyline {
            // At most about 200 000 sample points in all (long folded manifolds of chaotic maps).
            let length = totalLength ?? sheets.reduce(0.0) { $0 + Self.length(of: $1) }
            spacing = max(spacing, length / 200_000)
        }
        for sheet in sheets {
            if method == .polyline {
                let a = sheet.supportPoints[0], b = sheet.supportPoints[1]
                let n = min(1000, max(1, Int((Vec.distance(a, b) / spacing).rounded(.up))))
                for i in 0...n { out.append(Vec.axpy(a, Double(i) / Double(n), Vec.sub(b, a))) }
            } else {
                out += sheet.supportPoints
            }
        }
        return out
    }
}
