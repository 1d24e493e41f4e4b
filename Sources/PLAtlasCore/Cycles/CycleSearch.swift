import ComplexModule
import LinearAlgebra
import RealModule

public struct CycleSearch {
    public let model: Model
    public let form: ShallowForm
    public var options: CycleSearchOptions
    public var log: Log

    public init(model: Model, options: CycleSearchOptions, log: Log = .silent) throws(CycleSearchError) {
        guard options.maxOrder >= 1 else { throw .invalidOrder("the highest cycle order must be at least 1, got \(options.maxOrder)") }
        guard options.maxOrder <= CycleSearchOptions.highestOrder else {
            throw .invalidOrder("cycle order \(options.maxOrder) is beyond any useful search (at most \(CycleSearchOptions.highestOrder))")
        }
        try Self.checkSize(maxOrder: options.maxOrder, dimension: model.dimension)
        self.model = model
        self.form = model.shallowForm()
        self.options = options
        self.log = log
    }

    /// Fails when a search up to `maxOrder` in dimension M would hold more numbers than
    /// `Limits.current` allows: the evaluator keeps the prefix products of a sequence, (K + 1)
    /// matrices of M x M.
    public static func checkSize(maxOrder: Int, dimension: Int) throws(CycleSearchError) {
        let m = Double(dimension), k = Double(maxOrder)
        do {
            try Limits.current.check((k + 1) * m * m, .values,
                                     "a cycle search up to order \(maxOrder) with M = \(dimension) keeps (K + 1) x M x M numbers, which")
        } catch {
            throw .invalidOrder(error.description)
        }
    }

    /// Runs the search; with a collective, the ranks share the restarts and all return the
    /// same result.
    public func run(collective: Collective = SerialCollective()) throws -> CycleSearchResult {
        let evaluator = CandidateEvaluator(form: form, closureTolerance: options.closureTolerance)
        var pool: CellSurvey?
        var surveySeconds = 0.0
        let surveyStarted = ContinuousClock.now
        if !form.allCodesAreRegions {
            pool = form.surveyCells(expectedCount: model.regionCountUpperBound, lines: options.cellSurveyLines,
                                    seed: options.seed, radius: options.samplingRadius)
            surveySeconds = Self.seconds(since: surveyStarted)
            log("cell survey: \(pool!.cells.count) cells of at most \(CycleSearchError.format(pool!.expectedCount)) (\(pool!.linesWalked) lines)")
        }
        var sequences: [[RegionCode]] = []
        var statistics: [CycleOrderStatistics] = []
        if options.exhaustive {
            let regions = try exhaustiveRegions(pool: pool)
            var total = 0.0
            for j in 1...options.maxOrder { total += Self.lyndonBound(letters: Double(regions.count), length: j) }
            if total > Double(options.exhaustiveLimit) {
                throw CycleSearchError.exhaustiveTooLarge(sequences: total, limit: options.exhaustiveLimit)
            }
            for k in 1...options.maxOrder {
                let (found, stats) = try exhaustiveOrder(k, regions: regions, evaluator: evaluator, collective: collective)
                sequences += found
                statistics.append(stats)
                log("order \(k): \(stats.cyclesFound) cycles (\(stats.candidatesEvaluated) sequences, \(formatSeconds(stats.seconds)) s)")
            }
        } else {
            // Orders with few sequences are enumerated outright: exact, and cheaper than restarts.
            let regions: [RegionCode]? = (try? exhaustiveRegions(pool: pool))
            for k in 1...options.maxOrder {
                if let regions, Self.lyndonBound(letters: Double(regions.count), length: k) <= Double(options.autoExhaustiveLimit) {
                    let (found, stats) = try exhaustiveOrder(k, regions: regions, evaluator: evaluator, collective: collective)
                    sequences += found
                    statistics.append(stats)
                    log("order \(k): \(stats.cyclesFound) cycles (all \(stats.candidatesEvaluated) sequences, \(formatSeconds(stats.seconds)) s)")
                    continue
                }
                let (found, stats) = try heuristicOrder(k, pool: pool, evaluator: evaluator, collective: collective)
                sequences += found
                statistics.append(stats)
                log("order \(k): \(stats.cyclesFound) cycles after \(stats.restarts) restarts (\(stats.candidatesEvaluated) candidates, \(formatSeconds(stats.seconds)) s)")
            }
        }
        var cycles: [Cycle] = []
        for sequence in sequences {
            if let cycle = cycle(canonical: sequence, evaluator: evaluator) { cycles.append(cycle) }
        }
        return CycleSearchResult(cycles: Self.mergeDuplicates(cycles), statistics: statistics,
                                 cellsSurveyed: pool?.cells.count, cellSurveyComplete: pool?.isComplete,
                                 cellSurveySeconds: surveySeconds, exhaustive: options.exhaustive)
    }

