import LinearAlgebra

/// The end of a construction: each rank's share of every manifold with the global figures, and
/// the gathers that put a whole manifold on every rank (for figures and checks).
extension ManifoldConstruction {
    // MARK: Results

    /// Gathers the global figures of manifold i and this rank's part of it.
    mutating func finish(_ i: Int) throws -> ManifoldResult {
        let state = states[i]
        let builder = state.builder
        let rank = world.rank, size = world.size
        let sheets = builder.heldSheets
        // The polyline's total length, summed in the serial order (it sets the sample spacing).
        var totalLength: Double? = nil
        if builder.method == .polyline {
            let lengths = try gatherInRegionOrder(sheets.map { ($0.region, [ManifoldBuilder.length(of: $0)]) }, units: messages.units, world: world)
            totalLength = lengths.reduce(0.0) { $0 + $1.values[0] }
        }
        var points: [[Double]] = []
        var pointRegions: [RegionCode] = []
        for s in sheets {
            let sampled = builder.samplePoints([s], totalLength: totalLength)
            points += sampled
            pointRegions += Array(repeating: s.region, count: sampled.count)
        }
        // The non-invertibility report: counts summed, the first examples in processing order.
        var report = state.report
        let counts = try world.allReduce([report.noPreimage, report.severalPreimages, report.singular, report.folds] + report.preimageCounts, .sum)
        (report.noPreimage, report.severalPreimages, report.singular, report.folds) = (counts[0], counts[1], counts[2], counts[3])
        report.preimageCounts = Array(counts[4..<8])
        let leftBounds = try world.allReduce(state.leftBounds, .sum)
        var exampleWords: [UInt64] = []
        for e in state.examples {
            messages.appendExample(manifold: i, generation: e.generation, region: e.region, point: e.point, problem: e.problem, to: &exampleWords)
        }
        var examples: [(generation: Int, region: RegionCode, sequence: Int, point: [Double], problem: String)] = []
        for record in try messages.decode(size > 1 ? try world.allGatherv(exampleWords).values : exampleWords) {
            if case .example(_, let g, let r, let point, let problem) = record { examples.append((g, r, examples.count, point, problem)) }
        }
        examples.sort { ($0.generation, $0.region, $0.sequence) < ($1.generation, $1.region, $1.sequence) }
        report.examples = examples.prefix(NonInvertibilityReport.exampleLimit).map { ($0.region, $0.point, $0.problem) }
        let seconds = try world.allReduce(state.earlierSeconds, .max)
        var manifold = builder.manifold(stopReason: state.stop, iterations: state.generation, pushed: state.pushed, leftBounds: leftBounds,
                                        report: report, seconds: seconds)
        manifold.points = points
        // Totals and this rank's offsets.
        let support = sheets.reduce(0) { $0 + $1.supportPoints.count }
        let mine = [builder.sheetsByRegion.count, sheets.count, support, points.count]
        let totals = try world.allReduce(mine, .sum)
        var offsets = [0, 0, 0]
        for k in 0..<3 { offsets[k] = try world.exclusiveScan(mine[k + 1]) }
        if rank == 0 { offsets = [0, 0, 0] }
        let normals = try world.allReduce(sheets.allSatisfy { $0.normal != nil } ? 1 : 0, .min) == 1 && totals[1] > 0
        let part = ManifoldPart(totals: ManifoldTotals(regions: totals[0], sheets: totals[1], supportPoints: totals[2], points: totals[3]),
                                sheetOffset: offsets[0], supportOffset: offsets[1], pointOffset: offsets[2], isLast: rank == size - 1,
                                normals: normals)
        // Delta_sigma from the points in U, in the serial order; the delta evaluations are shared.
        var deltaOptions = options.deltaSigma ?? DeltaSigmaOptions()
        deltaOptions.seed = builder.options.seed
        let cycle = builder.saddle.points
        let far = try world.allReduce(points.map { DeltaSigma.distance($0, toCycle: cycle) }.max() ?? 0, .max)
        manifold.reach = far
        var deltaSigma: DeltaSigma? = nil
        if far > 0 && options.deltaSigma != nil {
            let mine = zip(points, pointRegions).filter { DeltaSigma.isInside($0.0, cycle: cycle, far: far, options: deltaOptions) }
            let inside = try gatherInRegionOrder(mine.map { ($0.1, $0.0) }, units: messages.units, world: world)
            deltaSigma = try DeltaSigma.compute(saddle: builder.saddle, kind: builder.options.kind, form: builder.form, far: far,
                                                inside: inside.map(\.values), options: deltaOptions, sharing: world)
        }
        // The rows of the parents: the file holds each rank's sheets at its offset, in region
        // order, a region's sheets by ordinal; every region's first row, from its holder.
        var localFirst: [(RegionCode, [Double])] = []
        var position = offsets[0]
        for r in builder.sheetsByRegion.keys.sorted() {
            localFirst.append((r, [Double(position)]))
            position += builder.sheetsByRegion[r]!.count
        }
        var firstRow: [RegionCode: Int] = [:]
        for entry in try gatherInRegionOrder(localFirst, units: messages.units, world: world) {
            firstRow[entry.region] = Int(entry.values[0])
        }
        let parentRows = sheets.map { s in s.parent.flatMap { p in firstRow[p.region].map { $0 + p.ordinal } } ?? -1 }
        // Coverage: an independent sample of the true manifold, tested on the owners' sheets.
        var coverage: Coverage? = nil
        if var coverageOptions = options.coverage {
            coverageOptions.seed = builder.options.seed
            let generations = state.stop.truncated ? max(0, state.generation - 1) : state.generation
            coverage = try Coverage.measure(builder: builder, generations: generations, options: coverageOptions, collective: world)
        }
        // The load report.
        var r = reports[i]
        r.regionsPerRank = try world.allGather(builder.sheetsByRegion.count)
        r.pointsPerRank = try world.allGather(state.workDone)
        r.bytesSentPerRank = try world.allGather(state.bytesSent)
        r.secondsPerRank = try world.allGather(state.busySeconds)
        return ManifoldResult(manifold: manifold, totals: part.totals, part: part, parentRows: parentRows, deltaSigma: deltaSigma,
                              coverage: coverage, report: r, pointRegions: pointRegions)
    }
}

