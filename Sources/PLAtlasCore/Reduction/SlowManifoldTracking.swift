/// The 1D slow manifold at one parameter value: which object it goes through and its reduced map.
public struct TrackedSlowManifold: Sendable, Equatable {
    public enum Source: Int, Sendable, Codable {
        /// No fixed point to reduce around (or the reduction failed).
        case none = 0
        /// The 1D unstable manifold of a saddle (a decision network's line between two choices).
        case saddle = 1
        /// The 1D slow SSM of a stable fixed point.
        case stablePoint = 2
    }

    public var parameter: Double
    public var source: Source
    /// The fixed point it goes through (empty for `.none`).
    public var object: [Double]
    /// The eigenvalue along the curve at the object and the spectral gap of the object's d = 1
    /// slow subspace (NaN for `.none`).
    public var eigenvalue: Double
    public var spectralGap: Double
    /// The reduced map (empty arrays for `.none`).
    public var s: [Double]
    public var f: [Double]
    /// Fixed points of the reduced map, and the state of each on the curve.
    public var fixedPoints: [ReducedFixedPoint]
    public var fixedPointStates: [[Double]]

    public var map: PiecewiseLinearMap? { s.isEmpty ? nil : PiecewiseLinearMap(s: s, f: f) }
    public var stableCount: Int { fixedPoints.filter { $0.stability == .stable }.count }
    public var unstableCount: Int { fixedPoints.filter { $0.stability == .unstable }.count }
}

/// A fold (saddle-node) of the reduced dynamics between two parameter values: a stable and an
/// unstable fixed point of the reduced map that exist on one side and not on the other. For a
/// piecewise-affine map they meet on a region boundary (a border-collision fold, the nonsmooth
/// saddle-node).
public struct ReducedFold: Sendable, Equatable {
    /// The bracket after bisection: the pair exists at `lower` and not at `upper` (or the other
    /// way round, `appearing`).
    public var lower: Double
    public var upper: Double
    /// Whether the pair appears as the parameter increases (false: it vanishes).
    public var appearing: Bool
    /// The grid interval it was found in (indices of the two values).
    public var gridIndices: [Int]
    /// States of the pair's two fixed points at the side of the bracket where they exist.
    public var states: [[Double]]

    public var parameter: Double { 0.5 * (lower + upper) }
}

public struct SlowManifoldTrack: Sendable {
    public var points: [TrackedSlowManifold]
    public var folds: [ReducedFold]
}

/// Settings of `SlowManifoldTracking.track`.
public struct TrackingOptions: Sendable {
    /// The curves' bounds, limits and tolerance.
    public var curve: CurveOptions
    /// The fixed-point search at each parameter value (order 1).
    public var search = CycleSearchOptions(maxOrder: 1)
    /// Bisection steps per fold (each builds the reduced model once).
    public var bisectionSteps = 30

    public init(bounds: Box) { curve = CurveOptions(bounds: bounds) }
}

/// The 1D slow manifold and its reduced dynamics along a parameter (docs/reduce.md): the
/// seed's cascade of saddle-node bifurcations as an input changes.
///
/// At each value, independently of the others (so the grid can be shared over ranks): the
/// fixed points are found (order 1); if there is a saddle with one real unstable eigenvalue,
/// the slow manifold is its 1D unstable manifold (the one nearest to `reference`); otherwise it
/// is the 1D slow SSM of the stable fixed point nearest to `reference`. Folds are looked for
/// between neighbouring values where the reduced map gains or loses one stable and one unstable
/// fixed point, and located by bisection.
public enum SlowManifoldTracking {
    public static func track(model: Model, target: SweepTarget, values: [Double], reference: [Double], options: TrackingOptions,
                             sharing: some Collective = SerialCollective()) throws -> SlowManifoldTrack {
        let m = model.dimension
        let encoded = try sharing.map(count: values.count) { i in
            encode(slowManifold(model: target.apply(to: model, value: values[i]), parameter: values[i], reference: reference,
                                options: options), dimension: m)
        }
        let points = encoded.map { decode($0, dimension: m) }
        var folds: [ReducedFold] = []
        for i in 0..<max(0, points.count - 1) {
            let (a, b) = (points[i], points[i + 1])
            let ds = b.stableCount - a.stableCount, du = b.unstableCount - a.unstableCount
            guard ds == du, ds == 1 || ds == -1 else { continue }
            // Bisection on the counts of the side where the pair exists.
            let counts = (a.stableCount, a.unstableCount)
            var (lo, hi) = (a.parameter, b.parameter)
            var existing = ds < 0 ? a : b
            for _ in 0..<options.bisectionSteps {
                let mid = 0.5 * (lo + hi)
                let point = slowManifold(model: target.apply(to: model, value: mid), parameter: mid, reference: reference, options: options)
                if (point.stableCount, point.unstableCount) == counts {
                    lo = mid
                    if ds < 0 { existing = point }
                } else {
                    hi = mid
                    if ds > 0 { existing = point }
                }
            }
            folds.append(ReducedFold(lower: lo, upper: hi, appearing: ds > 0, gridIndices: [i, i + 1],
                                     states: pairStates(existing)))
        }
        return SlowManifoldTrack(points: points, folds: folds)
    }