    // MARK: Heuristic

    func heuristicOrder(_ k: Int, pool: CellSurvey?, evaluator: CandidateEvaluator,
                        collective: Collective) throws -> ([[RegionCode]], CycleOrderStatistics) {
        let started = ContinuousClock.now
        var stats = CycleOrderStatistics(order: k)
        evaluator.setOrder(k)
        let startCandidates = evaluator.candidatesEvaluated, startSingular = evaluator.singularSystems
        let startProducts = evaluator.productsComputed
        var known: [[UInt64]: Int] = [:]   // canonical sequence -> first restart that found it
        var nonMinimal = 0
        stats.restarts = try runBatches(order: k, evaluator: evaluator, pool: pool, collective: collective,
                                        known: &known, nonMinimal: &nonMinimal)
        let counts = try collective.allGather([UInt64(evaluator.candidatesEvaluated - startCandidates),
                                               UInt64(evaluator.singularSystems - startSingular), UInt64(nonMinimal),
                                               UInt64(evaluator.productsComputed - startProducts)])
        for r in 0..<collective.size {
            stats.candidatesEvaluated += Int(counts[4 * r])
            stats.singularSystems += Int(counts[4 * r + 1])
            stats.nonMinimal += Int(counts[4 * r + 2])
            stats.products += Int(counts[4 * r + 3])
        }
        stats.cyclesFound = known.count
        stats.restartsUntilLastFind = (known.values.max() ?? -1) + 1
        stats.seconds = Self.seconds(since: started)
        let sequences = known.keys.sorted { Self.lexicographicallyPrecedes($0, $1) }.map { decode($0, order: k) }
        return (sequences, stats)
    }

    /// Batches of restarts for order k until one finds nothing new (or `maxBatches`): restart i
    /// runs on rank i mod size with stream (k, i); after each batch the ranks all-gather the
    /// canonical sequences found, as [restart, words...]. Adds to `known` (canonical sequence ->
    /// first restart that found it) and returns the number of restarts run.
    func runBatches(order k: Int, evaluator: CandidateEvaluator, pool: CellSurvey?, collective: Collective,
                    known: inout [[UInt64]: Int], nonMinimal: inout Int) throws -> Int {
        let batch = options.restarts ?? CycleSearchOptions.defaultRestarts(order: k)
        let inner = options.innerIterations ?? CycleSearchOptions.defaultInnerIterations(order: k)
        let w = evaluator.w
        let radius = options.samplingRadius ?? samplingRadius
        var restarts = 0
        for batchIndex in 0..<options.maxBatches {
            var local: [[UInt64]: Int] = [:]
            let first = batchIndex * batch
            for restart in stride(from: first + collective.rank, to: first + batch, by: collective.size) {
                var generator = SeededGenerator(seed: options.seed, stream: UInt64(k) << 40 | UInt64(restart))
                var minimal = 0
                runRestart(order: k, inner: inner, evaluator: evaluator, pool: pool, radius: radius,
                           generator: &generator) { canonical in
                    if local[canonical] == nil { local[canonical] = restart }
                } nonMinimal: { minimal += 1 }
                nonMinimal += minimal
            }
            var flat: [UInt64] = []
            for (key, restart) in local where known[key] == nil {
                flat.append(UInt64(restart))
                flat += key
            }
            let all = try collective.allGather(flat)
            var added = 0
            var index = 0
            while index < all.count {
                let restart = Int(all[index])
                let key = Array(all[(index + 1)..<(index + 1 + k * w)])
                index += 1 + k * w
                if let previous = known[key] {
                    known[key] = min(previous, restart)
                } else {
                    known[key] = restart
                    added += 1
                }
            }
            restarts = first + batch
            if added == 0 { break }
        }
        return restarts
    }

