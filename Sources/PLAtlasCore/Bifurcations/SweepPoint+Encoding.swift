import ComplexModule

/// A flat, exact encoding of sweep points as 64-bit words (doubles by bit pattern), for moving
/// results between processes. `decode(encode(p)) == p` bit for bit.
extension SweepPoint {
    public func encode(into words: inout [UInt64]) {
        func d(_ x: Double) { words.append(x.bitPattern) }
        func n(_ x: Int) { words.append(UInt64(bitPattern: Int64(x))) }
        n(index); n(values.count); values.forEach(d)
        n(attractorCount); n(boundedOrbits); n(divergedOrbits); d(lyapunov)
        n(spectrum.count); spectrum.forEach(d)
        n(orbit.count); n(orbit.first?.count ?? 0); for row in orbit { row.forEach(d) }
        n(candidates); n(seeds); d(seconds)
        n(cycles.count)
        for c in cycles {
            n(c.order); n(c.points.first?.count ?? 0); n(c.regions.first?.count ?? 0)
            for p in c.points { p.forEach(d) }
            for r in c.regions { words += r.words }
            n(c.eigenvalues.count)
            for e in c.eigenvalues { d(e.real); d(e.imaginary) }
            n(c.unstableDimension); n(c.isMarginal ? 1 : 0); n(Stability.allCases.firstIndex(of: c.stability)!); d(c.residual)
        }
    }

    /// Decodes every point in `words`.
    public static func decodeAll(_ words: [UInt64]) -> [SweepPoint] {
        var at = 0
        func d() -> Double { defer { at += 1 }; return Double(bitPattern: words[at]) }
        func n() -> Int { defer { at += 1 }; return Int(Int64(bitPattern: words[at])) }
        var points: [SweepPoint] = []
        while at < words.count {
            let index = n()
            let values = (0..<n()).map { _ in d() }
            let attractors = n(), bounded = n(), diverged = n(), lyapunov = d()
            let spectrum = (0..<n()).map { _ in d() }
            let rows = n(), width = n()
            let orbit = (0..<rows).map { _ in (0..<width).map { _ in d() } }
            let candidates = n(), seeds = n(), seconds = d()
            var cycles: [Cycle] = []
            for _ in 0..<n() {
                let k = n(), m = n(), h = n()
                let points = (0..<k).map { _ in (0..<m).map { _ in d() } }
                let w = RegionCode.wordCount(h)
                let regions = (0..<k).map { _ in RegionCode(words: (0..<w).map { _ in UInt64(bitPattern: Int64(n())) }, count: h)! }
                let eigenvalues = (0..<n()).map { _ in Complex(d(), d()) }
                var c = Cycle(points: points, regions: regions, eigenvalues: [], residual: 0, marginalTolerance: 0)
                c.eigenvalues = eigenvalues
                c.unstableDimension = n()
                c.isMarginal = n() == 1
                c.stability = Stability.allCases[n()]
                c.residual = d()
                cycles.append(c)
            }
            points.append(SweepPoint(index: index, values: values, cycles: cycles, attractorCount: attractors, boundedOrbits: bounded,
                                     divergedOrbits: diverged, lyapunov: lyapunov, spectrum: spectrum, orbit: orbit,
                                     candidates: candidates, seeds: seeds, seconds: seconds))
        }
        return points
    }
}
