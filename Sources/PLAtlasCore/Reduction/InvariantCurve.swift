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

/// The construction of `InvariantCurve`: two branches from p, grown one step at a time.
struct CurveBuilder {
    struct Branch {
        /// +1 or -1: the side of p.
        var sign: Double
        var points: [[Double]]
        /// Signed chart coordinate of each vertex.
        var s: [Double]
        /// Signed chart coordinate of each vertex's image (NaN unknown).
        var f: [Double]
        /// Region of segment i (points[i] to points[i + 1]).
        var regions: [RegionCode]
        /// The first vertex of the newest piece.
        var frontier: Int
        var end: CurveEnd?
        /// Ended, and its last piece already used by its partner.
        var exhausted = false

        mutating func append(_ x: [Double], region: RegionCode, image: Double) {
            s.append(s.last! + sign * Vec.distance(x, points.last!))
            points.append(x)
            f.append(image)
            regions.append(region)
        }

        /// The length of the newest piece.
        var newestLength: Double { abs(s.last! - s[frontier]) }
    }

    let form: ShallowForm
    let options: CurveOptions
    let p: [Double]
    let lambda: Double
    var branches: [Branch] = []
    var branchPoints = 0
    var iterations = 0
    let tolerance: Double
    let solver: PreimageSolver?

    init(form: ShallowForm, options: CurveOptions, fixedPoint p: [Double], region: RegionCode, eigenvalue lambda: Double, direction v: [Double]) {
        self.form = form
        self.options = options
        self.p = p
        self.lambda = lambda
        let box = options.bounds
        tolerance = options.convergenceTolerance * (1 + box.diagonal)
        solver = abs(lambda) < 1 ? PreimageSolver(form: form, box: box) : nil
        // The local piece: p + t v inside p's region and the box, on each side.
        func reach(_ w: [Double]) -> Double {
            let u = form.preActivation(p), du = Vec.sub(form.preActivation(Vec.add(p, w)), u)
            var t = Double.infinity
            for k in 0..<form.hiddenCount where du[k] != 0 {
                let crossing = -u[k] / du[k]
                if crossing > 0 { t = min(t, crossing) }
            }
            for j in 0..<p.count where w[j] != 0 {
                t = min(t, w[j] > 0 ? (box.upper[j] - p[j]) / w[j] : (box.lower[j] - p[j]) / w[j])
            }
            return t
        }
        var radius = [reach(Vec.scale(v, -1)), reach(v)]
        if lambda < 0 { radius = [radius.min()!, radius.min()!] }
        let a = abs(lambda)
        for (k, sign) in [-1.0, 1.0].enumerated() {
            let r = radius[k]
            // Vertices p, the inner end of the fundamental piece and the end of the local piece:
            // images (|lambda| > 1): [r / |lambda|, r], F(r / |lambda|) = end of the branch F maps onto;
            // preimages (|lambda| < 1): [|lambda| r, r], F(end of the branch mapped onto it) = |lambda| r.
            let inner = a > 1 ? r / a : a * r
            let x1 = Vec.axpy(p, sign * inner, v), x2 = Vec.axpy(p, sign * r, v)
            let f = [0, lambda * sign * inner, a > 1 ? .nan : lambda * sign * r]
            branches.append(Branch(sign: sign, points: [p, x1, x2], s: [0, sign * inner, sign * r], f: f,
                                   regions: [region, region], frontier: 1))
        }
    }

    /// The branch that the newest piece of branch k maps onto (images) or comes from (preimages).
    func partner(_ k: Int) -> Int { lambda > 0 ? k : 1 - k }

    var vertexCount: Int { branches[0].points.count + branches[1].points.count }

    mutating func run() throws(ReductionError) {
        while branches.contains(where: { $0.end == nil }) {
            if iterations >= options.maxIterations {
                for k in 0..<2 where branches[k].end == nil { branches[k].end = .iterations }
                break
            }
            if vertexCount >= options.maxVertices {
                for k in 0..<2 where branches[k].end == nil { branches[k].end = .budget }
                break
            }
            iterations += 1
            if abs(lambda) > 1 { imageStep() } else { preimageStep() }
            for k in 0..<2 where branches[k].end == nil && branches[k].newestLength < tolerance { converge(k) }
        }
    }

