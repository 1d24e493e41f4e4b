import LinearAlgebra

/// Builds a stable or unstable manifold region by region.
///
/// The unit of work is `process(region:arrivals:)`: the support points (or segments) that
/// arrived in one region are turned into sheets of that region and pushed one step further
/// (F for unstable; every preimage, F^-1, for stable), the results bucketed by the region they
/// land in. Only the state of that one region is read or written, so regions can be owned by
/// different ranks; `ManifoldConstruction` (ManifoldConstruction.swift) runs the rounds, on one
/// process or over ranks. Polylines: ManifoldBuilder+Polyline.swift; sheets:
/// ManifoldBuilder+Sheets.swift.
public struct ManifoldBuilder {
    public let form: ShallowForm
    public let saddle: Cycle
    public let local: LocalManifold
    public let options: ManifoldOptions
    public let method: ManifoldMethod
    /// N_s: the fewest support points of a new sheet.
    public let supportCount: Int
    /// Points sampled on each local piece (sheets method).
    public let localCount: Int
    /// Support points per chart box whose candidate regions are searched together.
    let groupSize = 64
    public let minimumLength: Double
    /// The exact local pieces.
    public let piece: LocalPiece
    /// Polylines: whether the local segments are the exact local pieces (weak growth per period)
    /// rather than fundamental segments.
    public let exactLocalSegments: Bool
    let inverse: InverseMap
    let solver: PreimageSolver
    /// Whether every point has exactly one preimage: det J_d has one sign over every region
    /// (checked exhaustively; a coherently oriented continuous piecewise-affine map is a
    /// homeomorphism). Then the first consistent preimage the region-wise heuristic finds is
    /// the only one, and the exact search runs only where the heuristic finds none.
    public let invertible: Bool
    let maps: RegionMaps
    public let chain: SheetChain
    /// The sheets of every region processed by this builder (under MPI: the regions its rank
    /// owns; see ManifoldBuilder+Ownership.swift).
    public internal(set) var sheetsByRegion: [RegionCode: [Sheet]] = [:]

    /// A polyline whose growth factor per period is below this starts from its exact local
    /// segments (a fundamental segment would need thousands of generations to cross the region).
    public static let weakGrowth = 1.1

    public init(form: ShallowForm, saddle: Cycle, options: ManifoldOptions) throws(ManifoldError) {
        guard saddle.points.allSatisfy({ options.bounds.contains($0) }) else { throw .saddleOutsideBounds }
        try self.init(form: form, saddle: saddle, local: try LocalManifold(cycle: saddle, form: form, kind: options.kind), options: options)
    }

    /// The builder of the manifold grown from `local` (the local subspaces at the points of
    /// `saddle`, which may be any fixed point or cycle: a slow spectral submanifold of a stable
    /// point is grown from its slow subspace, `LocalManifold(slow:form:)`). `options.kind` must
    /// be `local.kind`.
    public init(form: ShallowForm, saddle: Cycle, local: LocalManifold, options: ManifoldOptions) throws(ManifoldError) {
        precondition(local.kind == options.kind, "the local manifold is \(local.kind), the options ask for \(options.kind)")
        self.form = form
        self.saddle = saddle
        self.options = options
        guard saddle.points.allSatisfy({ options.bounds.contains($0) }) else { throw .saddleOutsideBounds }
        self.local = local
        let d = local.dimension
        var method = options.method ?? (d == 1 ? .polyline : .sheets)
        if d != 1 { method = .sheets }
        self.method = method
        let neighbours = max(2, min(form.hiddenCount, 2 * form.dimension))
        _ = neighbours
        self.supportCount = max(1, options.supportPoints ?? 1)
        self.localCount = max(options.localPoints ?? 20_000, d + 1)
        try Self.checkSize(supportPoints: max(supportCount, localCount), dimension: form.dimension)
        self.minimumLength = options.minimumLength ?? 1e-7 * options.bounds.diagonal
        self.inverse = InverseMap(form: form)
        // Preimages are searched in the box grown by half its size on every side, so that those
        // just outside count as leaving it.
        self.solver = PreimageSolver(form: form, box: options.bounds.grown(by: 0.5))
        if options.kind == .stable && !options.singleBranch {
            let signs = form.determinantSigns(exhaustiveLimit: 1 << 14, samples: 0)
            invertible = signs.exhaustive && signs.hasOneSign
        } else {
            invertible = false
        }
        self.maps = RegionMaps(form: form)
        let piece = LocalPiece(local: local, form: form, box: options.bounds)
        self.piece = piece
        self.chain = SheetChain(form: form, local: piece, box: options.bounds, maps: maps)
        if method == .polyline, let lambda = local.eigenvalue1D {
            let growth = abs(options.kind == .unstable ? lambda : 1 / lambda)
            let span = lambda > 0 ? growth : growth * growth
            exactLocalSegments = span < Self.weakGrowth
        } else {
            exactLocalSegments = false
        }
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
        method == .polyline ? initialSegments() : initialSheets()
    }

