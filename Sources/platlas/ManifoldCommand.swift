import ArgumentParser
import Foundation
import LinearAlgebra
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas manifold MODEL (--cycle I | --point x,y,...) --kind stable|unstable|both`.
struct ManifoldCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold",
        abstract: "Stable and unstable manifolds of a saddle fixed point or saddle cycle, with Delta_sigma.",
        discussion: reflow("""
        The saddle is object I of the cycle search (run here up to --max-order, or read from
        /cycles of --cycles F.h5), or the fixed point in the region of --point. The local
        piece is the largest part of the saddle's eigenspace whose orbit stays in the saddle's
        regions and the box (exact, whatever the eigenvalues). It is pushed forward (unstable)
        or backward through every preimage (stable) region by region: most trained networks
        are not invertible, and the stable set is the union over every preimage branch; the
        branching is reported (support points with 0, 1, 2, 3+ preimages). 1-dimensional
        manifolds are exact polylines by default (images or preimages of segments clipped at
        region boundaries); others are flat sheets per region, each the exact image or
        preimage of its parent inside one region (a convex piece: any point of it lies on the
        manifold), sampled by support points. Stops when nothing new is produced inside the
        box, at --max-iterations, or at the budget (then the summary says "truncated").

        Every manifold reports its coverage: the fraction of an independent sample of the
        true manifold in the box (the local piece pushed through every preimage, generation
        by generation) that lies on a computed sheet; below 0.95 it says so on stderr. And
        Delta_sigma (seed 003; with the 0.95 quantile of the manifold points, and the strict
        seed-003 form). --single-branch follows one preimage only (seed 003's construction,
        for models trained to be invertible); it refuses a map that is not invertible where
        the manifold goes, unless --allow-non-invertible.

        --bounds lo:hi (every coordinate) or lo1:hi1,lo2:hi2,...; default: the bounding box
        of all cycles found, enlarged on every side by its side length or 1 + half the
        largest coordinate magnitude, whichever is larger, joined with the extent of the
        orbits of 200 random points of that box (divergent orbits left out), plus 10%
        (docs/manifolds.md). --plot F.svg draws the manifolds and cycles in the first two
        coordinates.

        Limits (docs/model-format.md): a sheet's support points (NS x M numbers) and the
        --exchange-limit buffer at most PLATLAS_MAX_VALUES numbers, --max-iterations at most
        PLATLAS_MAX_COUNT; --plot, --output and the checkpoint are checked to be writable first.

        Under mpirun or srun the regions are spread over the ranks: each rank owns some
        regions, builds their sheets, and sends the points that land elsewhere to their owner
        once per round (--ownership, --no-rebalance, --exchange-limit; docs/scaling.md). Any
        number of ranks gives the same manifold. Rank 0 prints a progress line per round on
        stderr. --checkpoint-every N saves the state every N rounds (to --checkpoint F.h5,
        default OUTPUT.checkpoint.h5); --resume F.h5 continues from it, with the same
        options, on any number of ranks, to the same result. The checkpoint is removed once
        the result is written to --output, unless --keep-checkpoint. A kept checkpoint of a
        run that stopped at --max-iterations continues further when resumed with a higher
        --max-iterations. --resume is safe to give every time: a missing or unreadable F.h5
        starts from the beginning, and an --output already complete for these options is kept
        (exit 0).

        Examples:
          platlas manifold jobs/models/duffing.json --cycle 1 --kind unstable --json
          platlas manifold model.json --max-order 3 --cycle 1 --kind both --output m.h5
          mpirun -np 4 platlas manifold model.json --cycle 1 --kind stable --output m.h5 --checkpoint-every 10
          mpirun -np 4 platlas manifold model.json --cycle 1 --kind stable --output m.h5 --resume m.checkpoint.h5
        """)
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var saddle: SaddleOptions

    @Option(help: "Which manifolds of the saddle.")
    var kind: ManifoldKinds = .both

    @Option(help: ArgumentHelp("polyline (1-dimensional manifolds only) or sheets; default polyline where possible.", valueName: "method"))
    var method: ManifoldMethod?

    @Option(help: ArgumentHelp("Support points per new sheet (default: k_neigh * d).", valueName: "NS"), transform: wholeNumber)
    var supportPoints: Int?

    @Flag(help: "With --single-branch: keep a stable manifold even where the backward step found no or several preimages (reported).")
    var allowNonInvertible = false

    @OptionGroup var plotting: PlotOptions

    @OptionGroup var distribution: DistributionFlags

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, kind, method, supportPoints, allowNonInvertible, plotting, distribution, output
    }

    func validate() throws {
        if let supportPoints, supportPoints < 1 { throw ValidationError("--support-points must be at least 1") }
        try Limits.current.check(options: [("--support-points", supportPoints, .count)])
        try saddle.validate(requireCycle: false)
        try plotting.validate()
        try output.validate()
        try distribution.validate(output: output.output)
    }

    mutating func prepare() throws {
        loaded = try model.load(maxOrder: saddle.maxOrder)
        if let supportPoints {
            do { try ManifoldBuilder.checkSize(supportPoints: supportPoints, dimension: loaded!.dimension) } catch { throw InputError("--support-points: \(error)") }
        }
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        let checkpoint = distribution.checkpointEvery != nil ? distribution.checkpointPath(output: output.output) : nil
        try OutputClaim.whileWriting([output.output, checkpoint, distribution.resume, plotting.plot], world: world, log: log) {
            try compute(world: world, log: log)
        }
    }

    /// The analysis these options describe: the same as a `[[manifold]]` table's.
    var analysis: ManifoldAnalysis {
        ManifoldAnalysis(setup: saddle.setup, kinds: kind.kinds, method: method, supportPoints: supportPoints, allowNonInvertible: allowNonInvertible)
    }

    /// Stops a resumed run whose output is already complete for these options.
    struct AlreadyComplete: Error {}

    func compute(world: Communicator, log: Log) throws {
        let model = loaded!
        let analysis = self.analysis
        var context = AnalysisRunContext(model: model, world: world, log: log)
        context.distribution = distribution.options
        let checkpointPath = distribution.checkpointPath(output: output.output)
        let (resume, output) = (distribution.resume, output)
        let names = analysis.kinds.map { SaddleSetup.manifoldName(saddle.cycle, $0) }
        context.prepareConstruction = { run, builders in
            if let checkpointPath {
                let file = ManifoldCheckpointFile(path: checkpointPath, model: model, communicator: world, log: log)
                run.checkpointer = {
                    try file.write($0)
                    FaultInjection.manifoldCheckpointWritten()
                }
            }
            guard let resume else { return }
            // Resubmitting the same command is always safe: a finished output is kept, a missing
            // or unreadable checkpoint starts the construction from the beginning.
            if let path = output.output, ManifoldOutput.isComplete(path, model: model, manifolds: Array(zip(names, builders))) {
                throw AlreadyComplete()
            }
            switch CheckpointFile.inspect(resume) {
            case .absent: log("no checkpoint \(resume) (--resume): starting from the beginning")
            case .unreadable(let reason): log("not continuing \(resume) (\(reason)): starting again")
            case .notHDF5: throw InputError("--resume: '\(resume)' is not a readable HDF5 file")
            case .present: try ManifoldCheckpointFile(path: resume, model: model, communicator: world, log: log).resume(&run)
            }
        }
        let result: ManifoldAnalysis.Result, outcome: AnalysisOutcome
        do {
            (result, outcome) = try AnalysisCommand.run(analysis, group: "manifold", context: context, output: output.output, models: [model])
        } catch is AlreadyComplete {
            Console.reportAlreadyComplete(output.output!, json: output.json, world: world, log: log)
            return
        }
        let run = result.run
        for (b, name) in run.results {
            if let c = b.coverage, c.fraction < 0.95 || !c.fraction.isFinite {
                Console.warn("\(name): coverage \(ManifoldOutput.format(c.fraction)) is below 0.95: \(c.sampled - c.covered) of \(c.sampled) sample points of the true manifold lie on no computed sheet\(c.missedRegionCount > 0 ? " (\(c.missedRegionCount) regions reached without a sheet)" : "")\(b.manifold.stopReason.truncated ? "; the construction was truncated (\(b.manifold.stopReason.rawValue))" : "")", world: world)
            }
        }
        if let plot = plotting.plot {
            let whole = try run.results.map { try $0.share.gathered(context.collective) }
            if world.isRoot {
                var picture = ManifoldPlot(box: run.box, title: "platlas manifold: cycle \(run.index.map(String.init) ?? "-")")
                for (m, name) in zip(whole, names) { picture.manifold(m, name: name) }
                picture.cycles(run.cycles.isEmpty ? [run.saddle] : run.cycles)
                try picture.write(plot)
                log("wrote \(plot)")
            }
        }
        // Checkpoints (written, or resumed from) go once the result is in the output file.
        if output.output != nil && !distribution.keepCheckpoint {
            let obsolete = [distribution.checkpointEvery != nil ? checkpointPath : nil, resume]
                .compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
            if !obsolete.isEmpty {
                try world.barrier()
                if world.isRoot { for path in Set(obsolete) { AtomicFile.remove(path) } }
            }
        }
        guard world.isRoot else { return }
        Console.output(output.json ? outcome.json.serialized()
                       : run.results.map { "\($0.name): \(Self.summary($0.share, name: $0.name))" }.joined(separator: "\n"))
    }
}

extension ManifoldCommand {
    static func format(_ x: Double?) -> String { ManifoldOutput.format(x) }

    /// The one-line summary of a manifold (after its name).
    static func summary(_ b: ManifoldResult, name: String) -> String {
        let m = b.manifold
        var text = "dimension \(m.dimension) (\(m.method.rawValue)), \(b.totals.regions) regions, \(b.totals.sheets) sheets, \(b.totals.points) points, "
            + "coverage \(format(b.coverage?.fraction)), Delta_sigma \(format(b.deltaSigma?.value)) (strict \(format(b.deltaSigma?.strict))), "
        switch m.stopReason {
        case .complete: text += "complete"
        case .bounds: text += "complete to the box (\(m.leftBounds) frontier points left it)"
        case .iterations: text += "truncated at --max-iterations \(m.iterations)"
        case .budget: text += "truncated by the budget (\(m.pointsPushed) points pushed)"
        }
        text += ", \(formatSeconds(m.seconds)) s"
        if m.kind == .stable {
            let c = m.nonInvertibility.preimageCounts
            if m.allBranches {
                text += "\n  preimages per point: 0: \(c[0]), 1: \(c[1]), 2: \(c[2]), 3+: \(c[3])" + (m.nonInvertibility.singular > 0 ? ", \(m.nonInvertibility.singular) at folds (singular Jacobian)" : "")
            } else if m.nonInvertibility.affected > 0 {
                text += "\n  single branch: \(m.nonInvertibility.affected) support points without or with several preimages"
            }
        }
        return text
    }
}

/// How the manifold command spreads regions over ranks, and its checkpoints.
struct DistributionFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Which rank owns a region: hash (of the whole region code) or block (of its first units, keeping neighbours together).", valueName: "hash|block"))
    var ownership: RegionOwnership = .hash

    @Flag(help: "Never move regions between ranks to balance a round.")
    var noRebalance = false

    @Option(help: ArgumentHelp("Exchange a rank's outgoing points whenever they pass this many MiB (a round may take several exchanges; default: 64, at most PLATLAS_MAX_VALUES x 8 bytes).", valueName: "MiB"), transform: wholeNumber)
    var exchangeLimit: Int = 64

    @Option(help: ArgumentHelp("Write a checkpoint every N rounds.", valueName: "N"), transform: wholeNumber)
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("Checkpoint file (default: the --output name with .checkpoint.h5).", valueName: "F.h5"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint (same options; any number of ranks); with --output, keep an output already complete for these options; start from the beginning if F.h5 is missing or unreadable.", valueName: "F.h5"))
    var resume: String?

    @Flag(help: "Keep the checkpoint when the run completes (it is removed otherwise).")
    var keepCheckpoint = false

    func validate(output: String?) throws {
        guard exchangeLimit >= 1 else { throw ValidationError("--exchange-limit must be at least 1 (MiB)") }
        do {
            try Limits.current.check(Double(exchangeLimit) * Double(1 << 20) / 8, .values, "--exchange-limit \(exchangeLimit) MiB in numbers of 8 bytes")
        } catch {
            throw ValidationError(error.description)
        }
        try Limits.current.check(options: [("--checkpoint-every", checkpointEvery, .count)])
        if let n = checkpointEvery, n < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
        if checkpointEvery != nil && checkpointPath(output: output) == nil {
            throw ValidationError("--checkpoint-every needs --output or --checkpoint to name the checkpoint file")
        }
        if let c = checkpoint, !(c.lowercased().hasSuffix(".h5") || c.lowercased().hasSuffix(".hdf5")) {
            throw ValidationError("--checkpoint must name an HDF5 file ending in .h5 or .hdf5: \(c)")
        }
        if checkpointEvery != nil || checkpoint != nil { try OutputPath.check(checkpointPath(output: output), option: "--checkpoint") }
    }

    var options: DistributionOptions {
        var o = DistributionOptions()
        o.ownership = ownership
        o.rebalance = !noRebalance
        o.exchangeLimitBytes = exchangeLimit << 20
        o.checkpointEvery = checkpointEvery
        return o
    }

    /// --checkpoint, else OUTPUT.checkpoint.h5, else (when resuming) the resumed file.
    func checkpointPath(output: String?) -> String? {
        if let checkpoint { return checkpoint }
        if let output {
            let stem = output.lowercased().hasSuffix(".hdf5") ? String(output.dropLast(5)) : output.lowercased().hasSuffix(".h5") ? String(output.dropLast(3)) : output
            return stem + ".checkpoint.h5"
        }
        return resume
    }
}

/// Options that pick a saddle and the box, shared by manifold, basins and intersections.
struct SaddleOptions: ParsableArguments {
    @Option(name: [.customLong("cycle"), .customLong("saddle")], help: ArgumentHelp("Index of the saddle among the cycles found (0-based).", valueName: "I"))
    var cycle: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("A point in the region of a saddle fixed point: x,y,...", valueName: "x,y,..."))
    var point: String?

    @Option(help: ArgumentHelp("Read the cycles from /cycles of this result file instead of searching.", valueName: "F.h5"))
    var cycles: String?

    @Option(help: ArgumentHelp("Search cycles of orders 1...K.", valueName: "K"))
    var maxOrder = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("lo:hi or lo1:hi1,lo2:hi2,...", valueName: "BOX"))
    var bounds: String?

    @Option(help: ArgumentHelp("At most N applications of F or F^-1 (default 200; intersections: 12).", valueName: "N"), transform: wholeNumber)
    var maxIterations: Int?

    /// The default of --max-iterations for manifold and basins.
    var defaultIterations = 200

    enum CodingKeys: CodingKey {
        case cycle, point, cycles, maxOrder, bounds, maxIterations, seed, singleBranch
    }

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Flag(help: "Stable manifolds: follow one preimage per point instead of every preimage (seed 003's construction, for invertible models).")
    var singleBranch = false

    func validate(requireCycle: Bool) throws {
        if cycle == nil && point == nil { throw ValidationError("give the saddle with --\(requireCycle ? "saddle" : "cycle") I or --point x,y,...") }
        if cycle != nil && point != nil { throw ValidationError("give either --cycle or --point, not both") }
        try AnalysisCommand.validate { () throws(OptionValueError) in try setup.check(naming: .commandLine) }
        if let bounds, Self.parseBounds(bounds, dimension: nil) == nil { throw ValidationError("--bounds must be lo:hi or lo1:hi1,lo2:hi2,... with lo < hi, got '\(bounds)'") }
        if let point, Self.parseNumbers(point) == nil { throw ValidationError("--point must be numbers separated by commas, got '\(point)'") }
    }

    static func parseNumbers(_ text: String) -> [Double]? { SaddleSetup.parseNumbers(text) }

    static func parseBounds(_ text: String, dimension: Int?) -> Box? { SaddleSetup.parseBounds(text, dimension: dimension) }

    /// The library's form of these options (errors name the command-line options).
    var setup: SaddleSetup {
        var s = SaddleSetup { key in
            switch key {
            case "allow_non_invertible": "--allow-non-invertible"
            case "single_branch": "--single-branch"
            default: "--" + key
            }
        }
        s.cycle = cycle
        s.point = point.flatMap(Self.parseNumbers)
        s.cyclesFile = cycles
        s.maxOrder = maxOrder
        s.bounds = bounds
        s.maxIterations = maxIterations
        s.defaultIterations = defaultIterations
        s.seed = seed
        s.singleBranch = singleBranch
        return s
    }
}

// Kinds, methods and ownership as users type them; ArgumentParser lists the values in --help
// and refuses others with the list.
extension ManifoldKinds: ExpressibleByArgument {}
extension ManifoldMethod: ExpressibleByArgument {}
extension RegionOwnership: ExpressibleByArgument {}