extension ManifoldResult {
    /// The whole manifold on every rank (sheets and points in the serial order), for figures
    /// and checks; costs the whole manifold's memory on every rank.
    public func gathered(_ world: any Collective) throws -> Manifold {
        let h = manifold.saddle.regions.first?.count ?? 0
        let points = try gatherInRegionOrder(zip(pointRegions, manifold.points).map { ($0, $1) }, units: h, world: world)
        var whole = manifold
        whole.sheets = try manifold.gatheredSheets(world)
        whole.points = points.map(\.values)
        return whole
    }
}

extension Manifold {
    /// Every rank's sheets on every rank, in the serial order (by region, and in a region in
    /// its owner's order): for figures.
    public func gatheredSheets(_ world: any Collective) throws -> [Sheet] {
        let messages = ManifoldMessages(units: saddle.regions.first?.count ?? 0, dimension: bounds.dimension)
        var sheetWords: [UInt64] = []
        for s in sheets { messages.appendSheet(s, manifold: 0, to: &sheetWords) }
        var all: [(sheet: Sheet, sequence: Int)] = []
        for record in try messages.decode(world.size > 1 ? try world.allGatherv(sheetWords).values : sheetWords) {
            if case .sheet(_, let s) = record { all.append((s, all.count)) }
        }
        all.sort { ($0.sheet.region, $0.sequence) < ($1.sheet.region, $1.sequence) }
        return all.map(\.sheet)
    }
}

/// Every rank's (region, values) entries, on every rank, in the serial order: by region, and in
/// a region in the order its owner listed them (one rank owns a region, so the order of the
/// rank's list is kept). Every entry has the same number of values.
func gatherInRegionOrder(_ entries: [(RegionCode, [Double])], units: Int, world: any Collective) throws
    -> [(region: RegionCode, values: [Double])]
{
    let width = try world.allReduce(entries.first?.1.count ?? 0, .max)
    let w = RegionCode.wordCount(units)
    var words: [UInt64] = []
    for (r, values) in entries {
        precondition(values.count == width, "entries of different widths")
        words += r.words
        ManifoldMessages.appendDoubles(values, to: &words)
    }
    let all = world.size > 1 ? try world.allGatherv(words).values : words
    var out: [(region: RegionCode, index: Int, values: [Double])] = []
    var p = 0
    while p < all.count {
        out.append((RegionCode(words: Array(all[p..<(p + w)]), count: units)!, out.count,
                    all[(p + w)..<(p + w + width)].map { Double(bitPattern: $0) }))
        p += w + width
    }
    out.sort { ($0.region, $0.index) < ($1.region, $1.index) }
    return out.map { ($0.region, $0.values) }
}
