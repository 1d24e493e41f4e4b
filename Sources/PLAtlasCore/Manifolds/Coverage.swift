/// Settings of the coverage figure.
public struct CoverageOptions: Sendable {
    /// Points drawn on each local piece (generation 0).
    public var localPoints = 2000
    /// At most this many sample points per generation (evenly chosen beyond).
    public var perGeneration = 1000
    /// At most about this many sample points in all: long constructions (hundreds of
    /// generations of a polyline) sample fewer points per generation, at least 100.
    public var totalPoints = 30000
    /// The same where every preimage needs the exact search (stable manifolds of maps with more
    /// than 1024 regions or large M): its points cost milliseconds each. Generation 0 is then
    /// thinned to the per-generation figure too.
    public var searchedPoints = 4000
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
/// generation through every preimage (stable; by the affine inverse of every region when that is
/// cheap, at most 1024 regions and 2^H M^2 <= 2e5, else by `PreimageSolver`) or through F (unstable), kept in the box, at most
/// `perGeneration` per generation (fewer when there are many generations: `totalPoints`). Coverage is the fraction of the points past generation 0
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

    /// Measures the coverage of the manifold `builder` holds (under several ranks, the sheets
    /// each rank holds; collective, the same figures on every rank for any rank count). `generations`: how many generations of sheets the
    /// construction made (the sample goes one further when the construction ended by itself:
    /// points there are on no sheet).
    public static func measure(builder: ManifoldBuilder, generations: Int, options: CoverageOptions, collective: any Collective) throws -> Coverage {
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
        let sharing = collective
        // Every region's inverse when that is cheap (at most 1024 regions and 2^H M^2 <= 2e5).
        let exhaustive = form.allCodesAreRegions && form.hiddenCount <= 10
            && Double(1 << form.hiddenCount) * Double(form.dimension * form.dimension) <= 2e5
        let solver = PreimageSolver(form: form, box: box)
        let maps = RegionMaps(form: form)
        let table = exhaustive && builder.options.kind == .stable ? InverseTable(form: form, maps: maps) : nil
        var sampled = 0, covered = 0
        let searched = builder.options.kind == .stable && table == nil
        let budget = searched ? options.searchedPoints : options.totalPoints
        let perGeneration = min(options.perGeneration, max(searched ? 20 : 100, budget / max(1, generations)))
        if searched && current.count > perGeneration {
            current = (0..<perGeneration).map { current[$0 * current.count / perGeneration] }
        }
        var reached = Set<RegionCode>(), missed = Set<RegionCode>()
        for _ in 0..<generations {
            // One step for every point, shared over the ranks; results in point order.
            let stepped = try sharing.map(count: current.count) { index -> [Double] in
                let x = current[index].point
                var out: [Double] = []
                if builder.options.kind == .unstable {
                    let y = maps.image(x, in: current[index].region)
                    if box.contains(y) { out += y + form.region(of: y).words.map { Double(bitPattern: $0) } }
                } else if let table {
                    table.forEachPreimage(of: x) { p, d in
                        guard solver.admits(p, in: d), box.contains(p) else { return }
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
            if next.count > perGeneration {
                next = (0..<perGeneration).map { next[$0 * next.count / perGeneration] }
            }
            if next.isEmpty { break }
            // Each rank tests the points against the sheets it holds; a point is covered when it
            // lies on a sheet of its region on any rank, and its region is missed when no rank
            // holds a sheet there (so the figures do not depend on where the sheets live).
            var flags = [Int](repeating: 0, count: 2 * next.count)
            for (k, (x, r)) in next.enumerated() where builder.sheetsByRegion[r] != nil {
                flags[2 * k] = 1
                if builder.lies(x, region: r, tolerance: tolerance) { flags[2 * k + 1] = 1 }
            }
            if collective.size > 1 { flags = try collective.allReduce(flags, .max) }
            for (k, (_, r)) in next.enumerated() {
                sampled += 1
                reached.insert(r)
                if flags[2 * k] == 0 { missed.insert(r) }
                covered += flags[2 * k + 1]
            }
            current = next
        }
        let list = Array(missed.sorted().prefix(missedListLimit))
        return Coverage(fraction: sampled > 0 ? Double(covered) / Double(sampled) : .nan, sampled: sampled, covered: covered,
                        generations: generations, tolerance: tolerance, regionsReached: reached.count, missedRegionCount: missed.count,
                        missedRegions: list)
    }
}

/// The affine inverse of every region of a form whose every code is a region (at most 1024),
/// as one dense table: x = J_d^-1 (y - c_d) for each d with J_d well conditioned, one
/// matrix-vector product per region (the coverage sample's exhaustive preimages).
final class InverseTable {
    let m: Int, h: Int
    /// Per code index: the inverse (M x M, row-major) and the offset, or nothing (singular).
    var inverses: [Double]
    var offsets: [Double]
    var usable: [Bool]

    init(form: ShallowForm, maps: RegionMaps) {
        m = form.dimension
        h = form.hiddenCount
        let count = 1 << h
        inverses = [Double](repeating: 0, count: count * m * m)
        offsets = [Double](repeating: 0, count: count * m)
        usable = [Bool](repeating: false, count: count)
        var unit = [Double](repeating: 0, count: m)
        for code in 0..<count {
            let d = RegionCode(index: UInt64(code), count: h)
            // Column k of J_d^-1 is J_d^-1 e_k.
            for k in 0..<m {
                unit[k] = 1
                defer { unit[k] = 0 }
                guard let column = maps.inverseLinear(unit, in: d) else { break }
                for i in 0..<m { inverses[code * m * m + i * m + k] = column[i] }
                if k == m - 1 { usable[code] = true }
            }
            let c = maps.offset(d)
            for i in 0..<m { offsets[code * m + i] = c[i] }
        }
    }

    /// Calls `body` with J_d^-1 (y - c_d) and d for every region d with an inverse.
    func forEachPreimage(of y: [Double], _ body: ([Double], RegionCode) -> Void) {
        var r = [Double](repeating: 0, count: m)
        var x = [Double](repeating: 0, count: m)
        for code in 0..<usable.count where usable[code] {
            inverses.withUnsafeBufferPointer { a in
                offsets.withUnsafeBufferPointer { c in
                    for i in 0..<m { r[i] = y[i] - c[code * m + i] }
                    for i in 0..<m {
                        var sum = 0.0
                        let row = code * m * m + i * m
                        for k in 0..<m { sum += a[row + k] * r[k] }
                        x[i] = sum
                    }
                }
            }
            body(x, RegionCode(index: UInt64(code), count: h))
        }
    }
}
