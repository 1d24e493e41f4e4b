import LinearAlgebra

/// One-step prediction error of a map on state pairs (x, y = Phi_dt(x)).
public struct OneStepError: Sendable, Equatable {
    /// sqrt(mean over pairs and coordinates of (F(x) - y)^2), in the units of the states.
    public var rmse: Double
    /// rmse / sqrt(mean of (y - x)^2): the error relative to the size of one step.
    public var relative: Double
    public var pairs: Int

    public init(map form: ShallowForm, inputs: [[Double]], targets: [[Double]]) {
        var e2 = 0.0, d2 = 0.0, count = 0
        for (x, y) in zip(inputs, targets) {
            let f = form(x)
            for j in 0..<x.count {
                e2 += (f[j] - y[j]) * (f[j] - y[j])
                d2 += (y[j] - x[j]) * (y[j] - x[j])
                count += 1
            }
        }
        rmse = count > 0 ? (e2 / Double(count)).squareRoot() : .nan
        relative = d2 > 0 ? (e2 / d2).squareRoot() : .nan
        pairs = inputs.count
    }

    /// sqrt(sum_r w_r |F(x_r) - y_r|^2 / sum_r w_r |y_r - x_r|^2): the relative error with the
    /// weights of the least squares (without weights, `relative`).
    public static func weightedRelative(map form: ShallowForm, inputs: [[Double]], targets: [[Double]],
                                        weights: [Double]?) -> Double {
        var e2 = 0.0, d2 = 0.0
        for (r, (x, y)) in zip(inputs, targets).enumerated() {
            let f = form(x), w = weights?[r] ?? 1
            for j in 0..<x.count {
                e2 += w * (f[j] - y[j]) * (f[j] - y[j])
                d2 += w * (y[j] - x[j]) * (y[j] - x[j])
            }
        }
        return d2 > 0 ? (e2 / d2).squareRoot() : .nan
    }
}

/// A block of penalty rows weight * total weight * ||J~_d - target~||_F^2 (normalised
/// coordinates) for the region d: the invertibility constraint, and the Jacobians of the
/// known equilibria.
public struct JacobianPenalty: Sendable {
    public var region: RegionCode
    public var weight: Double
    /// The Jacobian to pull J_d towards (row-major M x M, original coordinates); nil: the
    /// fit's common `jacobianTarget`.
    public var target: [Double]?

    public init(region: RegionCode, weight: Double, target: [Double]? = nil) {
        self.region = region
        self.weight = weight
        self.target = target
    }
}

/// The least-squares fit of seed 002: with the hidden layer relu(W2 z + h2) fixed, the shPLRNN
/// z' = diag(A) z + W1 relu(W2 z + h2) + h1 is linear in A, W1 and h1, so each output
/// coordinate i is a (weighted) ridge regression
///
///     (y_i - x_i) / s_i  ~  c_i x~_i + sum_k w_ik relu(W2_k x + h2_k) + d_i
///
/// on the training pairs (x~ = normalised x, s = the normalisation's scale), minimising
/// sum_r weight_r residual_r^2 / sum_r weight_r + ridge * ||(c_i, w_i, d_i)||^2. Then
/// A_i = 1 + c_i, W1_ik = s_i w_ik, h1_i = s_i d_i - c_i mean_i. Fitting the increment y - x
/// rather than y makes the ridge pull towards the identity map.
///
/// Both targets are this regression: for the flow map y = Phi_dt(x); for the vector field
/// y = x + dt g(x), so the increment is dt g(x) and the fitted model is the Euler step
/// z + dt g_hat(z) of the fitted field g_hat (seed 002, eq. 10-11, with per-neuron offsets).
public enum OneStepRegression {
    /// The fit of `data` (its weights, and its anchors as Jacobian rows for the regions of
    /// the anchor points) plus `penalties`.
    public static func fit(_ data: TransitionData, features: RandomFeatures, normalisation: Normalisation, ridge: Double,
                           penalties: [JacobianPenalty] = [], jacobianTarget: [Double]? = nil,
                           featureValues: [Double]? = nil) throws -> Model {
        let total = data.trainWeights?.reduce(0, +) ?? Double(data.trainInputs.count)
        let anchors = data.anchors.map {
            JacobianPenalty(region: features.region(of: $0.point), weight: $0.weight / total, target: $0.jacobian)
        }
        return try fit(inputs: data.trainInputs, targets: data.trainTargets, features: features, normalisation: normalisation,
                       ridge: ridge, weights: data.trainWeights, penalties: anchors + penalties,
                       jacobianTarget: jacobianTarget, featureValues: featureValues)
    }

