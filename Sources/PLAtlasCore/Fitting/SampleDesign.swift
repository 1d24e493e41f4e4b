/// What the regression of a fit learns.
public enum FitTarget: String, Sendable, CaseIterable {
    /// The vector field g of z' = g(z) (seed 002, section 3): the model is one explicit Euler
    /// step z' = z + dt g_hat(z), so the fitted zeros are the model's fixed points and
    /// I + dt Dg_hat their Jacobians.
    case vectorField = "vector-field"
    /// The time-dt flow map Phi_dt.
    case flowMap = "flow-map"
}

/// Where the states of a fit of a known system come from: trajectories, a grid over the
/// region of interest, and dense, heavily weighted neighbourhoods of the known equilibria.
public struct SampleDesign: Sendable, Equatable {
    /// States along trajectories (training plus held out).
    public var trajectoryStates: Int
    /// Steps per trajectory.
    public var trajectorySteps: Int
    /// Time between the recorded states of a trajectory (the flow-map target uses dt).
    public var trajectoryInterval: Double
    /// At most this many grid points over the region of interest: G per axis, G^M <= this.
    public var gridPoints: Int
    /// Random states per known equilibrium inside the region, in the box
    /// z* +- neighbourhoodRadius * (side of the region) per axis.
    public var neighbourhoodPoints: Int
    public var neighbourhoodRadius: Double
    /// Least-squares weight of each neighbourhood state (the others weigh 1); the equilibrium
    /// itself and its Jacobian rows weigh neighbourhoodWeight * neighbourhoodPoints each. 0
    /// leaves the neighbourhoods and the equilibria out (the plain regression).
    public var neighbourhoodWeight: Double
    /// Relative weighting of the ordinary states (`TransitionData.relativeWeights`): the floor
    /// as a fraction of the root-mean-square increment; 0 weighs them all 1.
    public var relativeFloor: Double = 0.1

    public init(trajectoryStates: Int, trajectorySteps: Int, trajectoryInterval: Double, gridPoints: Int,
                neighbourhoodPoints: Int = 100, neighbourhoodRadius: Double = 0.02, neighbourhoodWeight: Double = 1) {
        self.trajectoryStates = trajectoryStates
        self.trajectorySteps = trajectorySteps
        self.trajectoryInterval = trajectoryInterval
        self.gridPoints = gridPoints
        self.neighbourhoodPoints = neighbourhoodPoints
        self.neighbourhoodRadius = neighbourhoodRadius
        self.neighbourhoodWeight = neighbourhoodWeight
    }

    /// `samples` states split evenly between trajectories and the grid (the grid takes the
    /// largest G^M <= samples / 2; the trajectories the rest).
    public init(samples: Int, dimension m: Int, trajectorySteps: Int, trajectoryInterval: Double,
                neighbourhoodWeight: Double = 1) {
        let grid = Self.gridSide(points: samples / 2, dimension: m)
        let gridCount = Self.power(grid, m)
        self.init(trajectoryStates: max(1, samples - gridCount), trajectorySteps: trajectorySteps,
                  trajectoryInterval: trajectoryInterval, gridPoints: gridCount, neighbourhoodWeight: neighbourhoodWeight)
    }

    /// The largest G with G^M <= points (0 when points < 2^M: no grid).
    public static func gridSide(points: Int, dimension m: Int) -> Int {
        var g = 1
        while power(g + 1, m) <= points { g += 1 }
        return g >= 2 ? g : 0
    }

    static func power(_ g: Int, _ m: Int) -> Int { (0..<m).reduce(1) { r, _ in r * g } }
}

/// How many training states of each kind a sampled data set holds.
public struct SampleCounts: Sendable, Equatable {
    public var trajectory = 0
    public var grid = 0
    public var neighbourhood = 0
    public var equilibria = 0
    public init() {}
}