    // MARK: Images

    /// Splits the newest piece of each growing branch at hyperplanes and appends its image to
    /// the partner branch (both computed from the state before the step).
    mutating func imageStep() {
        var updates: [(source: Int, target: Int, xs: [[Double]], ss: [Double], regions: [RegionCode])] = []
        for k in 0..<2 {
            let target = partner(k)
            guard branches[target].end == nil, takeNewestPiece(of: k, for: target) else { continue }
            let b = branches[k]
            var xs = [b.points[b.frontier]], ss = [b.s[b.frontier]], regions: [RegionCode] = []
            for i in b.frontier..<(b.points.count - 1) {
                let (a, c) = (b.points[i], b.points[i + 1])
                for t in crossings(a, c) + [1.0] {
                    let x = t == 1 ? c : Vec.axpy(a, t, Vec.sub(c, a))
                    regions.append(form.region(of: Vec.scale(Vec.add(xs.last!, x), 0.5)))
                    xs.append(x)
                    ss.append(t == 1 ? b.s[i + 1] : b.s[i] + t * (b.s[i + 1] - b.s[i]))
                }
            }
            updates.append((k, target, xs, ss, regions))
        }
        // Replace each source's newest piece by its split form (its first vertex keeps its known
        // image), then append the images to the targets.
        for u in updates {
            let first = branches[u.source].frontier
            let known = branches[u.source].f[first]
            branches[u.source].points.replaceSubrange(first..., with: u.xs)
            branches[u.source].s.replaceSubrange(first..., with: u.ss)
            branches[u.source].f.replaceSubrange(first..., with: [Double](repeating: .nan, count: u.xs.count))
            branches[u.source].f[first] = known
            branches[u.source].regions.replaceSubrange(first..., with: u.regions)
        }
        let box = options.bounds
        for u in updates {
            let images = u.xs.map { form($0) }
            let first = branches[u.source].frontier
            let newFrontier = branches[u.target].points.count - 1
            // images[0] is the target's end (continuity); the image of piece j is a straight
            // segment (F is affine on the piece).
            for j in 1..<images.count {
                let (y0, y1) = (branches[u.target].points.last!, images[j])
                let imageRegion = form.region(of: Vec.scale(Vec.add(y0, y1), 0.5))
                if box.contains(y1) {
                    branches[u.target].append(y1, region: imageRegion, image: .nan)
                    branches[u.source].f[first + j] = branches[u.target].s.last!
                    continue
                }
                // Cut at the box: the exit point, and its preimage on the source piece (the same
                // parameter, F being affine there) as a vertex whose image is the exit.
                if let (_, t1) = box.clip(y0, y1), t1 > 0 {
                    branches[u.target].append(Vec.axpy(y0, t1, Vec.sub(y1, y0)), region: imageRegion, image: .nan)
                    let exitS = branches[u.target].s.last!
                    let i = first + j
                    let (x0, x1) = (branches[u.source].points[i - 1], branches[u.source].points[i])
                    let cutS = branches[u.source].s[i - 1] + t1 * (branches[u.source].s[i] - branches[u.source].s[i - 1])
                    branches[u.source].points.insert(Vec.axpy(x0, t1, Vec.sub(x1, x0)), at: i)
                    branches[u.source].s.insert(cutS, at: i)
                    branches[u.source].f.insert(exitS, at: i)
                    branches[u.source].regions.insert(branches[u.source].regions[i - 1], at: i)
                }
                branches[u.target].end = .leftBounds
                break
            }
            branches[u.target].frontier = newFrontier + (u.source == u.target && branches[u.target].end != nil ? 1 : 0)
        }
    }

    /// Whether the newest piece of branch `source` is still to be used to grow `target`: once a
    /// branch has ended, its last piece is used once more (by its partner, when the branches
    /// swap), then the partner ends the same way.
    mutating func takeNewestPiece(of source: Int, for target: Int) -> Bool {
        guard let end = branches[source].end, source != target else { return true }
        if branches[source].exhausted {
            branches[target].end = end
            return false
        }
        branches[source].exhausted = true
        return true
    }