    /// One restart: fresh sequence, then jumps, `inner` evaluations in all.
    func runRestart(order k: Int, inner: Int, evaluator: CandidateEvaluator, pool: CellSurvey?, radius: Double,
                    generator: inout SeededGenerator, found: ([UInt64]) -> Void, nonMinimal: () -> Void) {
        let w = evaluator.w
        randomSequence(order: k, evaluator: evaluator, pool: pool, radius: radius, generator: &generator)
        // Hashes of the sequences jumped to since the last fresh one: the jumps are
        // deterministic, so meeting one again means they run in a loop; draw afresh instead.
        var recent: [UInt64] = []
        recent.reserveCapacity(16)
        for _ in 0..<inner {
            switch evaluator.evaluate() {
            case .real:
                if let canonical = Self.canonicalRotation(evaluator.sequenceWords, order: k, words: w) {
                    found(canonical)
                } else {
                    nonMinimal()
                }
                recent.removeAll(keepingCapacity: true)
                randomSequence(order: k, evaluator: evaluator, pool: pool, radius: radius, generator: &generator)
            case .virtual:
                let hash = evaluator.visitedHash
                if evaluator.visitedIsSequence || recent.contains(hash) {
                    recent.removeAll(keepingCapacity: true)
                    randomSequence(order: k, evaluator: evaluator, pool: pool, radius: radius, generator: &generator)
                } else {
                    if recent.count == 16 { recent.removeFirst() }
                    recent.append(hash)
                    evaluator.jumpToVisited()
                }
            case .singular:
                recent.removeAll(keepingCapacity: true)
                randomSequence(order: k, evaluator: evaluator, pool: pool, radius: radius, generator: &generator)
            }
        }
    }

    /// Box radius for random initial states: covers the hyperplanes and the offsets.
    var samplingRadius: Double {
        let offsets = form.h1.map(abs).max() ?? 0
        return max(form.defaultSamplingRadius, 2 * offsets + 1)
    }

    /// Fills the evaluator's sequence with a fresh one: half the time the regions of a
    /// trajectory from a random state (after a transient), otherwise random regions.
    func randomSequence(order k: Int, evaluator: CandidateEvaluator, pool: CellSurvey?, radius: Double,
                        generator: inout SeededGenerator) {
        let w = evaluator.w, m = form.dimension
        if generator.next() & 1 == 0 {
            let z: [Double]
            if let pool, !pool.interiorPoints.isEmpty {
                z = pool.interiorPoints[Int(generator.next() % UInt64(pool.interiorPoints.count))]
            } else {
                z = (0..<m).map { _ in (2 * generator.uniform() - 1) * radius }
            }
            let transient = Int(generator.next() % UInt64(20 + 2 * k))
            if evaluator.sequenceFromTrajectory(start: z, transient: transient) { return }
        }
        if let pool, !pool.cells.isEmpty {
            for j in 0..<k {
                evaluator.setRegion(j, pool.cells[Int(generator.next() % UInt64(pool.cells.count))])
            }
        } else {
            let h = form.hiddenCount
            var words = [UInt64](repeating: 0, count: w)
            for j in 0..<k {
                for i in 0..<w {
                    let bits = min(64, h - 64 * i)
                    let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
                    words[i] = generator.next() & mask
                }
                evaluator.setRegion(j, words: words)
            }
        }
    }

    // MARK: Exhaustive

    func exhaustiveRegions(pool: CellSurvey?) throws(CycleSearchError) -> [RegionCode] {
        if let pool {
            guard pool.isComplete else { throw .exhaustiveNeedsAllCells(found: pool.cells.count, expected: pool.expectedCount) }
            return pool.cells.sorted()
        }
        let h = form.hiddenCount
        guard h < 40 else { throw .exhaustiveTooLarge(sequences: Double.infinity, limit: options.exhaustiveLimit) }
        return (0..<(UInt64(1) << UInt64(h))).map { RegionCode(index: $0, count: h) }
    }

    /// The number of aperiodic sequences up to rotation (Lyndon words) of length k over r
    /// letters, bounded above by r^k / k (+ r for k = 1).
    static func lyndonBound(letters r: Double, length k: Int) -> Double {
        k == 1 ? r : Double.pow(r, Double(k)) / Double(k) * 1.01 + 1
    }

