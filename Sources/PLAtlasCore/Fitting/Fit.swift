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
    /// Fits the time-dt flow map of `data`; `instance` (a known system) adds the comparison
    /// with the true equilibria and attractors.
    public static func run(data: TransitionData, settings: FitSettings, instance: SystemInstance? = nil,
                           maxStep: Double = 0.01, log: Log = .silent) throws -> FitReport {
        let clock = ContinuousClock()
        let started = clock.now
        let normalisation = Normalisation(states: data.trainInputs)
        var model: Model
        var pursuit: MatchingPursuitResult?
        var features: RandomFeatures
        if let (poolSize, tolerance) = settings.pursuit {
            let pool = RandomFeatures.sample(count: poolSize, states: data.trainInputs, normalisation: normalisation,
                                             scheme: settings.offsets, seed: settings.seed)
            let result = try OrthogonalMatchingPursuit.run(data: data, pool: pool, normalisation: normalisation,
                                                           ridge: settings.ridge, maxHidden: settings.hidden,
                                                           tolerance: tolerance, log: log)
            pursuit = result
            features = pool.subset(result.selected.isEmpty ? [0] : result.selected)
            model = try result.model ?? FlowMapRegression.fit(inputs: data.trainInputs, targets: data.trainTargets,
                                                              features: features, normalisation: normalisation,
                                                              ridge: settings.ridge)
        } else {
            features = RandomFeatures.sample(count: settings.hidden, states: data.trainInputs, normalisation: normalisation,
                                             scheme: settings.offsets, seed: settings.seed)
            model = try FlowMapRegression.fit(inputs: data.trainInputs, targets: data.trainTargets, features: features,
                                              normalisation: normalisation, ridge: settings.ridge)
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
        if settings.longHorizon {
            let box = instance?.system.regionOfInterest ?? boundingBox(data.allInputs)
            let fixed = try LongHorizonCheck.fixedPoints(of: model, seed: settings.seed)
            var census = settings.census
            census.seed = settings.seed
            let attractors = LongHorizonCheck.attractors(of: form, dt: data.dt, box: box, options: census)
            var equilibria: [EquilibriumPoint] = []
            var trueAttractors: [AttractorSummary]?
            if let instance {
                equilibria = LongHorizonCheck.equilibria(of: instance, seed: settings.seed)
                trueAttractors = LongHorizonCheck.attractors(of: LongHorizonCheck.flowMap(instance, dt: data.dt, maxStep: maxStep),
                                                             dt: data.dt, box: box, options: census)
            }
            let nearest: [(index: Int, distance: Double)?] = fixed.map { cycle in
                let z = cycle.points[0]
                return equilibria.indices.map { ($0, LongHorizonCheck.distance(equilibria[$0].point, z)) }
                    .min { $0.1 < $1.1 }.map { (index: $0.0, distance: $0.1) }
            }
            longHorizon = LongHorizonReport(fixedPoints: fixed, nearestTrue: nearest, trueEquilibria: equilibria,
                                            attractors: attractors, trueAttractors: trueAttractors)
            log("long horizon: \(fixed.count) fixed points; attractors: \(attractors.map { "\($0.kind.rawValue) (\($0.orbits) orbits)" }.joined(separator: ", "))")
        }
        let elapsed = clock.now - started
        return FitReport(model: model, trainError: train, heldOutError: heldOut, invertibility: invertibility,
                         invertibleRefit: refitInfo.map { (rounds: $0.0, penalisedRegions: $0.1, before: $0.2) },
                         pursuit: pursuit, longHorizon: longHorizon,
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
