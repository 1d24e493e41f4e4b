import LinearAlgebra

/// How a manifold is represented.
public enum ManifoldMethod: String, Sendable, CaseIterable, Codable {
    /// 1-dimensional manifolds only: exact images (or preimages) of segments, clipped at
    /// region boundaries; every piece is a segment of the true manifold.
    case polyline
    /// Any dimension: flat pieces per region, each the exact image or preimage of its parent
    /// piece inside one region (science.md section 3), sampled by support points.
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
    /// N_s, the fewest support points a new sheet gets (arrivals are topped up to it by
    /// sampling inside the sheet); nil: k_neigh * d, with k_neigh the number of hyperplanes (at
    /// most 2M) as the count of neighbouring regions.
    public var supportPoints: Int?
    /// Points sampled on each local piece; nil: 4 N_s, at least 400.
    public var localPoints: Int?
    /// Seed of every random choice; region r in generation g uses a stream derived from both.
    public var seed: UInt64 = 0
    /// Stop after pushing this many points (sheets) or segments (polyline) in total.
    public var budget = 400_000
    /// At most this many sheets per region (sheets method).
    public var maxSheetsPerRegion = 4096
    /// Stable manifolds: follow one preimage (the one the region-wise inverse heuristic finds
    /// first) instead of every preimage; seed 003's construction, for invertible models.
    public var singleBranch = false
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

/// Names a sheet: its region and its place among the region's sheets in the order they were
/// made (the same for any number of ranks).
public struct SheetID: Sendable, Hashable, Comparable {
    public var region: RegionCode
    public var ordinal: Int

    public init(region: RegionCode, ordinal: Int) {
        self.region = region
        self.ordinal = ordinal
    }

    public static func < (lhs: SheetID, rhs: SheetID) -> Bool { (lhs.region, lhs.ordinal) < (rhs.region, rhs.ordinal) }
}

/// One flat piece of a manifold inside one region: origin + span(basis), anchored by its
/// support points (exact points of the piece).
///
/// **Extent (sheets method).** A sheet is exactly the part of its flat, region and box whose
/// step towards the saddle (F for a stable manifold, the inverse of F on the parent's region
/// for an unstable one) lies on the parent sheet; a local piece (generation 0) is the part of
/// the saddle's flat whose orbit stays in the cycle's regions and the box (`LocalPiece`). So a
/// sheet is a convex polytope of its flat and every point of it lies on the manifold.
/// `ancestors` lists the regions of the parent, grandparent, ... down to the local piece's
/// region, which is what membership and chords need (`SheetChain`).
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
    /// Its place among the sheets of its region.
    public var ordinal: Int
    /// The sheet it was made from (nil for a local piece).
    public var parent: SheetID?
    /// Regions of the parent, grandparent, ..., ending with the local piece's region (empty for
    /// a local piece); sheets method only.
    public var ancestors: [RegionCode]
    /// The cycle point whose local piece the chain ends in.
    public var cyclePoint: Int

    public init(region: RegionCode, origin: [Double], basis: [[Double]], supportPoints: [[Double]], normal: [Double]?, generation: Int,
                ordinal: Int = 0, parent: SheetID? = nil, ancestors: [RegionCode] = [], cyclePoint: Int = 0) {
        self.region = region
        self.origin = origin
        self.basis = basis
        self.supportPoints = supportPoints
        self.normal = normal
        self.generation = generation
        self.ordinal = ordinal
        self.parent = parent
        self.ancestors = ancestors
        self.cyclePoint = cyclePoint
    }

    public var id: SheetID { SheetID(region: region, ordinal: ordinal) }
}

/// A group of support points arriving in one region from one sheet (the work unit): the
/// images or preimages of points of one flat piece under one affine map, so they lie on one
/// flat. In the polyline method the two points are the ends of a segment inside the region.
public struct Arrival: Sendable {
    public var points: [[Double]]
    /// The image of the source sheet's basis (exact; orthonormalized).
    public var basis: [[Double]]
    public var normal: [Double]?
    public var generation: Int
    /// The sheet the points came from (nil: the local piece itself).
    public var source: SheetID?
    /// The ancestors of the sheet these points make (its parent's region first).
    public var ancestors: [RegionCode]
    public var cyclePoint: Int

