import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas sweep MODEL --param SPEC --range a:b:n ...`: bifurcation sweeps.
struct SweepCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep one or two parameters (or a stack of models): cycles, attractors, Lyapunov exponents and bifurcations at every grid point.",
        discussion: reflow("""
        SPEC names what varies: an entry (A[0], W[1,0], W2[3,1], h[2], h1[0]), a whole array
        scaled (scale:W), or an array moved along a direction read from a file (h+u, with
        --direction FILE: a JSON array or whitespace-separated numbers). --stack MODELS.json sweeps
        over the models of a stack file instead (training snapshots).

        At every point: the cycles of orders 1..K with their stability (each point's search is
        seeded with the region sequences found at the previous point of its block), the number of
        attractors, with --lyapunov the largest Lyapunov exponent (--spectrum: all of them) from
        several initial states, transients discarded, and with --orbit-diagram the asymptotic
        states of forward orbits. Between neighbouring points, objects are matched and changes
        reported: fold, flip, neimark-sacker, border-collision, creation, destruction
        (--refine TOL: bisection on the parameter). docs/sweeps.md has the details.

        Limits (docs/model-format.md): at most PLATLAS_MAX_POINTS points (default 1000000),
        an orbit diagram of at most PLATLAS_MAX_VALUES numbers (points x initial conditions x
        samples x M), counts up to PLATLAS_MAX_COUNT; set the variable to raise one.

        Under mpirun the ranks share the blocks of points through a work queue on rank 0; the
        result does not depend on the number of ranks. With --output F the points are written as
        they complete, to F.partial, renamed to F when the sweep is complete; --resume F
        continues an interrupted run from F.partial and computes only missing points. --resume is
        safe to give every time: it keeps an F already complete (exit 0) and starts from the
        beginning when F.partial is missing or unreadable.

        Examples:
          platlas sweep model.json --param 'A[0]' --range 0.8:0.99:100 --max-order 20 --json
          platlas sweep toy.json --param 'h[0]' --range -1:1:200 --max-order 6 --lyapunov --orbit-diagram --plot toy.svg
          mpirun -np 4 platlas sweep model.json --param 'W[0,1]' --range -1:0:100 --param2 'h[1]' --range2 -1:1:100 --max-order 10 --output sweep.h5
          platlas sweep --stack snapshots.json --max-order 4
        """)
    )

    @Argument(help: ArgumentHelp("Model file (JSON or HDF5); omit with --stack.", valueName: "model"))
    var modelPath: String?

    @Option(help: ArgumentHelp("Sweep over the models of this stack file instead of a parameter.", valueName: "file"))
    var stack: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("What varies along the first axis.", valueName: "SPEC"))
    var parameter: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Values of the first axis: n points from a to b.", valueName: "a:b:n"))
    var range: String?

    @Option(name: .customLong("param2"), help: ArgumentHelp("What varies along the second axis.", valueName: "SPEC"))
    var parameter2: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Values of the second axis.", valueName: "a:b:n"))
    var range2: String?

    @Option(help: ArgumentHelp("Direction u for a SPEC of the form NAME+u (first axis).", valueName: "file"))
    var direction: String?

    @Option(help: ArgumentHelp("Direction u for the second axis.", valueName: "file"))
    var direction2: String?

    @Option(help: ArgumentHelp("Cycles of orders 1...K at every point.", valueName: "K"))
    var maxOrder: Int

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Flag(help: "Compute the largest Lyapunov exponent at every point.")
    var lyapunov = false

    @Flag(help: "Compute the whole Lyapunov spectrum (implies --lyapunov).")
    var spectrum = false

    @Flag(help: "Store asymptotic states of forward orbits (1D sweeps): the orbit diagram.")
    var orbitDiagram = false

    @Option(help: ArgumentHelp("Asymptotic states stored per initial state for --orbit-diagram (default: 64).", valueName: "N"), transform: wholeNumber)
    var orbitSamples = 64

    @Option(help: ArgumentHelp("Random initial states for attractors, Lyapunov exponents and the orbit diagram (default: 8).", valueName: "N"), transform: wholeNumber)
    var initialConditions = 8

    @Option(help: ArgumentHelp("Steps discarded before measuring a forward orbit (default: 1000).", valueName: "N"), transform: wholeNumber)
    var transient = 1000

    @Option(help: ArgumentHelp("Steps averaged for the Lyapunov exponents (default: 5000).", valueName: "N"), transform: wholeNumber)
    var lyapunovSteps = 5000

    @Option(help: ArgumentHelp("Refine every bifurcation's parameter value by bisection to this tolerance.", valueName: "TOL"))
    var refine: Double?

    @Flag(inversion: .prefixedNo, help: "Seed each point's cycle search with the previous point's region sequences.")
    var warmStart = true

    @Option(help: ArgumentHelp("Points per block of work (neighbouring points along the last axis) (default: 8).", valueName: "N"), transform: wholeNumber)
    var blockSize = 8

    @Option(help: ArgumentHelp("Enumerate an order outright when it has at most N region sequences (default: 1000).", valueName: "N"), transform: wholeNumber)
    var exactBelow = 1000

    @Option(help: ArgumentHelp("Restarts per batch of the cycle search (default: 10/40/100).", valueName: "N"), transform: wholeNumber)
    var restarts: Int?

    @Option(help: ArgumentHelp("Candidate evaluations per restart (default: 20/60/300/1080/1115).", valueName: "N"), transform: wholeNumber)
    var innerIterations: Int?

    @Option(help: ArgumentHelp("Seconds between writes of finished points.", valueName: "s"))
    var flushInterval = 10.0

    @Option(help: ArgumentHelp("Continue the interrupted sweep of this output (same options) from its checkpoint file.h5.partial, computing only missing points; keep the output if it is already complete; start from the beginning if there is no readable checkpoint.", valueName: "file.h5"))
    var resume: String?

    @Option(help: ArgumentHelp("Draw the 2D chart (or the 1D orbit diagram) as SVG.", valueName: "file.svg"))
    var plot: String?

    @OptionGroup var output: OutputOptions

    var prepared: PreparedSweep?

    struct PreparedSweep {
        var sweep: Sweep
        var models: [Model]
        var specs: [String]
    }

    enum CodingKeys: CodingKey {
        case modelPath, stack, parameter, range, parameter2, range2, direction, direction2, maxOrder, seed, lyapunov, spectrum,
             orbitDiagram, orbitSamples, initialConditions, transient, lyapunovSteps, refine, warmStart, blockSize, exactBelow,
             restarts, innerIterations, flushInterval, resume, plot, output
    }

    func validate() throws {
        if stack != nil {
            guard modelPath == nil else { throw ValidationError("give either a model with --param or --stack, not both") }
            guard parameter == nil, parameter2 == nil, range == nil, range2 == nil else {
                throw ValidationError("--stack sweeps over the models of the file; --param and --range do not apply")
            }
        } else {
            guard modelPath != nil else { throw ValidationError("missing model file (or --stack FILE)") }
            guard let parameter, !parameter.isEmpty else { throw ValidationError("missing --param SPEC") }
            guard let range else { throw ValidationError("missing --range a:b:n for --param \(parameter)") }
            do { _ = try SweepRange.parse(range) } catch { throw ValidationError("--range: \(error.description)") }
            if (parameter2 == nil) != (range2 == nil) { throw ValidationError("--param2 and --range2 go together") }
            if let range2 {
                do { _ = try SweepRange.parse(range2) } catch { throw ValidationError("--range2: \(error.description)") }
            }
        }
        guard orbitSamples >= 1 else { throw ValidationError("--orbit-samples must be at least 1, got \(orbitSamples)") }
        try AnalysisCommand.validate { () throws(OptionValueError) in
            try SweepAnalysis.check(options, refine: refine, flushInterval: flushInterval, naming: .commandLine)
        }
        if orbitDiagram && parameter2 != nil { throw ValidationError("--orbit-diagram is for 1D sweeps") }
        if let plot, !plot.lowercased().hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file: \(plot)") }
        try OutputPath.check(plot, option: "--plot")
        if let resume {
            let out = SweepFile.outputPath(resuming: resume)
            if let given = output.output, given != out { throw ValidationError("--resume writes into its own file; drop --output or give the same name") }
            try OutputOptions.check(out, option: "--resume")
        }
        try output.validate()
    }

    /// The options of the sweep, as a `[[sweep]]` table's.
    var options: SweepOptions {
        var options = SweepOptions(maxOrder: maxOrder)
        options.seed = seed
        options.warmStart = warmStart
        options.blockSize = blockSize
        options.exactBelow = exactBelow
        options.restarts = restarts
        options.innerIterations = innerIterations
        options.initialConditions = initialConditions
        options.transient = transient
        options.lyapunov = lyapunov || spectrum
        options.spectrum = spectrum
        options.lyapunovSteps = lyapunovSteps
        options.orbitSamples = orbitDiagram ? orbitSamples : 0
        return options
    }

    mutating func prepare() throws {
        let options = self.options
        do {
            if let stack {
                let models = try ModelFile.load(stack)
                let sweep = try Sweep(stack: models, options: options)
                prepared = PreparedSweep(sweep: sweep, models: models, specs: ["stack"])
            } else {
                let model = try ModelFile.loadSingle(modelPath!)
                var targets = [try SweepTarget.parse(parameter!, model: model, direction: try direction.map(Self.readVector))]
                var ranges = [try SweepRange.parse(range!)]
                var specs = [parameter!]
                if let parameter2, let range2 {
                    targets.append(try SweepTarget.parse(parameter2, model: model, direction: try direction2.map(Self.readVector)))
                    ranges.append(try SweepRange.parse(range2))
                    specs.append(parameter2)
                }
                let sweep = try Sweep(base: model, targets: targets, ranges: ranges, options: options)
                prepared = PreparedSweep(sweep: sweep, models: [model], specs: specs)
            }
        } catch let error as SweepInputError {
            throw InputError(error.description)
        }
    }

    /// The file of `--output OUT` (or `--resume OUT`): its checkpoint `OUT.partial` continued
    /// when resuming and readable, else a new one (collective).
    static func open(_ path: String, resuming: Bool, setup: PreparedSweep, world: Communicator, log: Log,
                     completed: inout [SweepPoint]) throws -> SweepFile {
        let communicator: Communicator? = world.size > 1 ? world : nil
        let checkpoint = SweepFile.checkpointPath(for: path)
        var state = CheckpointFile.inspect(checkpoint)
        if !resuming, state != .absent {
            log("not continuing \(checkpoint) (--resume not given): starting again")
            state = .absent
        } else if resuming, state == .absent, SweepFile.isUnfinished(path) {
            // Earlier versions wrote the sweep under its final name: continue such a file too.
            if world.isRoot { try AtomicFile.commit(path, to: checkpoint) }
            try world.barrier()
            state = .present
        }
        switch state {
        case .present:
            let file = try SweepFile.resume(path, sweep: setup.sweep, specs: setup.specs, communicator: communicator, completed: &completed)
            log("resuming \(checkpoint): \(completed.count) of \(setup.sweep.grid.count) points already done")
            return file
        case .unreadable(let reason):
            log("not continuing \(checkpoint) (\(reason)): starting again")
        case .notHDF5:
            log("not continuing \(checkpoint) (not an HDF5 file): starting again")
        case .absent:
            if resuming { log("no checkpoint \(checkpoint) (--resume): starting from the beginning") }
        }
        return try SweepFile.create(path, models: setup.models, provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                    sweep: setup.sweep, specs: setup.specs, communicator: communicator)
    }

    /// A vector from a file: a JSON array of numbers or whitespace-separated numbers.
    static func readVector(_ path: String) throws -> [Double] {
        do {
            return try NumberFile.read(path)
        } catch {
            throw InputError("--direction: \(error.description)")
        }
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        let path = resume.map(SweepFile.outputPath(resuming:)) ?? output.output
        try OutputClaim.whileWriting([path, plot], world: world, log: log) { try compute(world: world, log: log, path: path) }
    }

    func compute(world: Communicator, log: Log, path: String?) throws {
        let setup = prepared!
        let sweep = setup.sweep
        let started = ContinuousClock.now
        var completed: [SweepPoint] = []
        var file: SweepFile?
        if let path {
            do {
                if resume != nil, try SweepFile.isComplete(path, sweep: sweep, specs: setup.specs) {
                    Console.reportAlreadyComplete(path, json: output.json, world: world, log: log)
                    return
                }
                file = try Self.open(path, resuming: resume != nil, setup: setup, world: world, log: log, completed: &completed)
            } catch let error as SweepInputError {
                throw InputError(error.description)
            }
        }
        var written = completed.count
        let outcome: SweepOutcome
        do {
            outcome = try sweep.complete(resumed: completed, refine: refine,
                                         collective: AnalysisRunContext(model: sweep.firstModel, world: world, log: log).collective,
                                         flushInterval: flushInterval, log: log) { local in
                guard file != nil else { return }
                written += try file!.append(local)
                FaultInjection.sweepCheckpointWritten(pointsDone: written)
            }
        } catch {
            // The checkpoint keeps what the last round wrote: --resume continues from there
            // (unless a write was refused: a full disk may have left it inconsistent).
            if let open = file.take() { throw open.abandon(after: error) }
            throw error
        }
        let points = outcome.points, bifurcations = outcome.bifurcations
        if let open = file.take() {
            try open.finish(points: points, bifurcations: bifurcations)
            log("wrote \(path!)")
        }
        let seconds = CycleSearch.seconds(since: started)
        guard world.isRoot else { return }
        if let plot {
            try SweepPlot.svg(points: points, bifurcations: bifurcations, sweep: sweep, specs: setup.specs)
                .write(toFile: plot, atomically: true, encoding: .utf8)
            log("wrote \(plot)")
        }
        if output.json {
            let stats = SweepOutput.stats(outcome, ranks: world.size, warmStart: warmStart, seconds: seconds)
            Console.output(SweepOutput.json(points, bifurcations: bifurcations, spectrum: spectrum, stats: stats))
        } else {
            Console.output(Self.table(points, bifurcations: bifurcations, sweep: sweep, specs: setup.specs,
                                      candidates: outcome.computed.reduce(0) { $0 + $1.candidates }, seconds: seconds))
        }
    }

    static func table(_ points: [SweepPoint], bifurcations: [Bifurcation], sweep: Sweep, specs: [String], candidates: Int, seconds: Double) -> String {
        var lines = ["\(points.count) points (\(specs.joined(separator: " x "))), \(bifurcations.count) bifurcations, \(candidates) candidates, \(formatSeconds(seconds)) s"]
        lines.append("    #  values                cycles by order (stable)            attractors  lyapunov")
        for p in points {
            var byOrder: [Int: (Int, Int)] = [:]
            for c in p.cycles { byOrder[c.order, default: (0, 0)].0 += 1; if c.stability == .stable { byOrder[c.order]!.1 += 1 } }
            let cycles = byOrder.keys.sorted().map { "\($0):\(byOrder[$0]!.0)" + (byOrder[$0]!.1 > 0 ? "(\(byOrder[$0]!.1))" : "") }.joined(separator: " ")
            let values = p.values.map { String(format: "%.6g", $0) }.joined(separator: ", ")
            lines.append(String(format: "%5d  ", p.index) + pad(values, 20) + "  " + pad(cycles.isEmpty ? "-" : cycles, 34)
                         + String(format: "  %10d  ", p.attractorCount) + (p.lyapunov.isNaN ? "-" : String(format: "%.4f", p.lyapunov)))
        }
        if !bifurcations.isEmpty {
            lines.append("bifurcations:")
            lines.append("  between      type              order  value")
            for b in bifurcations {
                lines.append(String(format: "  %5d %5d  ", b.between.0, b.between.1) + pad(b.type.rawValue, 16)
                             + String(format: "  %5d  %.8g", b.order, b.value) + (b.refined ? " (refined)" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
