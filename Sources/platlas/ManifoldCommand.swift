import ArgumentParser
import Foundation
import LinearAlgebra
import MPI
import PLAtlasCluster
import PLAtlasCore
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

    @Option(help: "stable, unstable or both.")
    var kind: String = "both"

    @Option(help: ArgumentHelp("polyline (1-dimensional manifolds only) or sheets; default polyline where possible.", valueName: "method"))
    var method: String?

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
        guard ["stable", "unstable", "both"].contains(kind) else { throw ValidationError("--kind must be stable, unstable or both, got '\(kind)'") }
        if let method, ManifoldMethod(rawValue: method) == nil { throw ValidationError("--method must be polyline or sheets, got '\(method)'") }
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

    func compute(world: Communicator, log: Log) throws {
        let model = loaded!
        let started = ContinuousClock.now
        let kinds: [ManifoldKind] = kind == "both" ? [.unstable, .stable] : [ManifoldKind(rawValue: kind)!]
        let setup = saddle.setup
        let plan = try setup.plan(model: model, kinds: kinds, method: method.flatMap(ManifoldMethod.init), supportPoints: supportPoints, log: log)
        let (cycles, chosen, index, box, builders, names) = (plan.cycles, plan.saddle, plan.index, plan.box, plan.builders, plan.names)
        let options = distribution.options
        let checkpointPath = distribution.checkpointPath(output: output.output)
        let fingerprint = DistributionFlags.fingerprint(model: model, builders: builders)
        var run = ManifoldConstruction(builders: builders, collective: MPICollective(world), options: options, fingerprint: fingerprint, log: log)
        if let checkpointPath {
            let file = ManifoldCheckpointFile(path: checkpointPath, model: model, communicator: world, log: log)
            run.checkpointer = {
                try file.write($0)
                FaultInjection.manifoldCheckpointWritten()
            }
        }
        if let resume = distribution.resume {
            // Resubmitting the same command is always safe: a finished output is kept, a missing
            // or unreadable checkpoint starts the construction from the beginning.
            if let path = output.output, ManifoldOutput.isComplete(path, model: model, manifolds: Array(zip(names, builders))) {
                Console.reportAlreadyComplete(path, json: output.json, world: world, log: log)
                return
            }
            switch CheckpointFile.inspect(resume) {
            case .absent: log("no checkpoint \(resume) (--resume): starting from the beginning")
            case .unreadable(let reason): log("not continuing \(resume) (\(reason)): starting again")
            case .notHDF5: throw InputError("--resume: '\(resume)' is not a readable HDF5 file")
            case .present: try ManifoldCheckpointFile(path: resume, model: model, communicator: world, log: log).resume(&run)
            }
        }
        let built = try run.run()
        for b in built { try setup.checkInvertible(b.manifold, allowNonInvertible: allowNonInvertible) }
        for (b, name) in zip(built, names) {
            let r = b.report
            log("\(name): \(b.totals.regions) regions, \(b.totals.sheets) sheets, coverage \(Self.format(b.coverage?.fraction)), Delta_sigma \(Self.format(b.deltaSigma?.value)), \(b.manifold.stopReason.rawValue); "
                + "\(r.rounds) rounds on \(r.ranks) ranks, imbalance \(String(format: "%.2f", r.roundImbalance)) (rounds) / \(String(format: "%.2f", r.totalImbalance)) (total), \(r.bytesSent) bytes sent")
            if let c = b.coverage, c.fraction < 0.95 || !c.fraction.isFinite {
                Console.warn("\(name): coverage \(Self.format(c.fraction)) is below 0.95: \(c.sampled - c.covered) of \(c.sampled) sample points of the true manifold lie on no computed sheet\(c.missedRegionCount > 0 ? " (\(c.missedRegionCount) regions reached without a sheet)" : "")\(b.manifold.stopReason.truncated ? "; the construction was truncated (\(b.manifold.stopReason.rawValue))" : "")", world: world)
            }
        }
        if let plot = plotting.plot {
            let whole = try built.map { try $0.gathered(MPICollective(world)) }
            if world.isRoot {
                var picture = ManifoldPlot(box: box, title: "platlas manifold: cycle \(index.map(String.init) ?? "-")")
                for (m, name) in zip(whole, names) { picture.manifold(m, name: name) }
                picture.cycles(cycles.isEmpty ? [chosen] : cycles)
                try picture.write(plot)
                log("wrote \(plot)")
            }
        }
        let seconds = CycleSearch.seconds(since: started)
        if let path = output.output {
            try ResultFile.write(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                 communicator: world.size > 1 ? world : nil) { root in
                for (b, name) in zip(built, names) {
                    try ManifoldOutput.write(b.manifold, name: name, saddleIndex: index, deltaSigma: b.deltaSigma, coverage: b.coverage,
                                             parentRows: b.parentRows, part: b.part, into: root)
                    try DistributionOutput.write(b.report, name: name, into: root)
                }
            }
            log("wrote \(path)")
        }
        // Checkpoints (written, or resumed from) go once the result is in the output file.
        if output.output != nil && !distribution.keepCheckpoint {
            let obsolete = [options.checkpointEvery != nil ? checkpointPath : nil, distribution.resume]
                .compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
            if !obsolete.isEmpty {
                try world.barrier()
                if world.isRoot { for path in Set(obsolete) { AtomicFile.remove(path) } }
            }
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(JSONOutput.object([
                ("manifolds", .array(zip(built, names).map { b, name in
                    var summary = ManifoldOutput.json(b.manifold, name: name, saddleIndex: index, deltaSigma: b.deltaSigma, coverage: b.coverage,
                                                      totals: b.totals)
                    if case .object(var fields) = summary {
                        fields.append(("distribution", DistributionOutput.json(b.report)))
                        summary = .object(fields)
                    }
                    return summary
                })),
                ("stats", .object([("seconds", .number(seconds)), ("ranks", .integer(world.size)), ("seed", .integer(Int(truncatingIfNeeded: saddle.seed)))])),
            ]))
        } else {
            var lines: [String] = []
            for (b, name) in zip(built, names) {
                lines.append("\(name): \(Self.summary(b, name: name))")
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}

extension ManifoldCommand {
    static func format(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.4f", $0) : "-" } ?? "-" }

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
    var ownership: String = "hash"

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
        guard RegionOwnership(rawValue: ownership) != nil else { throw ValidationError("--ownership must be hash or block, got '\(ownership)'") }
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
        o.ownership = RegionOwnership(rawValue: ownership)!
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

    /// What a resumed checkpoint must agree on (the limits may differ: a run stopped at
    /// --max-iterations continues when resumed with a higher one).
    static func fingerprint(model: Model, builders: [ManifoldBuilder]) -> [(String, String)] {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for p in model.parameters {
            for b in p.name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            for v in p.values { h = (h ^ v.bitPattern) &* 0x100_0000_01B3 }
        }
        let b = builders[0]
        func bits(_ xs: [Double]) -> String { xs.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") }
        return [
            ("model", String(h, radix: 16)),
            ("kinds", builders.map(\.options.kind.rawValue).joined(separator: ",")),
            ("saddle", b.saddle.points.map(bits).joined(separator: ";")),
            ("bounds", bits(b.options.bounds.lower) + ";" + bits(b.options.bounds.upper)),
            ("method", b.method.rawValue),
            ("support_points", String(b.supportCount)),
            ("seed", String(b.options.seed)),
        ]
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
        if let cycle, cycle < 0 { throw ValidationError("--cycle must be 0 or more") }
        guard maxOrder >= 1 else { throw ValidationError("--max-order must be at least 1") }
        guard maxOrder <= 10_000 else { throw ValidationError("--max-order \(maxOrder) is beyond any useful search (at most 10000)") }
        guard (maxIterations ?? 1) >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        try Limits.current.check(options: [("--max-iterations", maxIterations, .count)])
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