extension TransitionData {
    /// The data of a fit of a known system (docs/fitting.md, "Data"):
    ///
    /// - trajectories of the true flow (RK4) from random initial states in the region of
    ///   interest, `trajectorySteps` recorded states `trajectoryInterval` apart each (trajectory
    ///   i uses random stream i of the seed), the states inside the region; the last fifth of
    ///   the trajectories is held out;
    /// - a cell-centred grid of G^M points over the region (training);
    /// - for each equilibrium in `equilibria` inside the region: `neighbourhoodPoints` random
    ///   states around it (stream 0xE1B0 + its index), weighted `neighbourhoodWeight`, and the
    ///   equilibrium itself with an anchor for the target's Jacobian there (central
    ///   differences), both weighted `neighbourhoodWeight * neighbourhoodPoints` (training).
    ///
    /// Targets: x + dt g(x) for the vector-field target (one Euler step of the true field, so
    /// the regression is of g), Phi_dt(x) for the flow-map target.
    public static func sample(_ instance: SystemInstance, target: FitTarget, dt: Double, design: SampleDesign,
                              equilibria: [[Double]], maxStep: Double, seed: UInt64) -> (TransitionData, SampleCounts) {
        let (lower, upper) = instance.system.regionOfInterest
        let m = instance.dimension
        let integrator = RungeKutta4(maxStep: min(maxStep, dt, design.trajectoryInterval)) { [instance] z in instance.vectorField(z) }
        func targetOf(_ x: [Double]) -> [Double] {
            switch target {
            case .vectorField:
                let g = instance.vectorField(x)
                return (0..<m).map { x[$0] + dt * g[$0] }
            case .flowMap:
                return integrator.flow(x, time: dt)
            }
        }
        var data = TransitionData(dimension: m, dt: dt, trainInputs: [], trainTargets: [], heldOutInputs: [], heldOutTargets: [])
        var counts = SampleCounts()
        var weights: [Double] = []
        func add(_ x: [Double], weight: Double, heldOut: Bool) -> Bool {
            let y = targetOf(x)
            guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return false }
            if heldOut {
                data.heldOutInputs.append(x); data.heldOutTargets.append(y)
            } else {
                data.trainInputs.append(x); data.trainTargets.append(y); weights.append(weight)
            }
            return true
        }
        // Trajectories.
        let steps = max(1, min(design.trajectorySteps, design.trajectoryStates))
        let count = max(2, (design.trajectoryStates + steps - 1) / steps)
        let heldOutFrom = count - max(1, count / 5)
        for t in 0..<count {
            var generator = SeededGenerator(seed: seed, stream: UInt64(t))
            let start = (0..<m).map { lower[$0] + (upper[$0] - lower[$0]) * generator.uniform() }
            for x in integrator.trajectory(from: start, dt: design.trajectoryInterval, count: steps) {
                guard x.allSatisfy(\.isFinite) else { break }
                // States that left the region are not what the fit is for.
                guard KnownSystem.contains((lower, upper), x) else { continue }
                if add(x, weight: 1, heldOut: t >= heldOutFrom) && t < heldOutFrom { counts.trajectory += 1 }
            }
        }
        // The grid.
        let side = SampleDesign.gridSide(points: design.gridPoints, dimension: m)
        if side > 0 {
            var index = [Int](repeating: 0, count: m)
            for _ in 0..<SampleDesign.power(side, m) {
                var x = lower
                for j in 0..<m { x[j] += (upper[j] - lower[j]) * (Double(index[j]) + 0.5) / Double(side) }
                if add(x, weight: 1, heldOut: false) { counts.grid += 1 }
                for j in 0..<m {
                    index[j] += 1
                    if index[j] < side { break }
                    index[j] = 0
                }
            }
        }
        data.ordinaryCount = data.trainInputs.count
        if design.relativeFloor > 0 { relativeWeights(data, floor: design.relativeFloor, into: &weights) }
        // Neighbourhoods of the equilibria: each neighbourhood, the equilibrium itself and its
        // Jacobian rows each weigh neighbourhoodWeight times all the ordinary states together.
        if design.neighbourhoodWeight > 0 {
            let anchorWeight = design.neighbourhoodWeight * Double(data.trainInputs.count)
            let stateWeight = anchorWeight / Double(max(1, design.neighbourhoodPoints))
            for (e, point) in equilibria.enumerated() where KnownSystem.contains((lower, upper), point) {
                counts.equilibria += 1
                guard add(point, weight: anchorWeight, heldOut: false) else { continue }
                data.anchors.append(JacobianAnchor(point: point, jacobian: jacobian(of: targetOf, at: point), weight: anchorWeight))
                var generator = SeededGenerator(seed: seed, stream: 0xE1B0 + UInt64(e))
                for _ in 0..<design.neighbourhoodPoints {
                    var x = point
                    for j in 0..<m {
                        let half: Double = design.neighbourhoodRadius * (upper[j] - lower[j])
                        x[j] += (2 * generator.uniform() - 1) * half
                    }
                    if add(x, weight: stateWeight, heldOut: false) { counts.neighbourhood += 1 }
                }
            }
        }
        if weights.contains(where: { $0 != 1 }) { data.trainWeights = weights }
        return (data, counts)
    }

    /// Weights of the ordinary states for a relative fit: w = 1 / (|v|^2 + floor^2 mean |v|^2)
    /// with v the increment y - x in normalised coordinates, scaled to mean 1. Where the field
    /// is small its relative error then counts, so the fit makes no zeros where the truth has
    /// none; the floor caps the weight at the equilibria at 1 / floor^2 times the typical one.
    static func relativeWeights(_ data: TransitionData, floor: Double, into weights: inout [Double]) {
        let n = data.ordinaryCount ?? data.trainInputs.count
        guard n > 0 else { return }
        let scale = Normalisation(states: Array(data.trainInputs.prefix(n))).scale
        let squares = (0..<n).map { r in
            data.dimension == 0 ? 0 : (0..<data.dimension).reduce(0.0) { sum, j in
                let v = (data.trainTargets[r][j] - data.trainInputs[r][j]) / scale[j]
                return sum + v * v
            }
        }
        let mean = squares.reduce(0, +) / Double(n)
        guard mean > 0 else { return }
        var raw = squares.map { 1 / ($0 + floor * floor * mean) }
        let total = raw.reduce(0, +)
        raw = raw.map { $0 * Double(n) / total }
        for r in 0..<n { weights[r] *= raw[r] }
    }

    /// The Jacobian of `map` at z by central differences (row-major).
    static func jacobian(of map: ([Double]) -> [Double], at z: [Double]) -> [Double] {
        let m = z.count
        var out = [Double](repeating: 0, count: m * m)
        for c in 0..<m {
            let h = 1e-6 * (1 + abs(z[c]))
            var plus = z, minus = z
            plus[c] += h; minus[c] -= h
            let fp = map(plus), fm = map(minus)
            for r in 0..<m { out[r * m + c] = (fp[r] - fm[r]) / (2 * h) }
        }
        return out
    }
}