    func exhaustiveOrder(_ k: Int, regions: [RegionCode], evaluator: CandidateEvaluator,
                         collective: Collective) throws -> ([[RegionCode]], CycleOrderStatistics) {
        let started = ContinuousClock.now
        var stats = CycleOrderStatistics(order: k)
        stats.exhaustive = true
        let w = evaluator.w, r = regions.count
        evaluator.setOrder(k)
        let startCandidates = evaluator.candidatesEvaluated, startSingular = evaluator.singularSystems
        let startProducts = evaluator.productsComputed
        var found: [[UInt64]] = []
        var letters = [Int](repeating: 0, count: k)
        var enumerated = 0
        // Duval's algorithm generates the Lyndon words of length exactly k in lexicographic
        // order; words are dealt to ranks in blocks so neighbouring (prefix-sharing) words stay together.
        Self.forEachLyndonWord(length: k, letters: r, into: &letters) { word in
            defer { enumerated += 1 }
            guard (enumerated / 64) % collective.size == collective.rank else { return }
            for j in 0..<k { evaluator.setRegion(j, regions[word[j]]) }
            if evaluator.evaluate() == .real {
                found.append(evaluator.sequenceWords)
            }
        }
        var flat: [UInt64] = []
        for s in found { flat += s }
        let all = try collective.allGather(flat)
        var keys = Set<[UInt64]>()
        var index = 0
        while index < all.count {
            let sequence = Array(all[index..<(index + k * w)])
            index += k * w
            if let canonical = Self.canonicalRotation(sequence, order: k, words: w) { keys.insert(canonical) }
        }
        let counts = try collective.allGather([UInt64(evaluator.candidatesEvaluated - startCandidates),
                                               UInt64(evaluator.singularSystems - startSingular),
                                               UInt64(evaluator.productsComputed - startProducts)])
        for rank in 0..<collective.size {
            stats.candidatesEvaluated += Int(counts[3 * rank])
            stats.singularSystems += Int(counts[3 * rank + 1])
            stats.products += Int(counts[3 * rank + 2])
        }
        stats.restarts = enumerated
        stats.cyclesFound = keys.count
        stats.seconds = Self.seconds(since: started)
        let sequences = keys.sorted { Self.lexicographicallyPrecedes($0, $1) }.map { decode($0, order: k) }
        return (sequences, stats)
    }

    /// Calls `body` with every Lyndon word of length `n` over `0..<letters`, in lexicographic
    /// order (Duval's algorithm).
    static func forEachLyndonWord(length n: Int, letters: Int, into w: inout [Int], _ body: ([Int]) -> Void) {
        guard letters > 0 else { return }
        var word = [-1]
        while !word.isEmpty {
            word[word.count - 1] += 1
            if word.count == n {
                for i in 0..<n { w[i] = word[i] }
                body(w)
            }
            // Extend periodically to length n, then strip trailing maximal letters.
            let m = word.count
            while word.count < n { word.append(word[word.count - m]) }
            while let last = word.last, last == letters - 1 { word.removeLast() }
        }
    }

    // MARK: Cycles from sequences

    /// The cycle of a canonical sequence, recomputed from that rotation so the numbers do not
    /// depend on how the search met it; nil if it no longer verifies.
    func cycle(canonical sequence: [RegionCode], evaluator: CandidateEvaluator) -> Cycle? {
        let k = sequence.count, m = form.dimension
        evaluator.setOrder(k)
        for j in 0..<k { evaluator.setRegion(j, sequence[j]) }
        guard evaluator.evaluate() == .real else { return nil }
        let points = (0..<k).map { evaluator.orbitPoint($0) }
        let product = Matrix(rows: m, columns: m, elements: evaluator.product)
        let values = (try? eigenvalues(product)) ?? []
        return Cycle(points: points, regions: sequence, eigenvalues: values, residual: evaluator.residual(),
                     marginalTolerance: options.marginalTolerance)
    }

    func decode(_ words: [UInt64], order k: Int) -> [RegionCode] {
        let w = RegionCode.wordCount(form.hiddenCount)
        return (0..<k).map { RegionCode(words: Array(words[(($0) * w)..<(($0 + 1) * w)]), count: form.hiddenCount)! }
    }

    /// The rotation of a sequence of k codes (w words each) that is smallest word by word, or
    /// nil if the sequence is periodic with a shorter period (then its cycle has a lower order).
    static func canonicalRotation(_ sequence: [UInt64], order k: Int, words w: Int) -> [UInt64]? {
        // Periodic sequences: a proper divisor p of k with sequence[i] == sequence[i + p].
        for p in 1..<max(k, 1) where k % p == 0 {
            var periodic = true
            for i in 0..<((k - p) * w) where sequence[i] != sequence[i + p * w] { periodic = false; break }
            if periodic { return nil }
        }
        var best = 0
        for s in 1..<max(k, 1) {
            for i in 0..<(k * w) {
                let a = sequence[(s * w + i) % (k * w)], b = sequence[(best * w + i) % (k * w)]
                if a != b {
                    if a < b { best = s }
                    break
                }
            }
        }
        return (0..<(k * w)).map { sequence[(best * w + $0) % (k * w)] }
    }

    static func lexicographicallyPrecedes(_ a: [UInt64], _ b: [UInt64]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    /// Merges cycles of the same order whose point sets agree within tolerance (one cycle met
    /// through regions that differ only on a boundary).
    static func mergeDuplicates(_ cycles: [Cycle]) -> [Cycle] {
        var kept: [Cycle] = []
        for cycle in cycles where !kept.contains(where: { $0.isSameCycle(as: cycle) }) {
            kept.append(cycle)
        }
        return kept
    }

    public static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