    /// The fitted model. `weights` (one per pair; nil: all 1) weight the squared residuals;
    /// `penalties` add rows that pull the region Jacobians towards `jacobianTarget`
    /// (row-major M x M, original coordinates).
    public static func fit(inputs: [[Double]], targets: [[Double]], features: RandomFeatures,
                           normalisation: Normalisation, ridge: Double, weights: [Double]? = nil,
                           penalties: [JacobianPenalty] = [], jacobianTarget: [Double]? = nil,
                           featureValues: [Double]? = nil) throws -> Model {
        let m = features.dimension, h = features.count, n = inputs.count
        let phi = featureValues ?? features.evaluate(inputs)
        let columns = h + 2
        let penaltyRows = penalties.count * m
        var aValues = [Double](repeating: 0, count: m)
        var w1 = [Double](repeating: 0, count: m * h)
        var h1 = [Double](repeating: 0, count: m)
        let s = normalisation.scale, mu = normalisation.mean
        let roots = weights?.map { $0.squareRoot() }
        // The total weight (n without weights) scales the ridge and the penalties.
        let total = weights?.reduce(0, +) ?? Double(n)
        for i in 0..<m {
            var design = [Double](repeating: 0, count: (n + penaltyRows) * columns)
            var rhs = [Double](repeating: 0, count: n + penaltyRows)
            for r in 0..<n {
                let base = r * columns
                let root = roots?[r] ?? 1
                design[base] = root * (inputs[r][i] - mu[i]) / s[i]
                for k in 0..<h { design[base + 1 + k] = root * phi[r * h + k] }
                design[base + h + 1] = root
                rhs[r] = root * (targets[r][i] - inputs[r][i]) / s[i]
            }
            // Penalty rows: sqrt(weight * total) * (J~_d[i, j] - target~[i, j]) for every column j.
            for (p, penalty) in penalties.enumerated() {
                let root = (penalty.weight * total).squareRoot()
                for j in 0..<m {
                    let row = n + p * m + j
                    let base = row * columns
                    design[base] = root * (i == j ? 1 : 0)
                    for k in 0..<h where penalty.region[k] {
                        design[base + 1 + k] = root * s[j] * features.W2[k * m + j]
                    }
                    let target = (penalty.target ?? jacobianTarget)?[i * m + j] ?? (i == j ? 1 : 0)
                    rhs[row] = root * ((target - (i == j ? 1 : 0)) * s[j] / s[i])
                }
            }
        let solution = try leastSquares(Matrix(rows: n + penaltyRows, columns: columns, elements: design),
                                            Matrix(rows: n + penaltyRows, columns: 1, elements: rhs),
                                            ridge: ridge * total)
            let c = solution.elements[0]
            aValues[i] = 1 + c
            for k in 0..<h { w1[i * h + k] = s[i] * solution.elements[1 + k] }
            h1[i] = s[i] * solution.elements[h + 1] - c * mu[i]
        }
        return try Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [m], values: aValues),
            "W1": Parameter(name: "W1", shape: [m, h], values: w1),
            "W2": Parameter(name: "W2", shape: [h, m], values: features.W2),
            "h1": Parameter(name: "h1", shape: [m], values: h1),
            "h2": Parameter(name: "h2", shape: [h], values: features.h2),
        ], source: "fit")
    }

    /// The Jacobian of the best affine map y ~ J x + c on the pairs (least squares), row-major.
    public static func affineJacobian(inputs: [[Double]], targets: [[Double]]) throws -> [Double] {
        let m = inputs[0].count, n = inputs.count
        var design = [Double](repeating: 0, count: n * (m + 1))
        var rhs = [Double](repeating: 0, count: n * m)
        for r in 0..<n {
            for j in 0..<m { design[r * (m + 1) + j] = inputs[r][j]; rhs[r * m + j] = targets[r][j] }
            design[r * (m + 1) + m] = 1
        }
        let solution = try leastSquares(Matrix(rows: n, columns: m + 1, elements: design), Matrix(rows: n, columns: m, elements: rhs))
        // solution is (m + 1) x m: row j, column i is J[i, j].
        var jacobian = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { jacobian[i * m + j] = solution[j, i] } }
        return jacobian
    }
}
