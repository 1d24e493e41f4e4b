import ArgumentParser
import Foundation
import HDF5
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas fit`: a shPLRNN for the vector field (one Euler step) or the time-dt flow map of a
/// known system, or the flow map of a user's trajectories, by weighted least squares on random
/// ReLU features, checked against the true system's topology (docs/fitting.md).
struct FitCommand: ParsableCommand, PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Build a shPLRNN from known dynamics (or trajectories) by least squares on random features.",
        discussion: reflow("""
        The model z' = diag(A) z + W1 relu(W2 z + h2) + h1 has a random hidden layer (W2, h2:
        hyperplanes through random sampled states) and A, W1, h1 from one weighted least-squares
        solve. For a built-in system the default target is its vector field g (seed 002): the
        model is one Euler step z' = z + dt g_hat(z), so its fixed points are the zeros of the
        fitted field. --target flow-map learns the time-dt flow map instead (the only target for
        --data). States: half on a grid over the system's region of interest, half along RK4
        trajectories from random states in it (the last fifth of the trajectories held out);
        each state is weighted by the inverse square of its increment (--relative-floor), and
        the true equilibria in the region, their Jacobians and 100 states around each are
        weighted heavily (--equilibrium-weight).

        Reported: train and held-out one-step errors, the signs of det J over the regions the
        training states visit, and a long-horizon check: fixed points (the cycle search of
        `cycles`, plus every region a sampled state lies in), attractors reached from random
        states with their largest Lyapunov exponent, and the comparison with the true system.
        Inside the region of interest the fitted fixed points must match the true equilibria
        (within 2 % of the region's diagonal, with the same unstable dimension), with no
        spurious ones and the same attractor classes; fixed points outside are reported only.
        A mismatch exits with code 1 and one line saying what differs, and writes no model,
        unless --allow-mismatch.

        Limits (docs/model-format.md): --hidden and --max-hidden at most PLATLAS_MAX_HIDDEN
        (default 65536), the least-squares design (pairs x (M + 1 + features)) at most
        PLATLAS_MAX_VALUES numbers, samples and RK4 steps (of the sampling, and of the true
        flow in the long-horizon check: 56000 steps of dt) at most PLATLAS_MAX_COUNT; set the
        variable to raise one. --output and --json-model are checked to be writable first.

        Systems: parameters; region of interest; dt (vector-field/flow-map); H; samples
          duffing    alpha=-1 beta=0.1 delta=0.5
                     [-4.5,4.5]^2; dt 0.1/0.25; H 160; 4000
          lorenz63   sigma=10 rho=28 beta=8/3
                     [-25,25]x[-30,30]x[-10,60]; dt 0.01/0.02; H 200; 20000
          vanderpol  mu=1
                     [-4,4]^2; dt 0.05/0.1; H 160; 4000
          bistable   a=1 b=1 (x' = a x - b x^3)
                     [-1.5,1.5]; dt 0.1/0.1; H 20; 1000
          decision   tau_E=10 tau_inh=5 w_EE=16 w_EI=-15 w_IE=12 R=1 I1=40 I2=40
                     gamma=1 theta=5
                     [-0.1,1]^3; dt 0.1/1; H 200; 20000

        Examples:
          platlas fit --system duffing --json-model duffing.json
          platlas fit --system lorenz63 --param rho=24 --output lorenz.h5 --json
          platlas fit --system vanderpol --target flow-map --json
          platlas fit --system bistable --omp --max-hidden 20 --tolerance 0.01
          platlas fit --data traj.h5 --hidden 50 --json-model mine.json
        """)
    )

    @Option(help: ArgumentHelp("Built-in system: duffing, lorenz63, vanderpol, bistable, decision.", valueName: "name"))
    var system: String?

    @Option(help: ArgumentHelp("HDF5 file of trajectories: every dataset at the root of shape T x M is one trajectory; dt from a 'dt' attribute (dataset or root) or --dt.", valueName: "traj.h5"))
    var data: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("Override a system parameter (repeatable).", valueName: "name=value"))
    var parameterOverrides: [String] = []

    @Option(help: ArgumentHelp("What the regression learns: vector-field (g of z' = g(z); the model is z' = z + dt g_hat(z)) or flow-map (Phi_dt). Default: vector-field for --system, flow-map for --data.", valueName: "vector-field|flow-map"))
    var target: String?

    @Option(help: "Time step: the Euler step of the vector-field target, the flow map's time (default: per system and target).")
    var dt: Double?

    @Option(help: "Hidden units H (default: per system; 50 for --data).", transform: wholeNumber)
    var hidden: Int?

    @Option(help: "States sampled from the system, half on a grid over the region of interest and half along trajectories (default: per system).", transform: wholeNumber)
    var samples: Int?

    @Option(help: ArgumentHelp("Weight of the known equilibria as a multiple of all ordinary states together: for each, the states sampled around it together, the equilibrium itself, and its Jacobian rows (0: none of these).", valueName: "w"))
    var equilibriumWeight: Double = 1

    @Option(help: ArgumentHelp("Relative weighting of the sampled states, 1 / (|increment|^2 + F^2 x its mean square): F caps the weight where the field vanishes (0: every state weighs 1).", valueName: "F"))
    var relativeFloor: Double = 0.1

    @Option(help: "Ridge penalty on the output weights (relative to the mean squared residual, normalised coordinates).")
    var ridge: Double = 1e-8

    @Option(help: "Seed of every random choice (initial states, features).")
    var seed: UInt64 = 1

    @Flag(help: "Seed 002's offsets: Gaussian slopes and offsets h2 = I v from one rank-one input term (v = 1), instead of hyperplanes through random training states.")
    var rankOneOffsets = false

    @Flag(help: "Orthogonal matching pursuit over a pool of random features: add units until the relative training error is at most --tolerance.")
    var omp = false

    @Option(help: "Largest hidden layer for --omp (default: 50).", transform: wholeNumber)
    var maxHidden: Int = 50

    @Option(help: "Relative one-step training error at which --omp stops.")
    var tolerance: Double = 0.01

    @Option(help: "Size of the feature pool for --omp (default: 2000).", transform: wholeNumber)
    var pool: Int = 2000

    @Flag(help: "Refit so that det J > 0 on every region the training states visit (an iteratively reweighted Jacobian penalty; docs/fitting.md).")
    var invertible = false

    @Flag(help: "Skip the long-horizon check (fixed points, attractors, the comparison with the true system).")
    var skipLongHorizon = false

    @Flag(help: "Accept a fit whose topology differs from the true system's (exit 0 and write the model) instead of exit code 1.")
    var allowMismatch = false

    @Option(help: ArgumentHelp("Write the fitted model as an HDF5 model file (model at /model, diagnostics at /fit).", valueName: "model.h5"))
    var output: String?

    @Option(help: ArgumentHelp("Write the fitted model as a JSON model file.", valueName: "model.json"))
    var jsonModel: String?

    @Flag(help: "Print one JSON document with the results to stdout (logs stay on stderr).")
    var json = false

    var instance: SystemInstance?
    var transitions: TransitionData?
    var defaults: FitDefaults?

    enum CodingKeys: CodingKey {
        case system, data, parameterOverrides, target, dt, hidden, samples, equilibriumWeight, relativeFloor, ridge, seed, rankOneOffsets
        case omp, maxHidden, tolerance, pool, invertible, skipLongHorizon, allowMismatch, output, jsonModel, json
    }

    /// The target: as given, else vector-field for a known system and flow-map for trajectories.
    var fitTarget: FitTarget {
        target.flatMap(Self.parseTarget) ?? (system != nil ? KnownSystem.defaultTarget : .flowMap)
    }

    /// "vector-field", "Vector_Field", "vectorfield", "field"; "flow-map", "flowmap", "flow".
    static func parseTarget(_ text: String) -> FitTarget? {
        let key = text.lowercased().filter { $0.isLetter }
        switch key {
        case "vectorfield", "field": return .vectorField
        case "flowmap", "flow": return .flowMap
        default: return nil
        }
    }

    func validate() throws {
        guard (system == nil) != (data == nil) else { throw ValidationError("give exactly one of --system NAME and --data FILE") }
        if let system, KnownSystem(rawValue: system) == nil {
            throw ValidationError("unknown system '\(system)' (known: \(KnownSystem.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if data != nil && !parameterOverrides.isEmpty { throw ValidationError("--param applies to --system only") }
        if let target, Self.parseTarget(target) == nil {
            throw ValidationError("--target must be vector-field or flow-map, got '\(target)'")
        }
        if data != nil && fitTarget == .vectorField {
            throw ValidationError("--target vector-field needs --system (trajectories give no vector field; use flow-map)")
        }
        if !(equilibriumWeight >= 0 && equilibriumWeight.isFinite) {
            throw ValidationError("--equilibrium-weight must be non-negative, got \(equilibriumWeight)")
        }
        if !(relativeFloor >= 0 && relativeFloor.isFinite) {
            throw ValidationError("--relative-floor must be non-negative, got \(relativeFloor)")
        }
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be positive, got \(dt)") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if let samples, samples < 10 { throw ValidationError("--samples must be at least 10, got \(samples)") }
        if !(ridge >= 0 && ridge.isFinite) { throw ValidationError("--ridge must be non-negative, got \(ridge)") }
        if omp {
            if maxHidden < 1 { throw ValidationError("--max-hidden must be at least 1, got \(maxHidden)") }
            if !(tolerance > 0) { throw ValidationError("--tolerance must be positive, got \(tolerance)") }
            if pool < maxHidden { throw ValidationError("--pool (\(pool)) must be at least --max-hidden (\(maxHidden))") }
        }
        for text in parameterOverrides { _ = try Self.parseOverride(text) }
        try Limits.current.check(options: [("--hidden", hidden, .hidden), ("--max-hidden", omp ? maxHidden : nil, .hidden),
                                           ("--samples", samples, .count), ("--pool", omp ? pool : nil, .count)])
        if let output, !(output.lowercased().hasSuffix(".h5") || output.lowercased().hasSuffix(".hdf5")) {
            throw ValidationError("--output must end in .h5 or .hdf5: \(output)")
        }
        if let jsonModel, !jsonModel.lowercased().hasSuffix(".json") {
            throw ValidationError("--json-model must end in .json: \(jsonModel)")
        }
        try OutputPath.check(output, option: "--output")
        try OutputPath.check(jsonModel, option: "--json-model")
    }

    static func parseOverride(_ text: String) throws -> (String, Double) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
            throw ValidationError("--param wants name=value with a finite number, got '\(text)'")
        }
        return (parts[0], value)
    }

    mutating func prepare() throws {
        if let name = system {
            let known = KnownSystem(rawValue: name)!
            let overrides = try parameterOverrides.map(Self.parseOverride)
            switch Result(catching: { () throws(FitError) in try SystemInstance(known, overrides: overrides) }) {
            case .success(let value): instance = value
            case .failure(let error): throw InputError(error.description)
            }
            let d = known.defaults(for: fitTarget)
            defaults = d
            // RK4 steps of the sampling: the trajectories record a state every interval, and the
            // flow-map target integrates every state over dt, in steps of at most the system's largest step.
            let step = dt ?? d.dt, count = samples ?? d.samples
            let interval = fitTarget == .flowMap ? step : d.trajectoryInterval
            let perState = (interval / d.maxStep).rounded(.up) + (fitTarget == .flowMap ? (step / d.maxStep).rounded(.up) : 0)
            // The long-horizon check follows orbits of the true time-dt flow map (whatever the
            // target), each step with M finite-difference flows beside it.
            let census = CensusOptions()
            let censusSteps = census.orbits * (census.transient + census.steps + min(census.steps, 1000))
            do {
                try Limits.current.check(Double(count) * max(1, perState), .count,
                                         "sampling \(count) states (targets dt = \(step) ahead) in RK4 steps of at most \(d.maxStep) takes a number of steps that")
                if !skipLongHorizon {
                    try Limits.current.check(Double(censusSteps * (known.dimension + 1)) * max(1, (step / d.maxStep).rounded(.up)), .count,
                                             "the long-horizon check (\(censusSteps) steps of the true flow over dt = \(step), or --skip-long-horizon) in RK4 steps of at most \(d.maxStep) takes a number of steps that")
                }
            } catch {
                throw InputError(error.description)
            }
        } else if let path = data {
            let (trajectories, fileDt) = try TrajectoryFile.read(path)
            guard let step = dt ?? fileDt else {
                throw InputError("\(path): no 'dt' attribute on the datasets or the root; give --dt")
            }
            guard step > 0 && step.isFinite else { throw InputError("\(path): dt must be positive, found \(step)") }
            switch Result(catching: { () throws(FitError) in try TransitionData.fromTrajectories(trajectories, dt: step) }) {
            case .success(let value): transitions = value
            case .failure(let error): throw InputError("\(path): \(error.description)")
            }
        }
        // The least-squares design: one row per state pair, one column per feature (and M + 1).
        let pairs = transitions.map { $0.trainInputs.count + $0.heldOutInputs.count } ?? samples ?? defaults?.samples ?? 0
        let dimension = transitions?.dimension ?? instance?.dimension ?? 0
        let features = omp ? pool : (hidden ?? defaults?.hidden ?? 50)
        do {
            try Limits.current.check(Double(pairs) * Double(dimension + 1 + features), .values,
                                     "the least-squares design of \(pairs) state pairs and \(features) \(omp ? "pool features" : "hidden units") (pairs x (M + 1 + features) numbers)")
        } catch {
            throw InputError(error.description)
        }
    }

    func run() throws {
        let log = Log { Console.log($0) }
        try OutputClaim.whileWriting([output, jsonModel], log: log) { try fit(log: log) }
    }

    func fit(log: Log) throws {
        let step = dt ?? defaults?.dt ?? transitions!.dt
        var settings = FitSettings(hidden: omp ? maxHidden : (hidden ?? defaults?.hidden ?? 50))
        settings.ridge = ridge
        settings.seed = seed
        settings.offsets = rankOneOffsets ? .rankOne : .throughData
        settings.invertible = invertible
        settings.longHorizon = !skipLongHorizon
        if omp { settings.pursuit = (pool, tolerance) }
        let clock = ContinuousClock(), started = clock.now
        let report: FitReport, data: TransitionData, counts: SampleCounts?
        if let instance, let defaults {
            var design = SampleDesign(samples: samples ?? defaults.samples, dimension: instance.dimension,
                                      trajectorySteps: defaults.trajectorySteps,
                                      trajectoryInterval: fitTarget == .flowMap ? step : defaults.trajectoryInterval,
                                      neighbourhoodWeight: equilibriumWeight)
            design.relativeFloor = relativeFloor
            (report, data, counts) = try SystemFit.run(instance: instance, target: fitTarget, dt: step, design: design,
                                                       settings: settings, maxStep: defaults.maxStep, log: log)
        } else {
            data = transitions!
            counts = nil
            report = try SystemFit.run(data: data, settings: settings, log: log)
        }
        let elapsed = clock.now - started
        let totalSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let mismatch = report.topology.map { !$0.agrees } ?? false
        if !mismatch || allowMismatch {
            if let jsonModel {
                try ModelFile.writeJSON([report.model], to: jsonModel)
                log("wrote the model to \(jsonModel)")
            }
            if let output {
                let provenance = FitOutput.Provenance(source: system ?? self.data ?? "", target: fitTarget, dt: step, seed: seed,
                                                      ridge: ridge, parameters: instance?.parameters)
                try FitOutput.writeHDF5(report, provenance: provenance, to: output)
                log("wrote the model to \(output)")
            }
        }
        if json {
            Console.output(document(report, data: data, counts: counts, totalSeconds: totalSeconds))
        } else {
            Console.output(summary(report, data: data))
        }
        if mismatch, let topology = report.topology {
            let what = topology.differences.map { $0.describe(fmt) }.joined(separator: "; ")
            if allowMismatch {
                log("the topology differs from the true system's (accepted by --allow-mismatch): \(what)")
            } else {
                let written = [output, jsonModel].contains { $0 != nil } ? "; no model written (--allow-mismatch writes it)" : ""
                throw TopologyMismatch(description: "\(system ?? ""): the fit's topology differs from the true system's: \(what)\(written)")
            }
        }
    }

    func document(_ report: FitReport, data: TransitionData, counts: SampleCounts?, totalSeconds: Double) -> JSONOutput {
        let error = FitOutput.errorJSON
        let invertibility = FitOutput.invertibilityJSON(report)
        var fields: [(String, JSONOutput)] = [
            ("system", system.map { .string($0) } ?? .null),
            ("data", data.dimension > 0 ? (self.data.map { .string($0) } ?? .null) : .null),
            ("parameters", .object(instance?.namedParameters.map { ($0.name, .number($0.value)) } ?? [])),
            ("dimension", .integer(data.dimension)),
            ("dt", .number(data.dt)),
            ("hidden", .integer(report.model.hiddenUnits)),
            ("seed", .integer(Int(truncatingIfNeeded: seed))),
            ("ridge", .number(ridge)),
            ("offsets", .string(rankOneOffsets ? OffsetScheme.rankOne.rawValue : OffsetScheme.throughData.rawValue)),
            ("target", .string(fitTarget.rawValue)),
            ("region_of_interest", instance.map { i in
                let box = i.system.regionOfInterest
                return .object([("lower", .numbers(box.lower)), ("upper", .numbers(box.upper))])
            } ?? .null),
            ("samples", counts.map { c in
                .object([("trajectory", .integer(c.trajectory)), ("grid", .integer(c.grid)),
                         ("neighbourhood", .integer(c.neighbourhood)), ("equilibria", .integer(c.equilibria)),
                         ("equilibrium_weight", .number(equilibriumWeight)), ("relative_floor", .number(relativeFloor))])
            } ?? .null),
            ("train_pairs", .integer(data.trainInputs.count)),
            ("heldout_pairs", .integer(data.heldOutInputs.count)),
            ("train_error", error(report.trainError)),
            ("heldout_error", error(report.heldOutError)),
        ]
        fields.append(("long_horizon", report.longHorizon.map { FitOutput.longHorizonJSON($0, topology: report.topology) } ?? .null))
        fields.append(("topology", report.topology.map { FitOutput.topologyJSON($0, report.longHorizon!, format: fmt) } ?? .null))
        fields.append(("invertibility", .object(invertibility)))
        if let pursuit = report.pursuit {
            fields.append(("omp", .array(pursuit.steps.map {
                .object([("hidden", .integer($0.hidden)), ("error", .number($0.trainError)), ("heldout_error", .number($0.heldOutError)),
                         ("weighted_error", .number($0.weightedTrainError))])
            })))
            fields.append(("omp_reached_tolerance", .bool(pursuit.reachedTolerance)))
        } else {
            fields.append(("omp", .null))
        }
        fields.append(("model_path", .array(([output, jsonModel].compactMap { $0 }).map { .string($0) })))
        fields.append(("seconds", .number(report.seconds)))
        fields.append(("total_seconds", .number(totalSeconds)))
        return .object(fields)
    }

    func summary(_ report: FitReport, data: TransitionData) -> String {
        var lines: [String] = []
        let what = system ?? self.data ?? ""
        lines.append("\(what): shplrnn M = \(data.dimension), H = \(report.model.hiddenUnits), \(fitTarget.rawValue) target, dt = \(data.dt), seed \(seed)")
        lines.append("one-step error: train rmse \(fmt(report.trainError.rmse)) (relative \(fmt(report.trainError.relative))), held out rmse \(fmt(report.heldOutError.rmse)) (relative \(fmt(report.heldOutError.relative)))")
        if let pursuit = report.pursuit {
            lines.append("omp: " + pursuit.steps.map { "H=\($0.hidden): \(fmt($0.trainError))" }.joined(separator: ", ")
                         + (pursuit.reachedTolerance ? " (tolerance reached)" : " (tolerance NOT reached)"))
        }
        let inv = report.invertibility
        lines.append("det J over \(inv.regionsVisited) visited regions: \(inv.positive) positive, \(inv.negative) negative, \(inv.zero) zero"
                     + (inv.allPositive ? " (invertible there)" : " (NOT invertible)"))
        if let lh = report.longHorizon {
            for (i, c) in lh.fixedPoints.enumerated() {
                var line = "fixed point \(c.points[0].map(fmt)) \(c.stability.rawValue)"
                if let near = lh.nearestTrue[i] { line += ", \(fmt(near.distance)) from true \(lh.trueEquilibria[near.index].point.map(fmt))" }
                lines.append(line)
            }
            for a in lh.attractors {
                lines.append("attractor: \(a.kind.rawValue) at \(a.centre.map(fmt)), largest Lyapunov exponent \(fmt(a.largestExponent)) per time unit (\(a.orbits) orbits)")
            }
            if let truth = lh.trueAttractors {
                lines.append("true system: " + truth.map { "\($0.kind.rawValue) (\($0.orbits) orbits)" }.joined(separator: ", "))
                if let same = lh.reproducesAttractors { lines.append(same ? "reproduces the attractors" : "does NOT reproduce the attractors") }
            }
            if let t = report.topology {
                if t.agrees {
                    let error = t.largestMatchedDistance.map { ", largest distance \(fmt($0))" } ?? ""
                    lines.append("topology agrees with the true system: \(t.matches.count == 1 ? "the fixed point" : "\(t.matches.count) fixed points") in the region of interest within \(fmt(t.tolerance)) with \(t.matches.count == 1 ? "its unstable dimension" : "their unstable dimensions")\(error), no spurious fixed point there (\(t.outside.count) outside), the same attractor classes")
                } else {
                    lines.append("topology DIFFERS from the true system: " + t.differences.map { $0.describe(fmt) }.joined(separator: "; "))
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
}

/// The fitted map's fixed points or attractors differ from the true system's: exit code 1.
struct TopologyMismatch: Error, CustomStringConvertible {
    var description: String
}
