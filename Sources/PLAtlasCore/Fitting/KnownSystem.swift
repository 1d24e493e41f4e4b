import RealModule

/// The built-in ODE systems `platlas fit --system` learns (docs/fitting.md lists the equations,
/// their sources and what their attractors are).
public enum KnownSystem: String, Sendable, CaseIterable {
    /// x' = y, y' = -delta y - alpha x - beta x^3 (unforced Duffing oscillator).
    case duffing
    /// x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z.
    case lorenz63
    /// x' = y, y' = mu (1 - x^2) y - x.
    case vanderpol
    /// x' = a x - b x^3: stable fixed points +-sqrt(a / b), unstable 0.
    case bistable
    /// Two excitatory populations E1, E2 and a shared inhibitory population I (docs/fitting.md).
    case decision

    /// The parameters and their default values, in a fixed order.
    public var defaultParameters: [(name: String, value: Double)] {
        switch self {
        case .duffing: [("alpha", -1), ("beta", 0.1), ("delta", 0.5)]
        case .lorenz63: [("sigma", 10), ("rho", 28), ("beta", 8.0 / 3.0)]
        case .vanderpol: [("mu", 1)]
        case .bistable: [("a", 1), ("b", 1)]
        case .decision: [("tau_E", 10), ("tau_inh", 5), ("w_EE", 16), ("w_EI", -15), ("w_IE", 12), ("R", 1),
                         ("I1", 40), ("I2", 40), ("gamma", 1), ("theta", 5)]
        }
    }

    public var dimension: Int {
        switch self {
        case .bistable: 1
        case .duffing, .vanderpol: 2
        case .lorenz63, .decision: 3
        }
    }

    public var variableNames: [String] {
        switch self {
        case .bistable: ["x"]
        case .duffing, .vanderpol: ["x", "y"]
        case .lorenz63: ["x", "y", "z"]
        case .decision: ["E1", "E2", "I"]
        }
    }

    /// The region of interest (lower, upper): the box where the fit samples its states (the
    /// initial states of the trajectories, the grid) and where the long-horizon check compares
    /// the fixed points with the true equilibria. It holds every equilibrium and attractor of
    /// the default parameters with a margin.
    public var regionOfInterest: (lower: [Double], upper: [Double]) {
        switch self {
        case .duffing: ([-4.5, -4.5], [4.5, 4.5])
        case .lorenz63: ([-25, -30, -10], [25, 30, 60])
        case .vanderpol: ([-4, -4], [4, 4])
        case .bistable: ([-1.5], [1.5])
        case .decision: ([-0.1, -0.1, -0.1], [1, 1, 1])
        }
    }

    /// Whether `z` lies in the box (bounds included).
    public static func contains(_ box: (lower: [Double], upper: [Double]), _ z: [Double]) -> Bool {
        z.indices.allSatisfy { box.lower[$0] <= z[$0] && z[$0] <= box.upper[$0] }
    }

    /// The length of the box's diagonal.
    public static func diagonal(_ box: (lower: [Double], upper: [Double])) -> Double {
        box.lower.indices.reduce(0.0) { $0 + (box.upper[$1] - box.lower[$1]) * (box.upper[$1] - box.lower[$1]) }.squareRoot()
    }

    /// The target a fit of a known system uses unless told otherwise (docs/fitting.md,
    /// "Results": the vector-field target keeps the equilibria and their stability).
    public static let defaultTarget = FitTarget.vectorField

    /// The defaults of `platlas fit` for this system and target (docs/fitting.md). Both targets
    /// use the same hidden size and samples, and the trajectories record a state every
    /// flow-map dt; they differ in dt. The vector-field target's dt is the Euler step, small
    /// enough that the Euler map z + dt f(z) keeps the stability of the equilibria
    /// (|1 + dt lambda| < 1 for every eigenvalue of Df with Re lambda < 0, with most of the
    /// margin) and is invertible on the region of interest.
    public func defaults(for target: FitTarget = KnownSystem.defaultTarget) -> FitDefaults {
        var d: FitDefaults
        switch self {
        case .duffing: d = FitDefaults(dt: 0.25, hidden: 160, samples: 4000, trajectorySteps: 40, maxStep: 0.01)
        case .lorenz63: d = FitDefaults(dt: 0.02, hidden: 200, samples: 20000, trajectorySteps: 100, maxStep: 0.002)
        case .vanderpol: d = FitDefaults(dt: 0.1, hidden: 160, samples: 4000, trajectorySteps: 40, maxStep: 0.01)
        case .bistable: d = FitDefaults(dt: 0.1, hidden: 20, samples: 1000, trajectorySteps: 10, maxStep: 0.01)
        case .decision: d = FitDefaults(dt: 1, hidden: 200, samples: 20000, trajectorySteps: 40, maxStep: 0.05)
        }
        if target == .vectorField {
            switch self {
            case .duffing, .decision: d.dt = 0.1
            case .lorenz63: d.dt = 0.01
            case .vanderpol: d.dt = 0.05
            case .bistable: break
            }
        }
        return d
    }

