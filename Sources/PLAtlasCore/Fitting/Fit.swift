/// Everything one `platlas fit` does, as a library call: sample (or take) the data, draw the
/// features, solve (plain, by matching pursuit, or under the invertibility constraint), and
/// check the result.
public struct FitSettings: Sendable {
    public var hidden: Int
    public var ridge: Double = 1e-8
    public var seed: UInt64 = 1
    public var offsets: OffsetScheme = .throughData
    public var invertible = false
    /// Matching pursuit instead of a fixed hidden layer: the pool size, the tolerance on the
    /// relative one-step training error, and `hidden` becomes the largest size allowed.
    public var pursuit: (pool: Int, tolerance: Double)?
    /// Run the long-horizon check (fixed points, attractors).
    public var longHorizon = true
    public var census = CensusOptions()
    /// A fitted fixed point matches a true equilibrium within this fraction of the region of
    /// interest's diagonal (the topology comparison).
    public var positionTolerance = 0.02

    public init(hidden: Int) { self.hidden = hidden }
}

/// The outcome of a fit.
public struct FitReport: Sendable {
    public var model: Model
    public var trainError: OneStepError
    public var heldOutError: OneStepError
    public var invertibility: VisitedDeterminantReport
    /// Set when the fit was refitted under the invertibility constraint.
    public var invertibleRefit: (rounds: Int, penalisedRegions: Int, before: VisitedDeterminantReport)?
    public var pursuit: MatchingPursuitResult?
    public var longHorizon: LongHorizonReport?
    /// The comparison with the true system (known systems with the long-horizon check).
    public var topology: TopologyComparison?
    public var seconds: Double
}

/// The long-horizon comparison of the fitted map with the true system (when known).
public struct LongHorizonReport: Sendable {
    public var fixedPoints: [Cycle]
    /// For each fixed point of the fitted model: the index of the nearest true equilibrium and
    /// the distance to it.
    public var nearestTrue: [(index: Int, distance: Double)?]
    public var trueEquilibria: [EquilibriumPoint]
    public var attractors: [AttractorSummary]
    public var trueAttractors: [AttractorSummary]?

    /// Whether the fitted map has the true system's attractors: the same number of stable
    /// fixed points and the same kinds of attractors, and no orbit escapes.
    public var reproducesAttractors: Bool? {
        guard let truth = trueAttractors else { return nil }
        func kinds(_ a: [AttractorSummary]) -> [AttractorKind: Int] {
            var out: [AttractorKind: Int] = [:]
            for s in a { out[s.kind, default: 0] += 1 }
            return out
        }
        let fitted = kinds(attractors), expected = kinds(truth)
        if fitted[.unbounded] != nil { return false }
        if fitted[.fixedPoint] != expected[.fixedPoint] { return false }
        return Set(fitted.keys) == Set(expected.keys)
    }
}

public enum SystemFit {
    /// Samples a known system (`TransitionData.sample(_:target:dt:design:...)`, around the
    /// equilibria Newton finds in the region of interest) and fits it.
    public static func run(instance: SystemInstance, target: FitTarget, dt: Double, design: SampleDesign,
                           settings: FitSettings, maxStep: Double, log: Log = .silent) throws -> (FitReport, TransitionData, SampleCounts) {
        let equilibria = LongHorizonCheck.equilibria(of: instance, seed: settings.seed)
        let (data, counts) = TransitionData.sample(instance, target: target, dt: dt, design: design,
                                                   equilibria: equilibria.map(\.point), maxStep: maxStep, seed: settings.seed)
        log("sampled \(counts.trajectory) trajectory states, \(counts.grid) grid points, \(counts.neighbourhood) states around \(counts.equilibria) equilibria (\(target.rawValue) target, dt = \(dt))")
        let report = try run(data: data, settings: settings, instance: instance, equilibria: equilibria, maxStep: maxStep, log: log)
        return (report, data, counts)
    }

