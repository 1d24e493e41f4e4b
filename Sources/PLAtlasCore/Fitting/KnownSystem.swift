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

    /// The box the initial states of the training trajectories are drawn from (lower, upper).
    public var regionOfInterest: (lower: [Double], upper: [Double]) {
        switch self {
        case .duffing: ([-4.5, -4.5], [4.5, 4.5])
        case .lorenz63: ([-20, -25, 0], [20, 25, 50])
        case .vanderpol: ([-4, -4], [4, 4])
        case .bistable: ([-1.5], [1.5])
        case .decision: ([0, 0, 0], [1, 1, 1])
        }
    }

    /// The defaults of `platlas fit` for this system, chosen so that the fitted map reproduces
    /// the attractors (docs/fitting.md).
    public var defaults: FitDefaults {
        switch self {
        case .duffing: FitDefaults(dt: 0.25, hidden: 40, samples: 4000, trajectorySteps: 40, maxStep: 0.01)
        case .lorenz63: FitDefaults(dt: 0.02, hidden: 300, samples: 20000, trajectorySteps: 100, maxStep: 0.002)
        case .vanderpol: FitDefaults(dt: 0.1, hidden: 80, samples: 4000, trajectorySteps: 40, maxStep: 0.01)
        case .bistable: FitDefaults(dt: 0.1, hidden: 10, samples: 1000, trajectorySteps: 10, maxStep: 0.01)
        case .decision: FitDefaults(dt: 1, hidden: 100, samples: 10000, trajectorySteps: 40, maxStep: 0.05)
        }
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
    /// The time step of the flow map the RNN learns.
    public var dt: Double
    /// H, hidden units.
    public var hidden: Int
    /// State pairs sampled (training plus held out).
    public var samples: Int
    /// Steps of dt per training trajectory.
    public var trajectorySteps: Int
    /// The largest RK4 step used to integrate the flow.
    public var maxStep: Double
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
