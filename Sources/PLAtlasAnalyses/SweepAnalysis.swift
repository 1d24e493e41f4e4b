import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

/// `[[sweep]]`: a bifurcation sweep as `platlas sweep` computes it (docs/sweeps.md), over one or
/// two parameters of the spec's model or over the models of a stack file (training
/// snapshots), written to `/<label>` in the layout of `/sweep` (docs/hdf5-schema.md). The group
/// is written round by round and is its own checkpoint: `platlas run --resume` continues it.
public struct SweepAnalysis: AnalysisConfiguration {
    /// One axis of a parameter sweep.
    public struct Axis: Sendable {
        /// What varies: `A[0]`, `W[1,0]`, `scale:W`, `h+u` (docs/sweeps.md).
        public var parameter: String
        public var range: SweepRange
        /// u, for a parameter of the form `NAME+u`.
        public var direction: [Double]?
        /// The line of `param` (or `param2`) in the spec, and its key.
        var line: Int?
        var key: String
    }

    /// The parameter axes (one or two); empty for a stack sweep.
    public var axes: [Axis]
    /// The stack swept over instead (`stack = FILE`): its absolute path and its models.
    public var stack: (path: String, models: [Model])?
    public var options: SweepOptions
    /// Bisect every bifurcation's parameter value to this tolerance.
    public var refine: Double?
    /// Seconds between writes of finished points (the checkpoint interval).
    public var flushInterval: Double
    /// The spec, for errors found by `check`.
    var specPath: String

