import LinearAlgebra

/// The signs of det J_d over the regions the training states visit.
public struct VisitedDeterminantReport: Sendable, Equatable {
    public var regionsVisited: Int
    public var positive: Int
    public var negative: Int
    public var zero: Int
    public var smallestDeterminant: Double
    /// Regions with det J <= 0.
    public var offending: [RegionCode]

    public var allPositive: Bool { negative == 0 && zero == 0 }

    /// The report for `model` over the regions of `states`.
    public init(model: Model, states: [[Double]]) {
        let form = model.shallowForm()
        var regions = Set<RegionCode>()
        for z in states { regions.insert(form.region(of: z)) }
        regionsVisited = regions.count
        positive = 0; negative = 0; zero = 0
        smallestDeterminant = .infinity
        offending = []
        for d in regions.sorted() {
            let det = determinant(form.jacobian(d))
            if det > 0 { positive += 1 } else if det < 0 { negative += 1 } else { zero += 1 }
            if !(det > 0) { offending.append(d) }
            smallestDeterminant = min(smallestDeterminant, det)
        }
    }
}

/// The result of a constrained refit.
public struct InvertibleRefit: Sendable {
    public var model: Model
    public var report: VisitedDeterminantReport
    /// Refits run (0 when the first fit already had all signs positive).
    public var rounds: Int
    public var penalisedRegions: Int
}

/// Refits with the constraint det J_d > 0 on every region the training states visit.
///
/// The hinge lambda_d max(0, -det J_d) of seed 003 is not linear in the weights, but J_d is:
/// J_d = diag(A) + W1 diag(d) W2 with W2 fixed. So the refit replaces the hinge by iterated
/// reweighting of a quadratic surrogate: every region whose determinant is not positive gets
/// the penalty weight * n * ||J~_d - T~||_F^2 (normalised coordinates) with target T the
/// Jacobian of the best affine fit to the data (the identity when that one's determinant is
/// not positive), and the weighted least-squares problem is solved again; weights start at
/// `initialWeight` and grow tenfold for every region that still offends, until all visited
/// regions have det J > 0 or `maxRounds` is spent. Penalised regions keep their weight.
public enum InvertibilityConstraint {
    public static func refit(data: TransitionData, features: RandomFeatures, normalisation: Normalisation,
                             ridge: Double, initialWeight: Double = 1e-3, maxRounds: Int = 30,
                             log: Log = .silent) throws -> InvertibleRefit {
        let phi = features.evaluate(data.trainInputs)
        var model = try OneStepRegression.fit(data, features: features, normalisation: normalisation, ridge: ridge,
                                              featureValues: phi)
        var report = VisitedDeterminantReport(model: model, states: data.trainInputs)
        var target = try OneStepRegression.affineJacobian(inputs: data.trainInputs, targets: data.trainTargets)
        let m = data.dimension
        if !(determinant(Matrix(rows: m, columns: m, elements: target)) > 0) {
            target = Matrix.identity(m).elements
        }
        var weights: [RegionCode: Double] = [:]
        var rounds = 0
        while !report.allPositive && rounds < maxRounds {
            rounds += 1
            for d in report.offending { weights[d] = (weights[d].map { $0 * 10 }) ?? initialWeight }
            let penalties = weights.keys.sorted().map { JacobianPenalty(region: $0, weight: weights[$0]!) }
            model = try OneStepRegression.fit(data, features: features, normalisation: normalisation, ridge: ridge,
                                              penalties: penalties,
                                              jacobianTarget: target, featureValues: phi)
            report = VisitedDeterminantReport(model: model, states: data.trainInputs)
            log("invertible refit round \(rounds): \(penalties.count) regions penalised, \(report.negative + report.zero) still with det J <= 0")
        }
        return InvertibleRefit(model: model, report: report, rounds: rounds, penalisedRegions: weights.count)
    }
}
