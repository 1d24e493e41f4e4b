/// Settings of the coverage figure.
public struct CoverageOptions: Sendable {
    /// Points drawn on each local piece (generation 0).
    public var localPoints = 2000
    /// At most this many sample points per generation (evenly chosen beyond).
    public var perGeneration = 1000
    /// A point lies on a sheet within this distance of its flat (segment), relative to
    /// 1 + the box diagonal.
    public var relativeTolerance = 1e-6
    public var seed: UInt64 = 0

    public init() {}
}

/// How much of the true manifold inside the box the computed one holds (science.md section 3,
/// "Coverage").
///
/// An independent sample of the true manifold is made by a different path from the
/// construction: points on the local pieces (their own random stream), pushed generation by
/// generation through every preimage (stable; by enumeration of every region when there are at
/// most 1024, else by `PreimageSolver`) or through F (unstable), kept in the box, at most
/// `perGeneration` per generation. Coverage is the fraction of the points past generation 0
/// that lie on a sheet of their own region (within the tolerance of its flat, and inside its
/// exact extent, `SheetChain`); the regions the sample reaches where the manifold has no sheet
/// are listed.
public struct Coverage: Sendable, Equatable {
    public var fraction: Double
    public var sampled: Int
    public var covered: Int
    public var generations: Int
    /// The absolute distance a point may lie off a sheet.
    public var tolerance: Double
    /// Regions the sample reached, and how many of them hold no sheet.
    public var regionsReached: Int
    public var missedRegionCount: Int
    /// The first missed regions (in region order).
    public var missedRegions: [RegionCode]

    public static let missedListLimit = 8

    /// Measures the coverage of the manifold `builder` holds (under several ranks: each rank the
    /// regions `owns` says; collective). `generations`: how many generations of sheets the
    /// construction made (the sample goes one further when the construction ended by itself:
    /// points there are on no sheet).
    public static func measure(builder: ManifoldBuilder, generations: Int, options: CoverageOptions, collective: any Collective,
                               owns: (RegionCode) -> Bool) throws -> Coverage {
        let form = builder.form
        let box = builder.options.bounds
        let tolerance = options.relativeTolerance * (1 + box.diagonal)
        var rng = SeededGenerator(seed: options.seed, stream: 0xC0E7A)
        // Generation 0: points of the local pieces (sheets: a quarter uniform, the rest over every
        // scale around the cycle point, as orbits come to the saddle), or of the first segments
        // (polylines).
        var current: [(point: [Double], region: RegionCode)] = []
        if builder.method == .sheets {
            for i in 0..<builder.saddle.order {
                let uniform = builder.piece.sample(options.localPoints / 4, at: i, rng: &rng)
                let near = builder.piece.sampleAroundCentre(options.localPoints - options.localPoints / 4, at: i, rng: &rng)
                for x in uniform + near { current.append((x, builder.saddle.regions[i])) }
            }
        } else {
            var copy = builder
            let first = copy.initialArrivals()
            let segments = first.keys.sorted().flatMap { r in first[r]!.map { ($0.points[0], $0.points[1], r) } }
            for j in 0..<(options.localPoints * builder.saddle.order) where !segments.isEmpty {
                let (a, b, r) = segments[j % segments.count]
                current.append((Vec.axpy(a, rng.uniform(), Vec.sub(b, a)), r))
            }
        }
        let sharing = CollectiveSharing(collective)
        let exhaustive = form.allCodesAreRegions && form.hiddenCount <= 10
        let solver = PreimageSolver(form: form, box: box)
        let maps = RegionMaps(form: form)
        var sampled = 0, covered = 0
        var reached = Set<RegionCode>(), missed = Set<RegionCode>()
        for _ in 0..<generations {
            // One step for every point, shared over the ranks; results in point order.
            let stepped = try sharing.map(count: current.count) { index -> [Double] in
                let x = current[index].point
                var out: [Double] = []
                if builder.options.kind == .unstable {
                    let y = maps.image(x, in: current[index].region)
                    if box.contains(y) { out += y + form.region(of: y).words.map { Double(bitPattern: $0) } }
                } else if exhaustive {
                    for code in 0..<(1 << form.hiddenCount) {
                        let d = RegionCode(index: UInt64(code), count: form.hiddenCount)
                        guard let p = maps.inverseImage(x, in: d), solver.admits(p, in: d), box.contains(p) else { continue }
                        out += p + d.words.map { Double(bitPattern: $0) }
                    }
                } else {
                    for p in solver.preimages(of: x).points where box.contains(p.point) {
                        out += p.point + p.region.words.map { Double(bitPattern: $0) }
                    }
                }
                return out
            }
            var next: [(point: [Double], region: RegionCode)] = []
            let m = form.dimension, w = RegionCode.wordCount(form.hiddenCount)
            for values in stepped {
                var k = 0
                while k + m + w <= values.count {
                    let words = values[(k + m)..<(k + m + w)].map(\.bitPattern)
                    next.append((Array(values[k..<(k + m)]), RegionCode(words: words, count: form.hiddenCount)!))
                    k += m + w
                }
            }
            if next.count > options.perGeneration {
                next = (0..<options.perGeneration).map { next[$0 * next.count / options.perGeneration] }
            }
            if next.isEmpty { break }
            for (x, r) in next where owns(r) {
                sampled += 1
                reached.insert(r)
                if builder.sheetsByRegion[r] == nil { missed.insert(r) }
                if builder.lies(x, region: r, tolerance: tolerance) { covered += 1 }
            }
            current = next
        }
        let sums = try collective.allReduce([sampled, covered, reached.count, missed.count], .sum)
        var missedWords: [UInt64] = []
        for r in missed.sorted().prefix(missedListLimit) { missedWords += r.words }
        let gathered = try collective.allGather(missedWords)
        let w = RegionCode.wordCount(form.hiddenCount)
        var list: [RegionCode] = []
        var k = 0
        while k + w <= gathered.count {
            list.append(RegionCode(words: Array(gathered[k..<(k + w)]), count: form.hiddenCount)!)
            k += w
        }
        return Coverage(fraction: sums[0] > 0 ? Double(sums[1]) / Double(sums[0]) : .nan, sampled: sums[0], covered: sums[1],
                        generations: generations, tolerance: tolerance, regionsReached: sums[2], missedRegionCount: sums[3],
                        missedRegions: Array(list.sorted().prefix(missedListLimit)))
    }
}
