import RealModule

/// Settings of a sweep (`platlas sweep`).
public struct SweepOptions: Sendable {
    /// Cycles of orders 1...maxOrder at every point.
    public var maxOrder: Int
    /// Seed of every random choice; point i uses its own streams of it.
    public var seed: UInt64 = 0
    /// Seed each point's cycle search with the region sequences found at the previous point of
    /// its block.
    public var warmStart = true
    /// Points per block (see `SweepGrid.blocks(size:)`).
    public var blockSize = 8
    /// Orders with at most this many region sequences (up to rotation) are enumerated outright.
    public var exactBelow = 1000
    public var restarts: Int?
    public var innerIterations: Int?
    public var marginalTolerance = 1e-6
    /// Forward orbits from this many random initial states (attractors, Lyapunov, orbit diagram).
    public var initialConditions = 8
    /// Steps discarded before anything is measured on a forward orbit.
    public var transient = 1000
    /// Compute the largest Lyapunov exponent (`spectrum`: all of them).
    public var lyapunov = false
    public var spectrum = false
    /// Steps averaged for the Lyapunov exponents.
    public var lyapunovSteps = 5000
    /// Store this many asymptotic states per initial condition (0: no orbit diagram).
    public var orbitSamples = 0
    /// Orbits beyond this norm count as diverged.
    public var divergenceBound = 1e8

    public init(maxOrder: Int) { self.maxOrder = maxOrder }

    /// The cycle search options of point i.
    func searchOptions(point index: Int) -> CycleSearchOptions {
        var o = CycleSearchOptions(maxOrder: maxOrder)
        var g = SeededGenerator(seed: seed, stream: UInt64(index))
        o.seed = g.next()
        o.restarts = restarts
        o.innerIterations = innerIterations
        o.autoExhaustiveLimit = exactBelow
        o.marginalTolerance = marginalTolerance
        return o
    }
}

/// What a sweep found at one grid point.
public struct SweepPoint: Sendable, Equatable {
    public var index: Int
    /// The parameter values (one per axis; the snapshot index for a stack).
    public var values: [Double]
    /// Cycles of orders 1...K, as `CycleSearch` reports them.
    public var cycles: [Cycle]
    /// Stable cycles found, plus 1 if some bounded forward orbit converged to none of them
    /// (an attractor beyond order K: chaotic, quasi-periodic or a longer cycle).
    public var attractorCount: Int
    /// Forward orbits that stayed bounded / diverged.
    public var boundedOrbits: Int
    public var divergedOrbits: Int
    /// The largest Lyapunov exponent over the bounded orbits (NaN if not computed or none).
    public var lyapunov: Double
    /// The spectrum of the orbit with that largest exponent (empty unless requested).
    public var spectrum: [Double]
    /// Asymptotic states of forward orbits (orbit diagram; empty unless requested), each of
    /// dimension M, `initialConditions * orbitSamples` of them (NaN rows for diverged orbits).
    public var orbit: [[Double]]
    /// Candidate evaluations of the cycle search.
    public var candidates: Int
    /// Region sequences the search was seeded with (0 for a cold start).
    public var seeds: Int
    public var seconds: Double

    public init(index: Int, values: [Double], cycles: [Cycle], attractorCount: Int, boundedOrbits: Int, divergedOrbits: Int,
                lyapunov: Double, spectrum: [Double], orbit: [[Double]], candidates: Int, seeds: Int, seconds: Double) {
        self.index = index
        self.values = values
        self.cycles = cycles
        self.attractorCount = attractorCount
        self.boundedOrbits = boundedOrbits
        self.divergedOrbits = divergedOrbits
        self.lyapunov = lyapunov
        self.spectrum = spectrum
        self.orbit = orbit
        self.candidates = candidates
        self.seeds = seeds
        self.seconds = seconds
    }