    /// Parameters t in (0, 1) where the segment a + t (c - a) crosses a hyperplane, increasing.
    func crossings(_ a: [Double], _ c: [Double]) -> [Double] {
        let ua = form.preActivation(a), uc = form.preActivation(c)
        var out: [Double] = []
        for k in 0..<form.hiddenCount where (ua[k] > 0) != (uc[k] > 0) {
            let t = ua[k] / (ua[k] - uc[k])
            if t > 1e-14 && t < 1 - 1e-14 { out.append(t) }
        }
        return out.sorted()
    }

    // MARK: Preimages

    /// Appends to each branch the preimage of its partner's newest piece that continues it.
    mutating func preimageStep() {
        let solver = solver!
        let old = branches
        let scale = 1 + options.bounds.diagonal
        for target in 0..<2 where branches[target].end == nil {
            guard takeNewestPiece(of: partner(target), for: target) else { continue }
            let source = old[partner(target)]
            var b = branches[target]
            let newFrontier = b.points.count - 1
            pieces: for i in source.frontier..<(source.points.count - 1) {
                let (y0, y1) = (source.points[i], source.points[i + 1])
                let (s0, s1) = (source.s[i], source.s[i + 1])
                let pieces = solver.segmentPreimages(from: y0, to: y1).pieces
                var t = 0.0
                while t < 1 - 1e-12 {
                    let c = b.points.last!
                    let next = pieces.filter {
                        abs($0.t0 - t) <= 1e-9 && $0.t1 > t + 1e-14 && Vec.distance($0.start, c) <= 1e-9 * scale
                    }
                    guard let piece = next.first else {
                        b.end = onBoundary(c) ? .leftBounds : .noContinuation
                        break pieces
                    }
                    if next.dropFirst().contains(where: { Vec.distance($0.end, piece.end) > 1e-9 * scale }) { branchPoints += 1 }
                    b.append(piece.end, region: piece.region, image: s0 + piece.t1 * (s1 - s0))
                    if piece.t1 < 1 - 1e-12 && onBoundary(piece.end) {
                        b.end = .leftBounds
                        break pieces
                    }
                    t = piece.t1
                }
            }
            b.frontier = newFrontier
            branches[target] = b
        }
    }

    func onBoundary(_ x: [Double]) -> Bool {
        let box = options.bounds, tol = 1e-9 * (1 + box.diagonal)
        return x.indices.contains { abs(x[$0] - box.lower[$0]) <= tol || abs(x[$0] - box.upper[$0]) <= tol }
    }

    // MARK: Convergence

    /// Ends branch k, whose newest piece is shorter than the tolerance: in the fixed point of
    /// its region when there is one (appended, with the last images placed on the final segment).
    mutating func converge(_ k: Int) {
        var b = branches[k]
        let end = b.points.last!
        let d = form.region(of: end)
        // With lambda < 0 the branches swap: what they converge to is not a fixed point.
        guard lambda > 0, let z = admissibleFixedPoint(d), Vec.distance(z, end) <= 1e3 * tolerance + 1e-6 * b.newestLength else {
            b.end = .converged
            branches[k] = b
            return
        }
        let last = b.points.count - 1
        b.append(z, region: d, image: .nan)
        b.f[b.f.count - 1] = b.s.last!
        // The newest piece's images (unknown for images, known for preimages): on [end, z].
        for i in b.frontier...last where !b.f[i].isFinite {
            b.f[i] = b.s.last! - b.sign * Vec.distance(form(b.points[i]), z)
        }
        b.end = .fixedPoint(z)
        branches[k] = b
    }

    /// The fixed point of region d's affine piece, if it lies in d.
    func admissibleFixedPoint(_ d: RegionCode) -> [Double]? {
        let m = form.dimension
        let system = Matrix.identity(m) - form.jacobian(d)
        guard let z = try? solve(system, form.offset(d)), z.allSatisfy(\.isFinite) else { return nil }
        let u = form.preActivation(z), tol = 1e-9 * (1 + Vec.norm(z))
        for k in 0..<form.hiddenCount where d[k] ? u[k] < -tol : u[k] > tol { return nil }
        return z
    }
}
