/// One step of orthogonal matching pursuit: the error with `hidden` selected units.
public struct MatchingPursuitStep: Sendable, Equatable {
    public var hidden: Int
    /// The unit added at this step (index into the pool); nil for the start (linear part only).
    public var feature: Int?
    /// Relative one-step errors (see `OneStepError.relative`).
    public var trainError: Double
    public var heldOutError: Double
    /// The training error with the pairs' weights (`OneStepError.weightedRelative`), the one
    /// the pursuit reduces; the same as `trainError` without weights.
    public var weightedTrainError: Double
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
/// vector-valued map). It starts from the linear part (the columns x~_j and 1, i.e. A and h1
/// only) and repeatedly adds the pool unit that best matches the current residuals r_i of the
/// output coordinates, then refits all weights by (ridge) least squares. The match is taken
/// after orthogonalising each pool column against the columns already chosen (the
/// "orthogonal least squares" form of the greedy step): score_k = sum_i (phi~_k . r_i)^2 /
/// |phi~_k|^2, which is the decrease of the squared residual that adding unit k alone would
/// give, and which keeps near-duplicates of chosen units from being picked again. Stops at the
/// first size whose relative one-step training error is at most `tolerance`, or at `maxHidden`.
public enum OrthogonalMatchingPursuit {
    public static func run(data: TransitionData, pool: RandomFeatures, normalisation: Normalisation, ridge: Double,
                           maxHidden: Int, tolerance: Double, log: Log = .silent) throws -> MatchingPursuitResult {
        let n = data.trainInputs.count, m = data.dimension, p = pool.count
        let phi = pool.evaluate(data.trainInputs)
        // Rows are scaled by sqrt(weight): inner products, residuals and the greedy scores are
        // those of the weighted least squares.
        let roots = data.trainWeights?.map { $0.squareRoot() } ?? [Double](repeating: 1, count: n)
        // Pool columns (column k at k * n), orthogonalised as the basis grows.
        var columns = [Double](repeating: 0, count: p * n)
        var originalNorms = [Double](repeating: 0, count: p)
        for r in 0..<n {
            for k in 0..<p {
                let v = roots[r] * phi[r * p + k]
                columns[k * n + r] = v
                originalNorms[k] += v * v
            }
        }
        func orthogonaliseAll(against q: [Double]) {
            for k in 0..<p {
                var d = 0.0
                for r in 0..<n { d += columns[k * n + r] * q[r] }
                for r in 0..<n { columns[k * n + r] -= d * q[r] }
            }
        }
        func addToBasis(_ v: [Double], _ basis: inout [[Double]]) -> [Double]? {
            var w = v
            for b in basis {
                var d = 0.0
                for r in 0..<n { d += w[r] * b[r] }
                for r in 0..<n { w[r] -= d * b[r] }
            }
            var n2 = 0.0
            for x in w { n2 += x * x }
            let original = v.reduce(0) { $0 + $1 * $1 }
            guard n2 > 1e-20 * max(original, 1e-300) else { return nil }
            let length = n2.squareRoot()
            w = w.map { $0 / length }
            basis.append(w)
            return w
        }
        // The linear columns every fit has.
        var basis: [[Double]] = []
        var linear = (0..<m).map { j in (0..<n).map { r in roots[r] * (data.trainInputs[r][j] - normalisation.mean[j]) / normalisation.scale[j] } }
        linear.append(roots)
        for column in linear { if let q = addToBasis(column, &basis) { orthogonaliseAll(against: q) } }

        var selected: [Int] = []
        var steps: [MatchingPursuitStep] = []
        var model: Model?
        var reached = false
        var residual = [Double](repeating: 0, count: n * m)
        while true {
            // Fit with the current selection (for none: a one-unit layer that is always off).
            let features = selected.isEmpty ? inactiveFeature(dimension: m) : pool.subset(selected)
            let current = try OneStepRegression.fit(data, features: features, normalisation: normalisation, ridge: ridge)
            let form = current.shallowForm()
            let train = OneStepError(map: form, inputs: data.trainInputs, targets: data.trainTargets)
            let heldOut = data.heldOutInputs.isEmpty ? train
                : OneStepError(map: form, inputs: data.heldOutInputs, targets: data.heldOutTargets)
            let weighted = OneStepError.weightedRelative(map: form, inputs: data.trainInputs, targets: data.trainTargets,
                                                         weights: data.trainWeights)
            steps.append(MatchingPursuitStep(hidden: selected.count, feature: selected.last, trainError: train.relative,
                                             heldOutError: heldOut.relative, weightedTrainError: weighted))
            log("omp: H = \(selected.count), relative error \(train.relative) (held out \(heldOut.relative))")
            if !selected.isEmpty { model = current }
            if train.relative <= tolerance && !selected.isEmpty { reached = true; break }
            if selected.count >= maxHidden || selected.count >= p { break }
            for r in 0..<n {
                let f = form(data.trainInputs[r])
                for i in 0..<m { residual[i * n + r] = roots[r] * (data.trainTargets[r][i] - f[i]) / normalisation.scale[i] }
            }
            let chosen = Set(selected)
            var best = -1, bestScore = -1.0
            for k in 0..<p where !chosen.contains(k) {
                var n2 = 0.0
                for r in 0..<n { n2 += columns[k * n + r] * columns[k * n + r] }
                guard n2 > 1e-10 * originalNorms[k], n2 > 0 else { continue }
                var score = 0.0
                for i in 0..<m {
                    var c = 0.0
                    for r in 0..<n { c += columns[k * n + r] * residual[i * n + r] }
                    score += c * c
                }
                score /= n2
                if score > bestScore { bestScore = score; best = k }
            }
            if best < 0 { break }
            selected.append(best)
            let column = Array(columns[(best * n)..<((best + 1) * n)])
            if let q = addToBasis(column, &basis) { orthogonaliseAll(against: q) }
        }
        return MatchingPursuitResult(steps: steps, selected: selected, model: model, reachedTolerance: reached)
    }

    /// relu(0 z - 1) = 0 everywhere: a placeholder layer for the linear-only start.
    static func inactiveFeature(dimension m: Int) -> RandomFeatures {
        RandomFeatures(dimension: m, W2: [Double](repeating: 0, count: m), h2: [-1])
    }
}