    /// Fits the one-step map of `data` (pairs (x, y) with y the flow map's or the Euler
    /// step's image of x); `instance` (a known system) adds the comparison with the true
    /// equilibria (`equilibria`, found by Newton when nil) and attractors.
    public static func run(data: TransitionData, settings: FitSettings, instance: SystemInstance? = nil,
                           equilibria knownEquilibria: [EquilibriumPoint]? = nil,
                           maxStep: Double = 0.01, log: Log = .silent) throws -> FitReport {
        let clock = ContinuousClock()
        let started = clock.now
        let ordinary = Array(data.ordinaryInputs)
        let normalisation = Normalisation(states: ordinary)
        var model: Model
        var pursuit: MatchingPursuitResult?
        var features: RandomFeatures
        if let (poolSize, tolerance) = settings.pursuit {
            let pool = RandomFeatures.sample(count: poolSize, states: ordinary, normalisation: normalisation,
                                             scheme: settings.offsets, seed: settings.seed)
            let result = try OrthogonalMatchingPursuit.run(data: data, pool: pool, normalisation: normalisation,
                                                           ridge: settings.ridge, maxHidden: settings.hidden,
                                                           tolerance: tolerance, log: log)
            pursuit = result
            features = pool.subset(result.selected.isEmpty ? [0] : result.selected)
            model = try result.model ?? OneStepRegression.fit(data, features: features, normalisation: normalisation,
                                                              ridge: settings.ridge)
        } else {
            features = RandomFeatures.sample(count: settings.hidden, states: ordinary, normalisation: normalisation,
                                             scheme: settings.offsets, seed: settings.seed)
            model = try OneStepRegression.fit(data, features: features, normalisation: normalisation, ridge: settings.ridge)
        }
        var invertibility = VisitedDeterminantReport(model: model, states: data.trainInputs)
        var refitInfo: (Int, Int, VisitedDeterminantReport)?
        if settings.invertible {
            let refit = try InvertibilityConstraint.refit(data: data, features: features, normalisation: normalisation,
                                                          ridge: settings.ridge, log: log)
            refitInfo = (refit.rounds, refit.penalisedRegions, invertibility)
            model = refit.model
            invertibility = refit.report
        }
        let form = model.shallowForm()
        let train = OneStepError(map: form, inputs: data.trainInputs, targets: data.trainTargets)
        let heldOut = data.heldOutInputs.isEmpty ? train
            : OneStepError(map: form, inputs: data.heldOutInputs, targets: data.heldOutTargets)
        log("one-step relative error: train \(train.relative), held out \(heldOut.relative)")

        var longHorizon: LongHorizonReport?
        var topology: TopologyComparison?
        if settings.longHorizon {
            let box = instance?.system.regionOfInterest ?? boundingBox(data.allInputs)
            var equilibria: [EquilibriumPoint] = []
            if let instance { equilibria = knownEquilibria ?? LongHorizonCheck.equilibria(of: instance, seed: settings.seed) }
            let fixed = try LongHorizonCheck.fixedPoints(of: model, seed: settings.seed,
                                                         states: data.allInputs + equilibria.map(\.point))
            var census = settings.census
            census.seed = settings.seed
            let attractors = LongHorizonCheck.attractors(of: form, dt: data.dt, box: box, options: census)
            var trueAttractors: [AttractorSummary]?
            if let instance {
                trueAttractors = LongHorizonCheck.attractors(of: LongHorizonCheck.flowMap(instance, dt: data.dt, maxStep: maxStep),
                                                             dt: data.dt, box: box, options: census)
            }
            let nearest: [(index: Int, distance: Double)?] = fixed.map { cycle in
                let z = cycle.points[0]
                return equilibria.indices.map { ($0, LongHorizonCheck.distance(equilibria[$0].point, z)) }
                    .min { $0.1 < $1.1 }.map { (index: $0.0, distance: $0.1) }
            }
            let report = LongHorizonReport(fixedPoints: fixed, nearestTrue: nearest, trueEquilibria: equilibria,
                                           attractors: attractors, trueAttractors: trueAttractors)
            longHorizon = report
            if instance != nil {
                topology = TopologyComparison(report: report, region: box, positionTolerance: settings.positionTolerance)
            }
            log("long horizon: \(fixed.count) fixed points; attractors: \(attractors.map { "\($0.kind.rawValue) (\($0.orbits) orbits)" }.joined(separator: ", "))")
        }
        let elapsed = clock.now - started
        return FitReport(model: model, trainError: train, heldOutError: heldOut, invertibility: invertibility,
                         invertibleRefit: refitInfo.map { (rounds: $0.0, penalisedRegions: $0.1, before: $0.2) },
                         pursuit: pursuit, longHorizon: longHorizon, topology: topology,
                         seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// The smallest box holding all states, widened by 10 % on each side.
    public static func boundingBox(_ states: [[Double]]) -> (lower: [Double], upper: [Double]) {
        let m = states[0].count
        var lower = states[0], upper = states[0]
        for z in states { for j in 0..<m { lower[j] = min(lower[j], z[j]); upper[j] = max(upper[j], z[j]) } }
        for j in 0..<m {
            let pad = 0.1 * max(upper[j] - lower[j], 1e-9)
            lower[j] -= pad; upper[j] += pad
        }
        return (lower, upper)
    }
}