    /// The states of the stable and unstable reduced fixed points closest to each other (the
    /// pair that meets at the fold).
    static func pairStates(_ point: TrackedSlowManifold) -> [[Double]] {
        var best: (Double, [[Double]]) = (.infinity, [])
        for (i, a) in point.fixedPoints.enumerated() where a.stability == .stable {
            for (j, b) in point.fixedPoints.enumerated() where b.stability == .unstable && abs(a.s - b.s) < best.0 {
                best = (abs(a.s - b.s), [point.fixedPointStates[i], point.fixedPointStates[j]])
            }
        }
        return best.1
    }

    /// The slow manifold of one model (see `track`).
    public static func slowManifold(model: Model, parameter: Double, reference: [Double], options: TrackingOptions) -> TrackedSlowManifold {
        let form = model.shallowForm()
        var empty = TrackedSlowManifold(parameter: parameter, source: .none, object: [], eigenvalue: .nan, spectralGap: .nan,
                                        s: [], f: [], fixedPoints: [], fixedPointStates: [])
        guard let cycles = try? CycleSearch(model: model, options: options.search).run().cycles.filter({ $0.order == 1 }) else { return empty }
        func nearest(_ list: [Cycle]) -> Cycle? {
            list.min { Vec.distance($0.points[0], reference) < Vec.distance($1.points[0], reference) }
        }
        let saddles = cycles.filter { $0.stability == .saddle && $0.unstableDimension == 1 && $0.eigenvalues[0].imaginary == 0 }
        let curve: InvariantCurve, object: Cycle, source: TrackedSlowManifold.Source
        do {
            if let saddle = nearest(saddles.filter { options.curve.bounds.contains($0.points[0]) }) {
                curve = try InvariantCurve(unstableManifoldOf: saddle, form: form, options: options.curve)
                (object, source) = (saddle, .saddle)
            } else if let stable = nearest(cycles.filter { $0.stability == .stable && options.curve.bounds.contains($0.points[0]) }) {
                curve = try InvariantCurve(subspace: try SpectralSubspace(cycle: stable, form: form, dimension: 1), form: form,
                                           options: options.curve)
                (object, source) = (stable, .stablePoint)
            } else {
                return empty
            }
        } catch {
            return empty
        }
        let map = curve.reducedMap
        let fixed = map.fixedPoints
        empty.source = source
        empty.object = object.points[0]
        empty.eigenvalue = curve.eigenvalue
        empty.spectralGap = (try? SpectralSubspace(cycle: object, form: form, dimension: 1).spectralGap) ?? .nan
        empty.s = map.s
        empty.f = map.f
        empty.fixedPoints = fixed
        empty.fixedPointStates = fixed.map { curve.point(at: $0.s)! }
        return empty
    }

    // MARK: Encoding for Collective.map (doubles only)

    static func encode(_ p: TrackedSlowManifold, dimension m: Int) -> [Double] {
        var out = [p.parameter, Double(p.source.rawValue), p.eigenvalue, p.spectralGap, Double(p.s.count)]
        out += p.object.isEmpty ? [Double](repeating: .nan, count: m) : p.object
        out += p.s + p.f
        out.append(Double(p.fixedPoints.count))
        for (fp, x) in zip(p.fixedPoints, p.fixedPointStates) { out += [fp.s, fp.leftSlope ?? .nan, fp.rightSlope ?? .nan] + x }
        return out
    }

    static func decode(_ v: [Double], dimension m: Int) -> TrackedSlowManifold {
        let n = Int(v[4])
        var k = 5
        let object = Array(v[k..<(k + m)])
        k += m
        let s = Array(v[k..<(k + n)]), f = Array(v[(k + n)..<(k + 2 * n)])
        k += 2 * n
        let count = Int(v[k])
        k += 1
        var fixed: [ReducedFixedPoint] = [], states: [[Double]] = []
        for _ in 0..<count {
            fixed.append(ReducedFixedPoint(s: v[k], leftSlope: v[k + 1].isNaN ? nil : v[k + 1], rightSlope: v[k + 2].isNaN ? nil : v[k + 2]))
            states.append(Array(v[(k + 3)..<(k + 3 + m)]))
            k += 3 + m
        }
        let source = TrackedSlowManifold.Source(rawValue: Int(v[1]))!
        return TrackedSlowManifold(parameter: v[0], source: source, object: source == .none ? [] : object, eigenvalue: v[2],
                                   spectralGap: v[3], s: s, f: f, fixedPoints: fixed, fixedPointStates: states)
    }
}
