/// State pairs (x_t, x_{t+dt}) of a flow: the regression data of a fit, split into a training
/// part and a held-out part.
public struct TransitionData: Sendable, Equatable {
    public var dimension: Int
    public var dt: Double
    public var trainInputs: [[Double]]
    public var trainTargets: [[Double]]
    public var heldOutInputs: [[Double]]
    public var heldOutTargets: [[Double]]
    /// Least-squares weights of the training pairs (nil: all 1).
    public var trainWeights: [Double]?
    /// Known Jacobians of the map at points (the equilibria of a known system): each adds
    /// the rows weight * ||J_d - jacobian||_F^2 for the region d of its point.
    public var anchors: [JacobianAnchor] = []
    /// How many of the training states (the first ones) are ordinary samples: the
    /// normalisation and the hyperplanes of the features come from these only, so that the
    /// dense neighbourhoods of the equilibria draw no kinks to them. nil: all.
    public var ordinaryCount: Int?

    /// The ordinary training states.
    public var ordinaryInputs: ArraySlice<[Double]> { trainInputs.prefix(ordinaryCount ?? trainInputs.count) }

    public init(dimension: Int, dt: Double, trainInputs: [[Double]], trainTargets: [[Double]],
                heldOutInputs: [[Double]], heldOutTargets: [[Double]]) {
        self.dimension = dimension
        self.dt = dt
        self.trainInputs = trainInputs
        self.trainTargets = trainTargets
        self.heldOutInputs = heldOutInputs
        self.heldOutTargets = heldOutTargets
        self.trainWeights = nil
    }

    /// Pairs from a user's trajectories (each T x M, consecutive rows dt apart): the last fifth
    /// of the pairs of every trajectory (at least one pair of a trajectory with 5 or more) is
    /// held out.
    public static func fromTrajectories(_ trajectories: [[[Double]]], dt: Double) throws(FitError) -> TransitionData {
        guard let first = trajectories.first, let m = first.first?.count, m > 0 else {
            throw FitError("no trajectories")
        }
        var data = TransitionData(dimension: m, dt: dt, trainInputs: [], trainTargets: [], heldOutInputs: [], heldOutTargets: [])
        for (index, states) in trajectories.enumerated() {
            guard states.count >= 2 else { throw FitError("trajectory \(index) has \(states.count) states; at least 2 are needed") }
            let pairs = states.count - 1
            let heldOut = pairs >= 5 ? max(1, pairs / 5) : 0
            for s in 0..<pairs {
                if s < pairs - heldOut {
                    data.trainInputs.append(states[s]); data.trainTargets.append(states[s + 1])
                } else {
                    data.heldOutInputs.append(states[s]); data.heldOutTargets.append(states[s + 1])
                }
            }
        }
        if data.trainInputs.count < 2 { throw FitError("too few state pairs to fit (\(data.trainInputs.count))") }
        return data
    }

    /// Every input state (training, then held out).
    public var allInputs: [[Double]] { trainInputs + heldOutInputs }
}

/// The Jacobian the fitted map should have at a point, with its least-squares weight
/// (absolute: comparable with the sum of the pair weights).
public struct JacobianAnchor: Sendable, Equatable {
    public var point: [Double]
    /// Row-major M x M, original coordinates.
    public var jacobian: [Double]
    public var weight: Double

    public init(point: [Double], jacobian: [Double], weight: Double) {
        self.point = point
        self.jacobian = jacobian
        self.weight = weight
    }
}

/// Per-coordinate centring and scaling of states: z~ = (z - mean) / scale. Features and
/// regression run in these coordinates; the fitted model is expressed in the original ones.
public struct Normalisation: Sendable, Equatable {
    public var mean: [Double]
    public var scale: [Double]

    /// Mean and standard deviation of the states (a zero deviation becomes 1).
    public init(states: [[Double]]) {
        let m = states[0].count
        let n = Double(states.count)
        var mean = [Double](repeating: 0, count: m)
        for z in states { for j in 0..<m { mean[j] += z[j] } }
        for j in 0..<m { mean[j] /= n }
        var variance = [Double](repeating: 0, count: m)
        for z in states { for j in 0..<m { variance[j] += (z[j] - mean[j]) * (z[j] - mean[j]) } }
        self.mean = mean
        self.scale = variance.map { v in let s = (v / n).squareRoot(); return s > 0 ? s : 1 }
    }

    public init(mean: [Double], scale: [Double]) {
        self.mean = mean
        self.scale = scale
    }

    public func apply(_ z: [Double]) -> [Double] { (0..<z.count).map { (z[$0] - mean[$0]) / scale[$0] } }
}
