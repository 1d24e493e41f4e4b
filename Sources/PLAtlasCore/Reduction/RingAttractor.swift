/// A closed invariant curve made of saddle connections, and whether it is an approximate ring
/// attractor (docs/reduce.md).
public struct RingAttractorReport: Sendable {
    /// Indices (into the fixed points given) of the stable points on the loop, in loop order.
    public var attractors: [Int]
    /// The saddle joining attractors[i] to attractors[i + 1] (cyclically).
    public var saddles: [Int]
    /// The saddles' unstable curves, in the order of `saddles`: each runs from one attractor of
    /// the loop through its saddle to the next.
    public var curves: [InvariantCurve]
    /// The length of the closed curve.
    public var length: Double
    /// The largest drift |f(s) - s| per step along it.
    public var maximumDrift: Double
    public var classification: SlowManifoldClassification
}

/// Approximate ring attractors of a piecewise-affine map (docs/reduce.md): a closed invariant
/// curve on which the map barely moves points, the 2D analogue of a line attractor. For these
/// maps a closed invariant curve through fixed points is a chain of saddle connections: stable
/// points joined by the 1D unstable manifolds of saddles (each branch ending on a stable point),
/// closing up. (It lies on the 2D SSM of the ring, e.g. inside the 2D unstable manifold of a
/// central source.) A closed invariant curve without fixed points (a slowly rotating invariant
/// circle) is not found this way.
public enum RingAttractor {
    /// Builds the unstable curve of every saddle among `fixedPoints` with one real positive
    /// unstable eigenvalue, joins stable points that a saddle connects, and returns the first
    /// closed chain (by the smallest attractor index), or nil when the connections form none.
    /// The chain is a ring attractor when its largest drift is within the tolerance
    /// (`options.driftTolerance`, or `relativeDriftTolerance` times its length).
    public static func find(form: ShallowForm, fixedPoints: [Cycle], options: ReductionOptions) -> RingAttractorReport? {
        var curveOptions = options.curve
        curveOptions.bounds = options.bounds
        let stable = fixedPoints.indices.filter { fixedPoints[$0].order == 1 && fixedPoints[$0].stability == .stable }
        // Edges: (attractor a, attractor b, saddle, curve) for every saddle whose branches end on stable points.
        var edges: [(a: Int, b: Int, saddle: Int, curve: InvariantCurve)] = []
        for i in fixedPoints.indices {
            let c = fixedPoints[i]
            guard c.order == 1, c.stability == .saddle, c.unstableDimension == 1, c.eigenvalues[0].imaginary == 0,
                  c.eigenvalues[0].real > 0, options.bounds.contains(c.points[0]),
                  let curve = try? InvariantCurve(unstableManifoldOf: c, form: form, options: curveOptions) else { continue }
            var ends: [Int] = []
            for end in curve.ends {
                guard case .fixedPoint(let z) = end,
                      let j = stable.first(where: { Vec.distance(fixedPoints[$0].points[0], z) <= 1e-7 * (1 + Vec.norm(z)) }) else { break }
                ends.append(j)
            }
            if ends.count == 2 { edges.append((ends[0], ends[1], i, curve)) }
        }
        guard let loop = firstCycle(edges.map { ($0.a, $0.b) }) else { return nil }
        // Walk the loop: attractors in order, each edge oriented from the current attractor.
        var attractors: [Int] = [], saddles: [Int] = [], curves: [InvariantCurve] = []
        var current = edges[loop[0]].a
        if loop.count > 1, edges[loop[1]].a != edges[loop[0]].b && edges[loop[1]].b != edges[loop[0]].b { current = edges[loop[0]].b }
        var length = 0.0, drift = 0.0
        for e in loop {
            let edge = edges[e]
            attractors.append(current)
            saddles.append(edge.saddle)
            curves.append(edge.curve)
            length += edge.curve.extent
            drift = max(drift, edge.curve.reducedMap.maximumDrift)
            current = edge.a == current ? edge.b : edge.a
        }
        let tolerance = options.driftTolerance ?? options.relativeDriftTolerance * length
        let ring = drift <= tolerance
        let reason = ring
            ? "a closed curve of \(attractors.count) stable points and \(saddles.count) saddles, length \(formatShort(length)), drift at most \(formatShort(drift)) per step"
            : "a closed curve of \(attractors.count) stable points and \(saddles.count) saddles, but its drift reaches \(formatShort(drift)) per step (tolerance \(formatShort(tolerance)))"
        return RingAttractorReport(attractors: attractors, saddles: saddles, curves: curves, length: length, maximumDrift: drift,
                                   classification: .init(kind: ring ? .ringAttractor : .none, interval: nil, driftTolerance: tolerance,
                                                         reason: reason))
    }

    /// The edge indices of the first cycle of an undirected multigraph (a loop edge a-a is a cycle
    /// by itself, two edges between the same pair are one), searched from the smallest vertex;
    /// nil for a forest.
    static func firstCycle(_ edges: [(Int, Int)]) -> [Int]? {
        if let loop = edges.indices.first(where: { edges[$0].0 == edges[$0].1 }) { return [loop] }
        let vertices = Set(edges.flatMap { [$0.0, $0.1] }).sorted()
        var visited = Set<Int>()
        for root in vertices where !visited.contains(root) {
            // Depth-first search recording the edge used to reach each vertex.
            var parentEdge: [Int: Int] = [root: -1]
            var depth: [Int: Int] = [root: 0]
            var stack = [root]
            while let v = stack.popLast() {
                if visited.contains(v) { continue }
                visited.insert(v)
                for (e, (a, b)) in edges.enumerated() where (a == v || b == v) && e != parentEdge[v] {
                    let w = a == v ? b : a
                    if let known = depth[w], visited.contains(w) {
                        // A cycle: the edges from v and from w up to their common ancestor, and e.
                        var left: [Int] = [], right: [Int] = []
                        var (x, y) = (v, w)
                        var (dx, dy) = (depth[v]!, known)
                        while x != y {
                            if dx >= dy {
                                let pe = parentEdge[x]!
                                left.append(pe)
                                x = edges[pe].0 == x ? edges[pe].1 : edges[pe].0
                                dx -= 1
                            } else {
                                let pe = parentEdge[y]!
                                right.append(pe)
                                y = edges[pe].0 == y ? edges[pe].1 : edges[pe].0
                                dy -= 1
                            }
                        }
                        return left.reversed() + [e] + right
                    }
                    if depth[w] == nil {
                        depth[w] = depth[v]! + 1
                        parentEdge[w] = e
                        stack.append(w)
                    }
                }
            }
        }
        return nil
    }
}
