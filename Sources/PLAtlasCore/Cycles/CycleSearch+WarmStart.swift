import LinearAlgebra

/// Warm starts for continuation: a search seeded with region sequences known from a nearby
/// model (the neighbouring point of a parameter sweep).
///
/// Seeds are only ever verified, never trusted: each seed sequence is evaluated on this model
/// (with the usual jumps to the visited sequence while the candidate is virtual) before the
/// random restarts of its order, and what it finds counts as known. The random batches then run
/// as in `run(collective:)`; because an order stops after the first batch that finds nothing
/// new, a seeded order whose objects were all carried over usually stops after one batch
/// instead of two. Orders that are enumerated outright ignore seeds. With no seeds the search
/// is exactly `run(collective:)`.
extension CycleSearch {
    /// Runs the search, first trying `seeds` (region sequences of any order up to `maxOrder`;
    /// sequences with a different number of hidden units are ignored).
    public func run(seeds: [[RegionCode]], collective: Collective = SerialCollective()) throws -> CycleSearchResult {
        let usable = seeds.filter { s in !s.isEmpty && s.count <= options.maxOrder && s.allSatisfy { $0.count == form.hiddenCount } }
        if usable.isEmpty || options.exhaustive { return try run(collective: collective) }
        let evaluator = CandidateEvaluator(form: form, closureTolerance: options.closureTolerance)
        var pool: CellSurvey?
        if !form.allCodesAreRegions {
            pool = form.surveyCells(expectedCount: model.regionCountUpperBound, lines: options.cellSurveyLines,
                                    seed: options.seed, radius: options.samplingRadius)
        }
        var sequences: [[RegionCode]] = []
        var statistics: [CycleOrderStatistics] = []
        let regions: [RegionCode]? = (try? exhaustiveRegions(pool: pool))
        for k in 1...options.maxOrder {
            if let regions, Self.lyndonBound(letters: Double(regions.count), length: k) <= Double(options.autoExhaustiveLimit) {
                let (found, stats) = try exhaustiveOrder(k, regions: regions, evaluator: evaluator, collective: collective)
                sequences += found
                statistics.append(stats)
                continue
            }
            let (found, stats) = try seededHeuristicOrder(k, seeds: usable.filter { $0.count == k }, pool: pool,
                                                          evaluator: evaluator, collective: collective)
            sequences += found
            statistics.append(stats)
            log("order \(k): \(stats.cyclesFound) cycles after \(stats.restarts) restarts (\(stats.candidatesEvaluated) candidates, warm)")
        }
        var cycles: [Cycle] = []
        for sequence in sequences {
            if let cycle = cycle(canonical: sequence, evaluator: evaluator) { cycles.append(cycle) }
        }
        return CycleSearchResult(cycles: Self.mergeDuplicates(cycles), statistics: statistics,
                                 cellsSurveyed: pool?.cells.count, cellSurveyComplete: pool?.isComplete,
                                 exhaustive: false)
    }

    /// The cycle that visits exactly `sequence` (any rotation; reported from its canonical
    /// rotation), if it is real for this model; nil if the candidate is virtual, singular, or
    /// the sequence is periodic with a shorter period.
    public func cycle(through sequence: [RegionCode]) -> Cycle? {
        guard !sequence.isEmpty, sequence.allSatisfy({ $0.count == form.hiddenCount }) else { return nil }
        let evaluator = CandidateEvaluator(form: form, closureTolerance: options.closureTolerance)
        let k = sequence.count, w = evaluator.w
        let words = sequence.flatMap(\.words)
        guard let canonical = Self.canonicalRotation(words, order: k, words: w) else { return nil }
        return cycle(canonical: decode(canonical, order: k), evaluator: evaluator)
    }

    /// The heuristic for order k, with the seeds evaluated before the first batch.
    func seededHeuristicOrder(_ k: Int, seeds: [[RegionCode]], pool: CellSurvey?, evaluator: CandidateEvaluator,
                              collective: Collective) throws -> ([[RegionCode]], CycleOrderStatistics) {
        let started = ContinuousClock.now
        var stats = CycleOrderStatistics(order: k)
        let inner = options.innerIterations ?? CycleSearchOptions.defaultInnerIterations(order: k)
        let w = evaluator.w
        evaluator.setOrder(k)
        let startCandidates = evaluator.candidatesEvaluated, startSingular = evaluator.singularSystems
        var known: [[UInt64]: Int] = [:]
        var nonMinimal = 0
        // Seeds: every rank evaluates all of them (they are few), so `known` agrees everywhere.
        let seedStart = evaluator.candidatesEvaluated
        for seed in seeds {
            for j in 0..<k { evaluator.setRegion(j, seed[j]) }
            var recent: [UInt64] = []
            for _ in 0..<inner {
                let outcome = evaluator.evaluate()
                if outcome == .real {
                    if let canonical = Self.canonicalRotation(evaluator.sequenceWords, order: k, words: w) {
                        if known[canonical] == nil { known[canonical] = 0 }
                    }
                    break
                }
                if outcome == .singular { break }
                let hash = evaluator.visitedHash
                if evaluator.visitedIsSequence || recent.contains(hash) { break }
                recent.append(hash)
                evaluator.jumpToVisited()
            }
        }
        // Counted once, not once per rank.
        let seedEvaluations = evaluator.candidatesEvaluated - seedStart
        stats.restarts = try runBatches(order: k, evaluator: evaluator, pool: pool, collective: collective,
                                        known: &known, nonMinimal: &nonMinimal)
        let counts = try collective.allGather([UInt64(evaluator.candidatesEvaluated - startCandidates - seedEvaluations),
                                               UInt64(evaluator.singularSystems - startSingular), UInt64(nonMinimal)])
        stats.candidatesEvaluated = seedEvaluations
        for r in 0..<collective.size {
            stats.candidatesEvaluated += Int(counts[3 * r])
            stats.singularSystems += Int(counts[3 * r + 1])
            stats.nonMinimal += Int(counts[3 * r + 2])
        }
        stats.cyclesFound = known.count
        stats.restartsUntilLastFind = (known.values.max() ?? -1) + 1
        stats.seconds = Self.seconds(since: started)
        let sequences = known.keys.sorted { Self.lexicographicallyPrecedes($0, $1) }.map { decode($0, order: k) }
        return (sequences, stats)
    }
}
