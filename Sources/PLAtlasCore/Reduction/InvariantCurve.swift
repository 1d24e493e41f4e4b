import LinearAlgebra
import RealModule

/// How one branch of an invariant curve ended.
public enum CurveEnd: Sendable, Equatable {
    /// The branch converged to this fixed point of F (the last vertex; for an unstable
    /// manifold an attractor, for a slow SSM continued backward a repeller such as a saddle).
    case fixedPoint([Double])
    /// The newest piece shrank below the tolerance, with no fixed point in its region.
    case converged
    /// The branch reached the bounds (cut there).
    case leftBounds
    /// Preimages: the newest piece has no preimage that continues the curve (the map folds the
    /// curve back there, or the piece lies outside F's range).
    case noContinuation
    /// `CurveOptions.maxIterations` steps were taken.
    case iterations
    /// `CurveOptions.maxVertices` vertices were made.
    case budget

    /// A short name for output.
    public var name: String {
        switch self {
        case .fixedPoint: "fixed-point"
        case .converged: "converged"
        case .leftBounds: "bounds"
        case .noContinuation: "no-continuation"
        case .iterations: "iterations"
        case .budget: "budget"
        }
    }
}

/// Settings of an invariant curve.
public struct CurveOptions: Sendable {
    /// The curve is computed in this box (branches are cut where they leave it; preimages are
    /// searched in it).
    public var bounds: Box
    /// At most this many steps (images or preimages of the newest piece) per branch.
    public var maxIterations = 100_000
    /// At most this many vertices in all.
    public var maxVertices = 1_000_000
    /// A branch whose newest piece is shorter than this times (1 + the box diagonal) has converged.
    public var convergenceTolerance = 1e-12

    public init(bounds: Box) { self.bounds = bounds }
}

/// A 1D invariant curve through a fixed point p, tangent to a real eigenvector v of J at p
/// (eigenvalue lambda): the 1D slow SSM of a stable fixed point (|lambda| < 1), or the 1D
/// unstable manifold of a saddle (|lambda| > 1; the slow manifold of a decision network, joining
/// the two choice attractors). Exact for a piecewise-affine map (docs/reduce.md):
///
/// - the local piece is the segment of p + R v inside p's region (and the box); it is
///   invariant, F acting on it as s -> lambda s;
/// - |lambda| > 1: the curve grows forward: the image of the newest piece, split exactly where
///   it crosses hyperplanes, is the next piece (F is affine between crossings);
/// - |lambda| < 1: the curve grows backward: the next piece is the preimage of the newest one
///   that continues the curve, found exactly per region (`PreimageSolver.segmentPreimages`)
///   and chained piece by piece from the current end. Other preimage branches (a
///   non-invertible map) are further pieces of the SSM as a set but not of this chart:
///   `branchPoints` counts where the continuation itself could go two ways (the first in region
///   order is taken). The whole set is what the manifold machinery builds from
///   `SpectralSubspace` (kind `.stable` continuation).
///
/// For lambda < 0 the two branches swap under F and grow in lock step.
///
/// **Chart.** Vertices are ordered along the curve; `s` is the signed arc length from p (0 at
/// p, negative on the branch along -v), and `images[i]` is the chart coordinate of F(points[i])
/// (NaN where the image lies beyond the computed curve). Every region crossing is a vertex, so
/// the reduced map f, linear between vertices, is exactly F restricted to the curve:
/// F(x(s)) = x(f(s)). A branch that converges to a fixed point z* ends in z* (the remaining
/// piece, shorter than the tolerance, is replaced by the segment to z*, and the images of the
/// last vertices are placed on it by their distance to z*).
public struct InvariantCurve: Sendable {
    public var fixedPoint: [Double]
    public var region: RegionCode
    public var eigenvalue: Double
    /// Unit eigenvector (largest component positive): the direction of s > 0 at p.
    public var direction: [Double]
    /// `.stable`: continued backward (preimages); `.unstable`: forward (images).
    public var continuation: ManifoldKind
    public var points: [[Double]]
    public var s: [Double]
    public var images: [Double]
    /// The region of the segment from points[i] to points[i + 1].
    public var segmentRegions: [RegionCode]
    /// How the branch along -v and the branch along +v ended.
    public var ends: [CurveEnd]
    public var branchPoints: Int
    /// Steps taken (the larger of the two branches).
    public var iterations: Int

    /// The index of p in `points`.
    public var fixedPointIndex: Int { s.firstIndex(of: 0)! }

    /// The length of the curve.
    public var extent: Double { s.last! - s.first! }

