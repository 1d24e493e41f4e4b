/// One step of orthogonal matching pursuit: the error with `hidden` selected units.
public struct MatchingPursuitStep: Sendable, Equatable {
    public var hidden: Int
    /// The unit added at this step (index into the pool); nil for the start (linear part only).
    public var feature: Int?
    public var trainError: Double
    public var heldOutError: Double
}

/// The result of a pursuit: the curve, the selected pool indices, and the model at the stop.
public struct MatchingPursuitResult: Sendable {
    public var steps: [MatchingPursuitStep]
    public var selected: [Int]
    public var model: Model?
    /// Whether the tolerance was reached within the allowed number of units.
    public var reachedTolerance: Bool
}

/// Orthogonal matching pursuit over a pool of random features (seed 002, Algorithm 1, for a
/// vector-valued map): start from the linear part (A and h1 only), then repeatedly add the
/// pool unit whose column best matches the current residuals, sum_i (phi_k . r_i)^2 / |phi_k|^2
/// over the output coordinates i, and refit all weights by (ridge) least squares. Stops at the
/// first size whose relative one-step training error is at most `tolerance`, or at `maxHidden`.
public enum OrthogonalMatchingPursuit {
    public static func run(data: TransitionData, pool: RandomFeatures, normalisation: Normalisation, ridge: Double,
                           maxHidden: Int, tolerance: Double, log: Log = .silent) throws -> MatchingPursuitResult {
        let n = data.trainInputs.count, m = data.dimension, p = pool.count
        let phi = pool.evaluate(data.trainInputs)
        var norms = [Double](repeating: 0, count: p)
        for r in 0..<n { for k in 0..<p { norms[k] += phi[r * p + k] * phi[r * p + k] } }
        var selected: [Int] = []
        var steps: [MatchingPursuitStep] = []
        var model: Model?
        var reached = false
        while true {
            // Fit with the current selection (for none: a one-unit layer that is always off).
            let features = selected.isEmpty ? inactiveFeature(dimension: m) : pool.subset(selected)
            let current = try FlowMapRegression.fit(inputs: data.trainInputs, targets: data.trainTargets,
                                                    features: features, normalisation: normalisation, ridge: ridge)
            let form = current.shallowForm()
            let train = OneStepError(map: form, inputs: data.trainInputs, targets: data.trainTargets)
            let heldOut = data.heldOutInputs.isEmpty ? train
                : OneStepError(map: form, inputs: data.heldOutInputs, targets: data.heldOutTargets)
            steps.append(MatchingPursuitStep(hidden: selected.count, feature: selected.last,
                                             trainError: train.relative, heldOutError: heldOut.relative))
            log("omp: H = \(selected.count), relative error \(train.relative) (held out \(heldOut.relative))")
            if !selected.isEmpty { model = current }
            if train.relative <= tolerance && !selected.isEmpty { reached = true; break }
            if selected.count >= maxHidden || selected.count >= p { break }
            // Residuals of every output coordinate, in normalised units.
            var best = -1, bestScore = -1.0
            var residual = [Double](repeating: 0, count: n * m)
            for r in 0..<n {
                let f = form(data.trainInputs[r])
                for i in 0..<m { residual[r * m + i] = (data.trainTargets[r][i] - f[i]) / normalisation.scale[i] }
            }
            let chosen = Set(selected)
            for k in 0..<p where !chosen.contains(k) && norms[k] > 0 {
                var score = 0.0
                for i in 0..<m {
                    var c = 0.0
                    for r in 0..<n { c += phi[r * p + k] * residual[r * m + i] }
                    score += c * c
                }
                score /= norms[k]
                if score > bestScore { bestScore = score; best = k }
            }
            if best < 0 { break }
            selected.append(best)
        }
        return MatchingPursuitResult(steps: steps, selected: selected, model: model, reachedTolerance: reached)
    }

    /// relu(0 z - 1) = 0 everywhere: a placeholder layer for the linear-only start.
    static func inactiveFeature(dimension m: Int) -> RandomFeatures {
        RandomFeatures(dimension: m, W2: [Double](repeating: 0, count: m), h2: [-1])
    }
}