    public static let kind = AnalysisKind(
        name: "sweep",
        summary: "cycles, attractors, Lyapunov exponents and bifurcations over a parameter grid or a stack of models",
        keys: [
            .init("max_order", "cycles of orders 1..max_order at every point", required: true),
            .init("param", "what varies along the first axis: A[0], W[1,0], scale:W, h+u"),
            .init("range", "values of the first axis: \"a:b:n\", n points from a to b"),
            .init("direction", "u for a param of the form NAME+u: an array of numbers, or a file of them"),
            .init("param2", "what varies along the second axis"),
            .init("range2", "values of the second axis"),
            .init("direction2", "u for a param2 of the form NAME+u"),
            .init("stack", "sweep over the models of this stack file (training snapshots) instead of a parameter"),
            .init("seed", "seed of every random choice (default: the spec's seed)"),
            .init("lyapunov", "the largest Lyapunov exponent at every point"),
            .init("spectrum", "the whole Lyapunov spectrum (implies lyapunov)"),
            .init("lyapunov_steps", "steps averaged for the Lyapunov exponents (default 5000)"),
            .init("orbit_diagram", "store asymptotic states of forward orbits (1D sweeps)"),
            .init("orbit_samples", "asymptotic states per initial state for the orbit diagram (default 64)"),
            .init("initial_conditions", "random initial states for attractors and Lyapunov exponents (default 8)"),
            .init("transient", "steps discarded before measuring a forward orbit (default 1000)"),
            .init("refine", "bisect every bifurcation's parameter value to this tolerance"),
            .init("warm_start", "seed each point's cycle search with the previous point's cycles (default true)"),
            .init("block_size", "points per block of work (default 8)"),
            .init("exact_below", "enumerate an order outright when it has at most this many region sequences (default 1000)"),
            .init("restarts", "restarts per batch of the cycle search"),
            .init("inner_iterations", "candidate evaluations per restart"),
            .init("flush_interval", "seconds between writes of finished points, the checkpoints (default 10)"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in try SweepAnalysis(table, context) })

    /// The checks of the options that need no model, for both front doors.
    public static func check(_ o: SweepOptions, refine: Double?, flushInterval: Double, naming: OptionNaming) throws(OptionValueError) {
        var search = CycleSearchOptions(maxOrder: o.maxOrder)
        search.restarts = o.restarts
        search.innerIterations = o.innerIterations
        try CyclesAnalysis.check(search, naming: naming)
        try naming.check("block_size", o.blockSize, atLeast: 1, limit: .count)
        try naming.check("exact_below", o.exactBelow, atLeast: 0, limit: .count)
        try naming.check("initial_conditions", o.initialConditions, atLeast: 1, limit: .count)
        try naming.check("transient", o.transient, atLeast: 0, limit: .count)
        try naming.check("lyapunov_steps", o.lyapunovSteps, atLeast: 1, limit: .count)
        try naming.check("orbit_samples", o.orbitSamples, atLeast: 0, limit: .count)
        try naming.check("refine", refine, atLeast: 0, strictly: true, "a positive tolerance")
        try naming.check("flush_interval", flushInterval, atLeast: 0, strictly: true, "a positive number of seconds")
    }

    init(_ table: SpecTable, _ context: SpecContext) throws(JobSpecError) {
        specPath = table.path
        var o = SweepOptions(maxOrder: try table.int("max_order")!)
        o.seed = try table.seed() ?? context.seed
        o.spectrum = try table.bool("spectrum") ?? false
        o.lyapunov = try table.bool("lyapunov") ?? false || o.spectrum
        o.warmStart = try table.bool("warm_start") ?? true
        o.blockSize = try table.int("block_size") ?? o.blockSize
        o.exactBelow = try table.int("exact_below") ?? o.exactBelow
        o.restarts = try table.int("restarts")
        o.innerIterations = try table.int("inner_iterations")
        o.initialConditions = try table.int("initial_conditions") ?? o.initialConditions
        o.transient = try table.int("transient") ?? o.transient
        if let steps = try table.int("lyapunov_steps") {
            guard o.lyapunov else { throw table.error("lyapunov_steps", "'lyapunov_steps' needs lyapunov = true (or spectrum = true)") }
            o.lyapunovSteps = steps
        }
        let orbitDiagram = try table.bool("orbit_diagram") ?? false
        if let samples = try table.int("orbit_samples", atLeast: 1) {
            guard orbitDiagram else { throw table.error("orbit_samples", "'orbit_samples' needs orbit_diagram = true") }
            o.orbitSamples = samples
        } else if orbitDiagram {
            o.orbitSamples = 64
        }
        let refine = try table.double("refine")
        self.refine = refine
        let flushInterval = try table.double("flush_interval") ?? 10
        self.flushInterval = flushInterval
        try table.checking { naming throws(OptionValueError) in try Self.check(o, refine: refine, flushInterval: flushInterval, naming: naming) }

        if let file = try table.string("stack") {
            for key in ["param", "range", "direction", "param2", "range2", "direction2"] where table.keys.contains(key) {
                throw table.error(key, "'\(key)' does not apply to a stack sweep (it sweeps over the models of 'stack')")
            }
            if refine != nil { throw table.error("refine", "'refine' does not apply to a stack sweep: there is no parameter between snapshots") }
            let path = (file.hasPrefix("/") ? file : (context.directory as NSString).appendingPathComponent(file) as String)
            let absolute = (path as NSString).standardizingPath
            let models: [Model]
            do {
                models = try ModelFile.load(absolute)
                _ = try Sweep(stack: models, options: o)
            } catch {
                throw table.error("stack", "stack: \(error)")
            }
            stack = (absolute, models)
            axes = []
        } else {
            guard table.keys.contains("param") else {
                throw table.error(nil, "[[sweep]] needs 'param' and 'range' (a parameter sweep) or 'stack' (a stack of models)")
            }
            axes = [try Self.axis(table, context, "param", "range", "direction")]
            if table.keys.contains("param2") || table.keys.contains("range2") || table.keys.contains("direction2") {
                axes.append(try Self.axis(table, context, "param2", "range2", "direction2"))
                if orbitDiagram { throw table.error("orbit_diagram", "'orbit_diagram' is for 1D sweeps; this one has 'param2'") }
            }
            stack = nil
        }
        options = o
    }

    /// The axis of keys `param`, `range`, `direction` (or `param2`, ...), each checked alone:
    /// the parameter itself is checked against the model by `check`.
    static func axis(_ table: SpecTable, _ context: SpecContext, _ paramKey: String, _ rangeKey: String,
                     _ directionKey: String) throws(JobSpecError) -> Axis {
        guard let parameter = try table.string(paramKey) else {
            throw table.error(table.keys.contains(rangeKey) ? rangeKey : directionKey, "'\(rangeKey)' and '\(directionKey)' need '\(paramKey)'")
        }
        guard let text = try table.string(rangeKey) else { throw table.error(paramKey, "'\(paramKey)' needs '\(rangeKey)' (\"a:b:n\")") }
        let range: SweepRange
        do {
            range = try SweepRange.parse(text)
        } catch {
            throw table.error(rangeKey, "'\(rangeKey)': \(error.description)")
        }
        let isDirection = parameter.filter { !$0.isWhitespace }.hasSuffix("+u")
        var direction: [Double]?
        if table.keys.contains(directionKey) {
            guard isDirection else {
                throw table.error(directionKey, "'\(directionKey)' is for a parameter of the form NAME+u, not '\(parameter)'")
            }
            if table.holdsString(directionKey), let file = try table.string(directionKey) {
                let path = file.hasPrefix("/") ? file : (context.directory as NSString).appendingPathComponent(file)
                do {
                    direction = try NumberFile.read(path)
                } catch {
                    throw table.error(directionKey, "'\(directionKey)': \(error.description)")
                }
            } else {
                direction = try table.numbers(directionKey)
            }
        } else if isDirection {
            throw table.error(paramKey, "'\(paramKey)' = '\(parameter)' needs '\(directionKey)' (the vector u)")
        }
        return Axis(parameter: parameter, range: range, direction: direction, line: table.line(of: paramKey), key: paramKey)
    }

    public var ownModels: (path: String, models: [Model])? { stack }

    public var checkpoints: Bool { true }

    /// The SPECs the sweep group records (`stack` for a stack sweep).
    var specs: [String] { stack == nil ? axes.map(\.parameter) : ["stack"] }

    /// The sweep over `model` (the run's model; a stack sweep ignores it).
    func sweep(of model: Model) throws(JobSpecError) -> Sweep {
        do {
            if let stack { return try Sweep(stack: stack.models, options: options) }
            var targets: [SweepTarget] = []
            for axis in axes {
                do {
                    targets.append(try SweepTarget.parse(axis.parameter, model: model, direction: axis.direction))
                } catch {
                    throw JobSpecError(specPath, line: axis.line, "'\(axis.key)': \(error.description)")
                }
            }
            return try Sweep(base: model, targets: targets, ranges: axes.map(\.range), options: options)
        } catch let error as JobSpecError {
            throw error
        } catch {
            throw JobSpecError(specPath, line: axes.first?.line, "\(error)")
        }
    }

    public func check(_ model: Model) throws(JobSpecError) { _ = try sweep(of: model) }

    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        let sweep: Sweep
        do {
            sweep = try self.sweep(of: context.model)
        } catch {
            throw InputError(error.description)
        }
        let started = ContinuousClock.now
        var completed: [SweepPoint] = []
        var writer: SweepGroup
        if let checkpoint = context.resumingFrom, root.isGroup(group) {
            do {
                writer = try SweepGroup.resume(in: root, name: group, sweep: sweep, specs: specs, communicator: context.communicator,
                                               source: "checkpoint '\(checkpoint)': /\(group)", reopenComplete: true, completed: &completed)
            } catch let error as SweepInputError {
                throw InputError(error.description)
            }
            context.log("/\(group): continuing from \(checkpoint): \(completed.count) of \(sweep.grid.count) points already done")
        } else {
            writer = try SweepGroup.create(in: root, name: group, sweep: sweep, specs: specs, communicator: context.communicator)
            if let stack {
                let g = try root.openGroup(group)
                try g.setAttribute("stack_path", stack.path)
                try ModelFile.write(stack.models, into: root, group: "/\(group)/model")
                try g.close()
            }
            try root.flushFile()
        }
        var written = completed.count
        let outcome = try sweep.complete(resumed: completed, refine: refine, collective: context.collective, flushInterval: flushInterval,
                                         log: context.log) { local in
            written += try writer.append(local)
            context.checkpointWritten(written)
        }
        try writer.finish(points: outcome.points, bifurcations: outcome.bifurcations)
        let seconds = CycleSearch.seconds(since: started)
        let shape = sweep.grid.shape.map(String.init).joined(separator: " x ")
        let summary = "/\(group): \(outcome.points.count) points (\(specs.joined(separator: " x ")), \(shape)), "
            + "\(outcome.bifurcations.count) bifurcations"
            + (outcome.resumed > 0 ? ", \(outcome.resumed) points read back from the checkpoint" : "") + ", \(formatSeconds(seconds)) s"
        let stats = SweepOutput.stats(outcome, ranks: context.collective.size, warmStart: options.warmStart, seconds: seconds)
        return AnalysisOutcome(summary: summary,
                               json: SweepOutput.json(outcome.points, bifurcations: outcome.bifurcations, spectrum: options.spectrum, stats: stats))
    }
}

/// A list of numbers in a text file: a JSON array or whitespace-separated numbers (a sweep's
/// direction u).
public enum NumberFile {
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func read(_ path: String) throws(ReadError) -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReadError(description: "cannot read '\(path)'") }
        let text = String(decoding: data, as: UTF8.self)
        let separators = CharacterSet(charactersIn: "[],").union(.whitespacesAndNewlines)
        let parts = text.components(separatedBy: separators).filter { !$0.isEmpty }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count, !values.isEmpty else { throw ReadError(description: "'\(path)' is not a list of numbers") }
        return values
    }
}