    public init(points: [[Double]], basis: [[Double]], normal: [Double]?, generation: Int, source: SheetID? = nil,
                ancestors: [RegionCode] = [], cyclePoint: Int = 0) {
        self.points = points
        self.basis = basis
        self.normal = normal
        self.generation = generation
        self.source = source
        self.ancestors = ancestors
        self.cyclePoint = cyclePoint
    }
}

/// How the backward steps branched (stable manifolds): support points (segments) by their
/// number of preimages in the box, folds, and the first few places where a point had no or
/// several preimages. For a non-invertible map several preimages are expected (every branch is
/// followed) and none means the branch leaves the box or the map's range.
public struct NonInvertibilityReport: Sendable, Equatable {
    /// Single branch: support points (or segment ends) for which the heuristic found no
    /// consistent preimage. (With every branch, points without a preimage near the box are
    /// counted in `preimageCounts[0]`: their branch ends there.)
    public var noPreimage = 0
    /// Support points with several distinct preimages.
    public var severalPreimages = 0
    /// Points or segments meeting a region whose Jacobian is singular (a fold: the preimage
    /// set there is a flat).
    public var singular = 0
    /// Segments whose preimage folded back at a region boundary (single-branch polylines).
    public var folds = 0
    /// Support points (segments) with 0, 1, 2 and 3 or more preimages.
    public var preimageCounts = [0, 0, 0, 0]
    public var examples: [(region: RegionCode, point: [Double], problem: String)] = []

    public init() {}

    public var affected: Int { noPreimage + severalPreimages + singular + folds }

    /// At most this many examples are kept (the first ones in processing order).
    public static let exampleLimit = 8

    mutating func record(_ region: RegionCode, _ point: [Double], _ problem: String) {
        if examples.count < Self.exampleLimit { examples.append((region, point, problem)) }
    }

    /// Counts one point with `count` preimages.
    mutating func count(_ count: Int) {
        preimageCounts[min(count, 3)] += 1
        if count >= 2 { severalPreimages += 1 }
    }

    public mutating func merge(_ other: NonInvertibilityReport) {
        noPreimage += other.noPreimage
        severalPreimages += other.severalPreimages
        singular += other.singular
        folds += other.folds
        for i in 0..<4 { preimageCounts[i] += other.preimageCounts[i] }
        for e in other.examples where examples.count < Self.exampleLimit { examples.append(e) }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.noPreimage == rhs.noPreimage && lhs.severalPreimages == rhs.severalPreimages && lhs.singular == rhs.singular
            && lhs.folds == rhs.folds && lhs.preimageCounts == rhs.preimageCounts
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

    /// Whether the manifold was cut short (by a limit, not by the box).
    public var truncated: Bool { self == .iterations || self == .budget }
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
    /// Sheets sorted by region (then ordinal).
    public var sheets: [Sheet]
    /// Points on the manifold (the polyline sampled at `sampleSpacing`, or the support points).
    public var points: [[Double]]
    public var stopReason: StopReason
    public var iterations: Int
    public var pointsPushed: Int
    /// Points or segments that left the box.
    public var leftBounds: Int
    public var supportPointsPerSheet: Int
    public var nonInvertibility: NonInvertibilityReport
    /// Whether every preimage was followed (false: `ManifoldOptions.singleBranch`).
    public var allBranches: Bool
    public var seconds: Double

    public var regions: [RegionCode] { Array(Set(sheets.map(\.region))).sorted() }

    public init(kind: ManifoldKind, method: ManifoldMethod, dimension: Int, saddle: Cycle, local: LocalManifold, bounds: Box,
                sheets: [Sheet], points: [[Double]], stopReason: StopReason, iterations: Int, pointsPushed: Int, leftBounds: Int = 0,
                supportPointsPerSheet: Int, nonInvertibility: NonInvertibilityReport, allBranches: Bool = true, seconds: Double) {
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
        self.leftBounds = leftBounds
        self.supportPointsPerSheet = supportPointsPerSheet
        self.nonInvertibility = nonInvertibility
        self.allBranches = allBranches
        self.seconds = seconds
    }

    /// The row of each sheet's parent in `sheets` (-1 for local pieces); `sheets` must be the
    /// whole manifold in region-then-ordinal order.
    public static func parentRows(_ sheets: [Sheet]) -> [Int] {
        var row: [SheetID: Int] = [:]
        for (i, s) in sheets.enumerated() { row[s.id] = i }
        return sheets.map { s in s.parent.flatMap { row[$0] } ?? -1 }
    }
}
