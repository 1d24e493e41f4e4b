import RealModule

/// Settings of the quality statistic Delta_sigma.
public struct DeltaSigmaOptions: Sendable {
    /// U is the union of balls of radius `neighbourhoodFraction * R` around the cycle points,
    /// R the largest distance of a manifold point from the cycle.
    public var neighbourhoodFraction = 0.25
    /// Random points drawn uniformly in U.
    public var randomSamples = 1000
    /// At most this many manifold points in U (evenly spaced through the list of points).
    public var manifoldSamples = 1000
    /// Iterations k = 0..maxSteps in the minimum.
    public var maxSteps = 400
    /// The quantile of delta over the manifold points that random points are compared with
    /// (seed 003 uses the largest, `delta_sigma_strict`; one outlying manifold point then
    /// decides the statistic).
    public var quantile = 0.95
    public var seed: UInt64 = 0

    public init() {}
}

/// Delta_sigma (science.md section 3), with what it was computed from.
///
///     delta(x0) = min_{k >= 0} ||F^{+-k}(x0) - p||^2 / ||x0 - p||^2
///     Delta     = mean_{x0 random in U} 1[delta(x0) > delta_q] - median_{x0 on the manifold in U} delta(x0)
///
/// forward iteration (+) for a stable manifold, backward (-, by the region-wise inverse) for an
/// unstable one; ||x - p|| is the distance to the nearest point of the cycle. delta_q is the
/// `quantile` (0.95) of delta over the manifold points in U: robust to a few manifold points
/// whose orbits do not confirm them (rounding grows along long chains). Seed 003's statistic,
/// with delta_max, the largest delta, in place of delta_q, is kept as `strict`.
public struct DeltaSigma: Sendable, Equatable {
    /// Delta_sigma with delta_q.
    public var value: Double
    /// Seed 003's Delta_sigma, with delta_max.
    public var strict: Double
    public var quantile: Double
    public var deltaQuantile: Double
    /// The radius of the balls that make U (a ball of 1e-6 times it around each point is left out).
    public var radius: Double
    public var randomSamples: Int
    public var manifoldSamples: Int
    public var deltaMax: Double
    public var medianManifoldDelta: Double
    /// The fraction of random points with delta > delta_q.
    public var fractionAbove: Double
    public var maxSteps: Int
    /// Backward steps without a consistent preimage (unstable manifolds of non-invertible maps).
    public var failedInverseSteps: Int

    /// Computes Delta_sigma of a manifold; nil when no manifold point lies in U.
    public static func compute(_ manifold: Manifold, form: ShallowForm, options: DeltaSigmaOptions = DeltaSigmaOptions()) -> DeltaSigma? {
        let cycle = manifold.saddle.points
        let far = manifold.points.map { distance($0, toCycle: cycle) }.max() ?? 0
        guard far > 0 else { return nil }
        let inside = manifold.points.filter { isInside($0, cycle: cycle, far: far, options: options) }
        return try? compute(saddle: manifold.saddle, kind: manifold.kind, form: form, far: far, inside: inside, options: options,
                            sharing: SerialCollective())
    }

    /// The distance from x to the nearest point of the cycle.
    public static func distance(_ x: [Double], toCycle cycle: [[Double]]) -> Double { cycle.map { Vec.distance($0, x) }.min()! }

    /// Whether a manifold point lies in U (the balls of radius `neighbourhoodFraction * far`
    /// around the cycle points, without the small ball around each); `far` is the largest
    /// distance of a manifold point from the cycle.
    public static func isInside(_ x: [Double], cycle: [[Double]], far: Double, options: DeltaSigmaOptions) -> Bool {
        let radius = options.neighbourhoodFraction * far
        let d = distance(x, toCycle: cycle)
        return d > 1e-6 * radius && d <= radius
    }

    /// Delta_sigma from the manifold points in U (`inside`, in the manifold's point order) and
    /// `far`; the evaluations of delta (the costly part) are shared out by `sharing`. The same
    /// answer for any sharing. nil when `inside` is empty.
    public static func compute(saddle: Cycle, kind: ManifoldKind, form: ShallowForm, far: Double, inside: [[Double]],
                               options: DeltaSigmaOptions, sharing: some Collective) throws -> DeltaSigma? {
        let cycle = saddle.points
        guard far > 0, !inside.isEmpty else { return nil }
        let radius = options.neighbourhoodFraction * far
        let inverse = InverseMap(form: form)
        /// delta(x0) and the number of failed backward steps (0 or 1).
        func delta(_ x0: [Double]) -> [Double] {
            let d0 = distance(x0, toCycle: cycle)
            guard d0 > 0 else { return [0, 0] }
            var best = 1.0
            var x = x0
            for _ in 0..<options.maxSteps {
                if kind == .stable {
                    x = form(x)
                } else {
                    let pre = inverse.preimage(x)
                    guard let p = pre.point else { return [best, 1] }
                    x = p
                }
                let d = distance(x, toCycle: cycle)
                guard d.isFinite else { break }
                best = min(best, (d * d) / (d0 * d0))
                if d > 1e6 * (1 + d0) { break }
            }
            return [best, 0]
        }
        // U without a ball of radius 1e-6 * radius around the cycle points: at the saddle itself the
        // ratio is 0/0 and rounding decides it.
        let hole = 1e-6 * radius
        var chosen: [[Double]] = []
        if inside.count <= options.manifoldSamples {
            chosen = inside
        } else {
            for i in 0..<options.manifoldSamples { chosen.append(inside[i * inside.count / options.manifoldSamples]) }
        }
        var rng = SeededGenerator(seed: options.seed, stream: 0xDE17A)
        let m = form.dimension
        var random: [[Double]] = []
        for _ in 0..<options.randomSamples {
            let centre = cycle[Int(rng.next() % UInt64(cycle.count))]
            var v = (0..<m).map { _ in rng.normal() }
            let r = radius * Double.pow(rng.uniform(), 1 / Double(m))
            v = Vec.scale(v, r / max(Vec.norm(v), 1e-300))
            if r <= hole { continue }
            random.append(Vec.add(centre, v))
        }
        let all = chosen + random
        let evaluated = try sharing.map(count: all.count) { delta(all[$0]) }
        let manifoldDeltas = evaluated[..<chosen.count].map { $0[0] }.sorted()
        let failed = evaluated.reduce(0) { $0 + Int($1[1]) }
        let deltaMax = manifoldDeltas.last!
        let n = manifoldDeltas.count
        let median = n % 2 == 1 ? manifoldDeltas[n / 2] : 0.5 * (manifoldDeltas[n / 2 - 1] + manifoldDeltas[n / 2])
        // The q-quantile: the smallest delta with at least q n manifold deltas at or below it.
        let deltaQuantile = manifoldDeltas[max(0, min(n - 1, Int((options.quantile * Double(n)).rounded(.up)) - 1))]
        let randomDeltas = evaluated[chosen.count...].map { $0[0] }
        let samples = Double(max(options.randomSamples, 1))
        let fraction = Double(randomDeltas.filter { $0 > deltaQuantile }.count) / samples
        let strictFraction = Double(randomDeltas.filter { $0 > deltaMax }.count) / samples
        return DeltaSigma(value: fraction - median, strict: strictFraction - median, quantile: options.quantile, deltaQuantile: deltaQuantile,
                          radius: radius, randomSamples: options.randomSamples, manifoldSamples: n, deltaMax: deltaMax,
                          medianManifoldDelta: median, fractionAbove: fraction, maxSteps: options.maxSteps, failedInverseSteps: failed)
    }
}