    /// The sheets method's first arrivals: `localCount` points of each exact local piece (and
    /// the cycle point), a third spread uniformly, a third over every scale around the cycle
    /// point, a third on orbits leaving it; made into the local sheets by `process`.
    mutating func initialSheets() -> [RegionCode: [Arrival]] {
        var out: [RegionCode: [Arrival]] = [:]
        var rng = SeededGenerator(seed: options.seed, stream: 0x10CA1)
        for i in 0..<saddle.order {
            let third = localCount / 3
            let points = [saddle.points[i]] + piece.sample(localCount - 2 * third, at: i, rng: &rng)
                + piece.sampleAroundCentre(third, at: i, rng: &rng) + piece.sampleAlongOrbits(third, at: i, rng: &rng)
            out[saddle.regions[i], default: []].append(
                Arrival(points: points, basis: local.bases[i], normal: local.normals?[i], generation: 0, source: nil, ancestors: [], cyclePoint: i))
        }
        return out
    }

    // MARK: The work unit

    /// Turns the arrivals in `region` into sheets there and pushes them one step on.
    public mutating func process(region: RegionCode, arrivals: [Arrival]) -> RegionStep {
        method == .polyline ? processSegments(region: region, arrivals: arrivals) : processSheets(region: region, arrivals: arrivals)
    }

    func affineImage(_ x: [Double], _ j: Matrix, _ c: [Double]) -> [Double] { Vec.add(j * x, c) }

    func stream(_ r: RegionCode, _ generation: Int) -> UInt64 {
        var h: UInt64 = 0xC0FFEE &+ UInt64(generation) &* 0x9E37_79B9_7F4A_7C15
        for w in r.words { h = (h ^ w) &* 0x100_0000_01B3 }
        return h
    }

    /// The sheets of the region, made so far.
    public func sheets(of region: RegionCode) -> [Sheet] { sheetsByRegion[region] ?? [] }

    // MARK: Results

    /// The manifold from the sheets held and a run's figures.
    public func manifold(stopReason: StopReason, iterations: Int, pushed: Int, leftBounds: Int, report: NonInvertibilityReport,
                         seconds: Double) -> Manifold {
        let sheets = heldSheets
        return Manifold(kind: options.kind, method: method, dimension: local.dimension, saddle: saddle, local: local,
                        bounds: options.bounds, sheets: sheets, points: samplePoints(sheets), stopReason: stopReason,
                        iterations: iterations, pointsPushed: pushed, leftBounds: leftBounds, supportPointsPerSheet: supportCount,
                        nonInvertibility: report, allBranches: !options.singleBranch || options.kind == .unstable, seconds: seconds)
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

    /// Every preimage of x in the (grown) box: the heuristic's for an invertible map, else the
    /// exact search's.
    func preimages(of x: [Double], hint: RegionCode) -> PreimageSolver.Result {
        if invertible {
            let pre = inverse.preimage(x, hints: [hint])
            if pre.outcome == .unique, let p = pre.point, let r = pre.region { return PreimageSolver.Result(points: [(p, r)], folds: []) }
        }
        return solver.preimages(of: x)
    }

    /// Whether x lies on the manifold built so far: on a sheet of its region (held by this
    /// builder) within `tolerance` of its flat (polylines: of its segment).
    public func lies(_ x: [Double], region: RegionCode, tolerance: Double) -> Bool {
        for sheet in sheetsByRegion[region] ?? [] {
            if method == .polyline {
                let a = sheet.supportPoints[0], b = sheet.supportPoints[1]
                let ab = Vec.sub(b, a)
                let t = max(0, min(1, Vec.dot(Vec.sub(x, a), ab) / max(Vec.dot(ab, ab), 1e-300)))
                if Vec.distance(Vec.axpy(a, t, ab), x) <= tolerance { return true }
                continue
            }
            guard ManifoldBuilder.offFlat([x], origin: sheet.origin, basis: sheet.basis) <= tolerance else { continue }
            if chain.contains(x, sheet: sheet) { return true }
        }
        return false
    }

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
}