    /// The vector field f(z) of z' = f(z) with the parameter values `p` (in `defaultParameters` order).
    public func vectorField(_ z: [Double], _ p: [Double]) -> [Double] {
        switch self {
        case .duffing:
            let (alpha, beta, delta) = (p[0], p[1], p[2])
            return [z[1], -delta * z[1] - alpha * z[0] - beta * z[0] * z[0] * z[0]]
        case .lorenz63:
            let (sigma, rho, beta) = (p[0], p[1], p[2])
            return [sigma * (z[1] - z[0]), z[0] * (rho - z[2]) - z[1], z[0] * z[1] - beta * z[2]]
        case .vanderpol:
            return [z[1], p[0] * (1 - z[0] * z[0]) * z[1] - z[0]]
        case .bistable:
            return [p[0] * z[0] - p[1] * z[0] * z[0] * z[0]]
        case .decision:
            let (tauE, tauI, wEE, wEI, wIE, r) = (p[0], p[1], p[2], p[3], p[4], p[5])
            let (i1, i2, gamma, theta) = (p[6], p[7], p[8], p[9])
            func g(_ h: Double) -> Double { 1 / (1 + Double.exp(-(h - theta))) }
            let (e1, e2, inh) = (z[0], z[1], z[2])
            return [(-e1 + r * g(wEE * e1 + wEI * inh + gamma * i1 / tauE)) / tauE,
                    (-e2 + r * g(wEE * e2 + wEI * inh + gamma * i2 / tauE)) / tauE,
                    (-inh + g(wIE * (e1 + e2))) / tauI]
        }
    }
}

/// Per-system defaults of a fit.
public struct FitDefaults: Sendable, Equatable {
    /// The time step of the map the RNN learns (the flow map's, or the Euler step).
    public var dt: Double
    /// H, hidden units.
    public var hidden: Int
    /// State pairs sampled (training plus held out).
    public var samples: Int
    /// Steps of dt per training trajectory.
    public var trajectorySteps: Int
    /// The largest RK4 step used to integrate the flow.
    public var maxStep: Double
    /// Time between the recorded states of a training trajectory.
    public var trajectoryInterval: Double

    public init(dt: Double, hidden: Int, samples: Int, trajectorySteps: Int, maxStep: Double) {
        self.dt = dt
        self.hidden = hidden
        self.samples = samples
        self.trajectorySteps = trajectorySteps
        self.maxStep = maxStep
        self.trajectoryInterval = dt
    }
}

/// A known system with parameter values: the ODE whose time-dt flow map is learned.
public struct SystemInstance: Sendable {
    public let system: KnownSystem
    /// Values in `system.defaultParameters` order.
    public let parameters: [Double]

    /// The system with `overrides` (name to value) applied to its defaults; throws on an
    /// unknown name or a non-finite value.
    public init(_ system: KnownSystem, overrides: [(String, Double)] = []) throws(FitError) {
        self.system = system
        var values = system.defaultParameters.map(\.value)
        let names = system.defaultParameters.map(\.name)
        for (name, value) in overrides {
            guard let i = names.firstIndex(of: name) else {
                throw FitError("unknown parameter '\(name)' for system \(system.rawValue) (known: \(names.joined(separator: ", ")))")
            }
            guard value.isFinite else { throw FitError("parameter '\(name)' must be finite, got \(value)") }
            values[i] = value
        }
        self.parameters = values
    }

    public var dimension: Int { system.dimension }

    public func vectorField(_ z: [Double]) -> [Double] { system.vectorField(z, parameters) }

    /// The named parameter values, in order.
    public var namedParameters: [(name: String, value: Double)] {
        zip(system.defaultParameters.map(\.name), parameters).map { ($0, $1) }
    }
}

/// A problem with the inputs of a fit (unknown parameter, bad data), as one line.
public struct FitError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