    public static func == (a: SweepPoint, b: SweepPoint) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.index == b.index && a.values == b.values && a.cycles.count == b.cycles.count
            && zip(a.cycles, b.cycles).allSatisfy { $0.regions == $1.regions && $0.points == $1.points && $0.stability == $1.stability }
            && a.attractorCount == b.attractorCount && same(a.lyapunov, b.lyapunov)
            && a.spectrum.count == b.spectrum.count && zip(a.spectrum, b.spectrum).allSatisfy(same)
            && a.orbit.count == b.orbit.count && zip(a.orbit, b.orbit).allSatisfy { zip($0, $1).allSatisfy(same) }
    }
}

/// A parameter sweep: the models along a grid and the analysis of each point
/// (science.md section 4; docs/sweeps.md). The core part: it analyses the points it is given;
/// `PLAtlasCluster` distributes blocks of points over ranks.
public struct Sweep: Sendable {
    public enum Source: Sendable {
        /// A base model with one target per axis.
        case parameters(base: Model, targets: [SweepTarget])
        /// A sequence of models (e.g. training snapshots); the one axis is the model index.
        case stack([Model])
    }

    public let source: Source
    public let grid: SweepGrid
    public var options: SweepOptions

    /// A sweep of `targets` (one per range) of `base`.
    public init(base: Model, targets: [SweepTarget], ranges: [SweepRange], options: SweepOptions) throws(SweepInputError) {
        guard targets.count == ranges.count, (1...2).contains(targets.count) else {
            throw SweepInputError("a sweep has one or two parameters, each with a range")
        }
        try Self.checkSizes(points: Limits.product(ranges.map(\.count)), dimension: base.dimension, options: options)
        self.source = .parameters(base: base, targets: targets)
        self.grid = SweepGrid(axes: ranges.map(\.values))
        self.options = options
    }

    /// Fails when the grid or what it keeps would be larger than `Limits.current` allows: the
    /// points, the orbit diagram (points x initial conditions x samples x M numbers), the
    /// spectra (points x M) and one point's cycle search. Checked before anything is allocated.
    static func checkSizes(points: Double, dimension: Int, options: SweepOptions) throws(SweepInputError) {
        let limits = Limits.current, m = Double(dimension)
        do throws(LimitError) {
            try limits.check(points, .points, "the number of sweep points")
            if options.orbitSamples > 0 {
                try limits.check(points * Double(options.initialConditions) * Double(options.orbitSamples) * m, .values,
                                 "the orbit diagram (points x initial conditions x samples x M numbers)")
            }
            if options.spectrum { try limits.check(points * m, .values, "the Lyapunov spectra (points x M numbers)") }
        } catch {
            throw SweepInputError(error.description)
        }
        do { try CycleSearch.checkSize(maxOrder: options.maxOrder, dimension: dimension) } catch { throw SweepInputError(error.description) }
    }

    /// A sweep over a stack of models, which must share kind and dimensions.
    public init(stack models: [Model], options: SweepOptions) throws(SweepInputError) {
        guard let first = models.first else { throw SweepInputError("the stack holds no models") }
        for (i, m) in models.enumerated() {
            guard m.kind == first.kind else {
                throw SweepInputError("stack model \(i) is a \(m.kind.rawValue), model 0 a \(first.kind.rawValue): a stack sweep needs one kind")
            }
            guard m.dimension == first.dimension, m.hiddenUnits == first.hiddenUnits else {
                throw SweepInputError("stack model \(i) has dimension M = \(m.dimension), H = \(m.hiddenUnits); model 0 has M = \(first.dimension), H = \(first.hiddenUnits): a stack sweep needs models of one dimension")
            }
        }
        try Self.checkSizes(points: Double(models.count), dimension: first.dimension, options: options)
        self.source = .stack(models)
        self.grid = SweepGrid(axes: [models.indices.map(Double.init)])
        self.options = options
    }

