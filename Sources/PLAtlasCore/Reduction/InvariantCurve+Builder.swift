import LinearAlgebra
import RealModule

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