    /// x(s) on the curve, or nil outside it.
    public func point(at t: Double) -> [Double]? {
        guard t >= s.first! && t <= s.last! else { return nil }
        var lo = 0, hi = s.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if s[mid] <= t { lo = mid } else { hi = mid }
        }
        if hi == lo { return points[lo] }
        let u = (t - s[lo]) / (s[hi] - s[lo])
        return Vec.axpy(points[lo], u, Vec.sub(points[hi], points[lo]))
    }

    /// The reduced map on the part of the curve whose images are known (the run of vertices
    /// around p with finite `images`).
    public var reducedMap: PiecewiseLinearMap {
        let i0 = fixedPointIndex
        var lo = i0, hi = i0
        while lo > 0 && images[lo - 1].isFinite { lo -= 1 }
        while hi < s.count - 1 && images[hi + 1].isFinite { hi += 1 }
        return PiecewiseLinearMap(s: Array(s[lo...hi]), f: Array(images[lo...hi]))
    }

    /// The curve of a one-dimensional `SpectralSubspace` of a fixed point (the 1D slow SSM).
    ///
    /// - Throws: `ReductionError.notRealOneDimensional` unless d = 1, the object is a fixed point
    ///   and its slow eigenvalue is real with 0 < |lambda| != 1; `.outsideBounds`.
    public init(subspace: SpectralSubspace, form: ShallowForm, options: CurveOptions) throws(ReductionError) {
        guard subspace.dimension == 1, subspace.cycle.order == 1 else {
            throw .notRealOneDimensional("the invariant curve needs d = 1 at a fixed point (for a cycle, the reduced model is the local one)")
        }
        let lambda = subspace.slowEigenvalues[0]
        guard lambda.imaginary == 0, lambda.real != 0, abs(lambda.real) != 1 else {
            throw .notRealOneDimensional("the slow eigenvalue \(lambda.real)\(lambda.imaginary == 0 ? "" : " + \(lambda.imaginary)i") is not real with 0 < |lambda| != 1")
        }
        try self.init(point: subspace.cycle.points[0], region: subspace.cycle.regions[0], eigenvalue: lambda.real,
                      direction: subspace.bases[0][0], form: form, options: options)
    }

    /// The 1D unstable manifold of a saddle fixed point with one unstable eigenvalue (real), both
    /// branches: in a decision network, the slow line joining the choice attractors.
    ///
    /// - Throws: `ReductionError.notRealOneDimensional` unless the object is a fixed point with
    ///   exactly one eigenvalue outside the unit circle, real; `.outsideBounds`.
    public init(unstableManifoldOf saddle: Cycle, form: ShallowForm, options: CurveOptions) throws(ReductionError) {
        guard saddle.order == 1, saddle.unstableDimension == 1 else {
            throw .notRealOneDimensional("the unstable curve needs a fixed point with one unstable eigenvalue (this object has order \(saddle.order) and \(saddle.unstableDimension))")
        }
        guard let (values, vectors) = try? eigenDecomposition(form.jacobian(saddle.regions[0])) else { throw .eigenFailure }
        let i = values.indices.max { values[$0].length < values[$1].length }!
        guard values[i].imaginary == 0 else { throw .notRealOneDimensional("the unstable eigenvalue is not real") }
        try self.init(point: saddle.points[0], region: saddle.regions[0], eigenvalue: values[i].real,
                      direction: SpectralSubspace.oriented(Vec.normalized(vectors[i].map(\.real))), form: form, options: options)
    }

    init(point p: [Double], region: RegionCode, eigenvalue lambda: Double, direction: [Double], form: ShallowForm,
         options: CurveOptions) throws(ReductionError) {
        guard options.bounds.contains(p) else { throw .outsideBounds }
        var builder = CurveBuilder(form: form, options: options, fixedPoint: p, region: region, eigenvalue: lambda, direction: direction)
        try builder.run()
        fixedPoint = p
        self.region = region
        eigenvalue = lambda
        self.direction = direction
        continuation = abs(lambda) > 1 ? .unstable : .stable
        let (minus, plus) = (builder.branches[0], builder.branches[1])
        // Assemble: the minus branch reversed (without p), then the plus branch; drop vertices
        // that do not advance the chart (a fixed point reached exactly).
        var points: [[Double]] = [], s: [Double] = [], images: [Double] = [], regions: [RegionCode] = []
        for i in stride(from: minus.points.count - 1, through: 1, by: -1) {
            points.append(minus.points[i]); s.append(minus.s[i]); images.append(minus.f[i])
            regions.append(minus.regions[i - 1])
        }
        for i in 0..<plus.points.count {
            points.append(plus.points[i]); s.append(plus.s[i]); images.append(plus.f[i])
            if i < plus.regions.count { regions.append(plus.regions[i]) }
        }
        var keep = [0]
        for i in 1..<s.count where s[i] > s[keep.last!] { keep.append(i) }
        self.points = keep.map { points[$0] }
        self.s = keep.map { s[$0] }
        self.images = keep.map { images[$0] }
        self.segmentRegions = zip(keep, keep.dropFirst()).map { regions[$0.1 - 1] }
        ends = [minus.end ?? .iterations, plus.end ?? .iterations]
        branchPoints = builder.branchPoints
        iterations = builder.iterations
    }
}