    public var dimension: Int {
        switch source {
        case .parameters(let base, _): base.dimension
        case .stack(let models): models[0].dimension
        }
    }

    /// The model at parameter values (one per axis); for a stack, the model of that index.
    public func model(values: [Double]) -> Model {
        switch source {
        case .parameters(let base, let targets):
            var m = base
            for (t, v) in zip(targets, values) { m = t.apply(to: m, value: v) }
            return m
        case .stack(let models): return models[Int(values[0])]
        }
    }

    public func model(at index: Int) -> Model { model(values: grid.values(of: index)) }

    public func blocks() -> [Range<Int>] { grid.blocks(size: options.blockSize) }

    /// Analyses a block in order, each point warm-started from the one before it.
    public func analyse(block: Range<Int>) throws -> [SweepPoint] {
        var results: [SweepPoint] = []
        for i in block {
            let seeds = options.warmStart ? (results.last?.cycles.map(\.regions) ?? []) : []
            results.append(try analyse(point: i, seeds: seeds))
        }
        return results
    }

    /// Analyses one point: cycles (seeded with `seeds`), then forward orbits from random
    /// initial states for attractors, Lyapunov exponents and the orbit diagram.
    public func analyse(point index: Int, seeds: [[RegionCode]] = []) throws -> SweepPoint {
        let started = ContinuousClock.now
        let model = model(at: index)
        let search = try CycleSearch(model: model, options: options.searchOptions(point: index))
        let result = try search.run(seeds: seeds)
        let form = search.form
        let m = form.dimension
        let stable = result.cycles.filter { $0.stability == .stable }
        var generator = SeededGenerator(seed: options.seed, stream: UInt64(index) | (1 << 62))
        let radius = search.samplingRadius
        var bounded = 0, diverged = 0, unexplained = false
        var largest = -Double.infinity
        var spectrum: [Double] = []
        var orbit: [[Double]] = []
        let nan = [Double](repeating: .nan, count: m)
        for _ in 0..<options.initialConditions {
            var z = (0..<m).map { _ in (2 * generator.uniform() - 1) * radius }
            var escaped = false
            for _ in 0..<options.transient {
                z = form(z)
                if !(Self.norm(z) <= options.divergenceBound) { escaped = true; break }
            }
            var samples: [[Double]] = []
            if !escaped {
                for _ in 0..<options.orbitSamples {
                    z = form(z)
                    if !(Self.norm(z) <= options.divergenceBound) { escaped = true; break }
                    samples.append(z)
                }
            }
            if escaped {
                diverged += 1
                orbit += [[Double]](repeating: nan, count: options.orbitSamples)
                continue
            }
            orbit += samples
            bounded += 1
            let onStableCycle = stable.contains { c in c.points.contains { Self.distance($0, z) <= 1e-4 * (1 + Self.norm(z)) } }
            if !onStableCycle { unexplained = true }
            if options.lyapunov || options.spectrum {
                let lyapunovOptions = LyapunovOptions(transient: 0, steps: options.lyapunovSteps,
                                                      count: options.spectrum ? nil : 1, divergenceBound: options.divergenceBound)
                let exponents = lyapunovExponents(of: form, from: z, options: lyapunovOptions)
                if !exponents.diverged, exponents.largest > largest {
                    largest = exponents.largest
                    spectrum = options.spectrum ? exponents.exponents : []
                }
            }
        }
        return SweepPoint(index: index, values: grid.values(of: index), cycles: result.cycles,
                          attractorCount: stable.count + (unexplained ? 1 : 0), boundedOrbits: bounded, divergedOrbits: diverged,
                          lyapunov: largest.isFinite ? largest : .nan, spectrum: spectrum, orbit: orbit,
                          candidates: result.candidatesEvaluated, seeds: seeds.count,
                          seconds: CycleSearch.seconds(since: started))
    }

    static func norm(_ z: [Double]) -> Double { z.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
        return s.squareRoot()
    }
}
