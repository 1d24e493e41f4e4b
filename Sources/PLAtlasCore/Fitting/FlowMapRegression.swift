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
}

/// A penalty row block for the invertibility constraint: lambda ||J_d - target||_F^2 in
/// normalised coordinates, for the region d.
public struct JacobianPenalty: Sendable {
    public var region: RegionCode
    public var weight: Double
}

/// The least-squares fit of seed 002 for a flow map: with the hidden layer relu(W2 z + h2)
/// fixed, the shPLRNN z' = diag(A) z + W1 relu(W2 z + h2) + h1 is linear in A, W1 and h1, so
/// each output coordinate i is a ridge regression
///
///     (y_i - x_i) / s_i  ~  c_i x~_i + sum_k w_ik relu(W2_k x + h2_k) + d_i
///
/// on the training pairs (x~ = normalised x, s = the normalisation's scale), minimising
/// mean squared residual + ridge * ||(c_i, w_i, d_i)||^2. Then A_i = 1 + c_i,
/// W1_ik = s_i w_ik, h1_i = s_i d_i - c_i mean_i. Fitting the increment y - x rather than y
/// makes the ridge pull towards the identity map, which is what a flow map over a short dt is
/// close to.
public enum FlowMapRegression {
    /// The fitted model. `penalties` add rows that pull the region Jacobians towards
    /// `jacobianTarget` (row-major M x M, original coordinates).
    public static func fit(inputs: [[Double]], targets: [[Double]], features: RandomFeatures,
                           normalisation: Normalisation, ridge: Double,
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
        for i in 0..<m {
            var design = [Double](repeating: 0, count: (n + penaltyRows) * columns)
            var rhs = [Double](repeating: 0, count: n + penaltyRows)
            for r in 0..<n {
                let base = r * columns
                design[base] = (inputs[r][i] - mu[i]) / s[i]
                for k in 0..<h { design[base + 1 + k] = phi[r * h + k] }
                design[base + h + 1] = 1
                rhs[r] = (targets[r][i] - inputs[r][i]) / s[i]
            }
            // Penalty rows: sqrt(weight * n) * (J~_d[i, j] - target~[i, j]) for every column j.
            for (p, penalty) in penalties.enumerated() {
                let root = (penalty.weight * Double(n)).squareRoot()
                for j in 0..<m {
                    let row = n + p * m + j
                    let base = row * columns
                    design[base] = root * (i == j ? 1 : 0)
                    for k in 0..<h where penalty.region[k] {
                        design[base + 1 + k] = root * s[j] * features.W2[k * m + j]
                    }
                    let target = jacobianTarget?[i * m + j] ?? (i == j ? 1 : 0)
                    rhs[row] = root * ((target - (i == j ? 1 : 0)) * s[j] / s[i])
                }
            }
            let solution = try leastSquares(Matrix(rows: n + penaltyRows, columns: columns, elements: design),
                                            Matrix(rows: n + penaltyRows, columns: 1, elements: rhs),
                                            ridge: ridge * Double(n))
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
