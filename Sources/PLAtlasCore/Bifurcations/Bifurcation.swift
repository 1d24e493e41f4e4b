import ComplexModule

/// How the set of objects or their stability changes between two neighbouring grid points.
public enum BifurcationType: String, Sendable, CaseIterable, Codable {
    /// A real eigenvalue crosses +1 (the cycle keeps its region sequence).
    case fold
    /// A real eigenvalue crosses -1.
    case flip
    /// A complex pair crosses the unit circle.
    case neimarkSacker = "neimark-sacker"
    /// A cycle point crosses a region boundary: the cycle continues with another region sequence.
    case borderCollision = "border-collision"
    /// A cycle exists at the second point and matches nothing at the first.
    case creation
    /// A cycle exists at the first point and matches nothing at the second.
    case destruction
}

/// A bifurcation detected between grid points `between.0` and `between.1`, neighbours along
/// `axis`; `value` is the parameter value of that axis where it happens (the midpoint, or the
/// bisection result when refined).
public struct Bifurcation: Sendable, Equatable {
    public var between: (Int, Int)
    public var axis: Int
    public var type: BifurcationType
    public var value: Double
    /// The order of the cycle involved.
    public var order: Int
    /// Its region sequence at the first point (or at the second, for a creation).
    public var regions: [RegionCode]
    /// Whether `value` was refined by bisection.
    public var refined: Bool

    public static func == (a: Bifurcation, b: Bifurcation) -> Bool {
        a.between == b.between && a.axis == b.axis && a.type == b.type && a.value == b.value && a.order == b.order
            && a.regions == b.regions && a.refined == b.refined
    }
}

/// Matching of objects between neighbouring points and classification of what changed.
///
/// Cycles are matched by order and region sequence first; the rest by order and point-set
/// distance (the smallest, over rotations, of the largest distance between corresponding
/// points, at most `matchDistance * (1 + ||z||)`), which makes a *border collision* (same cycle,
/// new region sequence). A matched cycle whose unstable dimension or stability changes is
/// classified by the eigenvalue that crossed the unit circle: real positive (fold), real
/// negative (flip), complex (Neimark-Sacker); with a region change it is a border collision.
/// Unmatched cycles are creations (at the second point) or destructions (at the first).
public enum BifurcationDetector {
    public static func detect(_ a: SweepPoint, _ b: SweepPoint, axis: Int, matchDistance: Double = 0.25) -> [Bifurcation] {
        let value = (a.values[axis] + b.values[axis]) / 2
        var events: [Bifurcation] = []
        var usedB = Set<Int>()
        var unmatchedA: [Int] = []
        func event(_ type: BifurcationType, _ c: Cycle) -> Bifurcation {
            Bifurcation(between: (a.index, b.index), axis: axis, type: type, value: value, order: c.order, regions: c.regions, refined: false)
        }
        for (i, c) in a.cycles.enumerated() {
            if let j = b.cycles.indices.first(where: { !usedB.contains($0) && b.cycles[$0].regions == c.regions }) {
                usedB.insert(j)
                if let type = stabilityChange(c, b.cycles[j]) { events.append(event(type, c)) }
            } else {
                unmatchedA.append(i)
            }
        }
        var destroyed: [Int] = []
        for i in unmatchedA {
            let c = a.cycles[i]
            var best: (Int, Double)?
            for (j, d) in b.cycles.enumerated() where !usedB.contains(j) && d.order == c.order {
                let distance = setDistance(c, d)
                let scale = c.points.map(Sweep.norm).max() ?? 0
                if distance <= matchDistance * (1 + scale), distance < (best?.1 ?? .infinity) { best = (j, distance) }
            }
            if let (j, _) = best {
                usedB.insert(j)
                events.append(event(.borderCollision, c))
            } else {
                destroyed.append(i)
            }
        }
        for i in destroyed { events.append(event(.destruction, a.cycles[i])) }
        for (j, d) in b.cycles.enumerated() where !usedB.contains(j) { events.append(event(.creation, d)) }
        return events
    }

    /// Fold, flip or Neimark-Sacker if the unstable dimension of a continued cycle changes.
    static func stabilityChange(_ c: Cycle, _ d: Cycle) -> BifurcationType? {
        guard c.unstableDimension != d.unstableDimension else { return nil }
        // The eigenvalue that crossed: the smallest outside the unit circle on the side with more.
        let outside = c.unstableDimension > d.unstableDimension ? c : d
        guard let crossing = outside.eigenvalues.filter({ $0.length > 1 }).min(by: { $0.length < $1.length }) else { return nil }
        if abs(crossing.imaginary) > 1e-9 * max(1, crossing.length) { return .neimarkSacker }
        return crossing.real > 0 ? .fold : .flip
    }

    /// min over rotations s of max_i ||c_i - d_{i+s}||.
    static func setDistance(_ c: Cycle, _ d: Cycle) -> Double {
        let k = c.order
        var best = Double.infinity
        for s in 0..<k {
            var worst = 0.0
            for i in 0..<k { worst = max(worst, Sweep.distance(c.points[i], d.points[(i + s) % k])) }
            best = min(best, worst)
        }
        return best
    }

    /// Every bifurcation between neighbouring points of a complete set of results (indexed by
    /// point), in the grid's neighbour order.
    public static func detect(in points: [SweepPoint], grid: SweepGrid) -> [Bifurcation] {
        grid.neighbourPairs().flatMap { detect(points[$0.i], points[$0.j], axis: $0.axis) }
    }
}

extension Sweep {
    /// Refines a bifurcation's parameter value by bisection to within `tolerance`, evaluating
    /// only the region sequence involved at intermediate parameter values. Stack sweeps (no
    /// parameter between snapshots) are returned unchanged, as are events whose predicate does
    /// not differ at the two ends.
    public func refine(_ event: Bifurcation, points: [SweepPoint], tolerance: Double) -> Bifurcation {
        guard case .parameters = source, tolerance > 0 else { return event }
        let a = points[event.between.0], b = points[event.between.1]
        let searchOptions = options.searchOptions(point: a.index)
        func cycle(_ sequence: [RegionCode], at t: Double) -> Cycle? {
            var values = a.values
            values[event.axis] = t
            guard let search = try? CycleSearch(model: model(values: values), options: searchOptions) else { return nil }
            return search.cycle(through: sequence)
        }
        let predicate: (Double) -> Bool
        switch event.type {
        case .creation, .destruction:
            predicate = { cycle(event.regions, at: $0) != nil }
        case .borderCollision:
            predicate = { cycle(event.regions, at: $0) != nil }
        case .fold, .flip, .neimarkSacker:
            let reference = a.cycles.first { $0.regions == event.regions }?.unstableDimension
            predicate = { cycle(event.regions, at: $0)?.unstableDimension == reference }
        }
        var lo = a.values[event.axis], hi = b.values[event.axis]
        let atLo = predicate(lo)
        guard atLo != predicate(hi) else { return event }
        var steps = 0
        while abs(hi - lo) > tolerance && steps < 200 {
            let mid = (lo + hi) / 2
            if predicate(mid) == atLo { lo = mid } else { hi = mid }
            steps += 1
        }
        var refined = event
        refined.value = (lo + hi) / 2
        refined.refined = true
        return refined
    }
}
