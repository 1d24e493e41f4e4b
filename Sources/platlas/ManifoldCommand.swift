import ArgumentParser
import Foundation
import LinearAlgebra
import MPI
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
        manifold is spanned by the eigenvectors of the cycle's Jacobian product; it is pushed
        forward (unstable) or backward through the region-wise inverse (stable) region by
        region. 1-dimensional manifolds are exact polylines by default (images of segments
        clipped at region boundaries); others are flat sheets per region anchored by support
        points. Stops when nothing new is produced inside the box, at --max-iterations, or at
        the budget. Stable manifolds of non-invertible maps are refused unless
        --allow-non-invertible: the count and places of the affected points are reported.

        --bounds lo:hi (every coordinate) or lo1:hi1,lo2:hi2,...; default: the bounding box
        of all cycles found, enlarged on every side by its side length or 1 + half the
        largest coordinate magnitude, whichever is larger, joined with the extent of the
        orbits of 200 random points of that box (divergent orbits left out), plus 10%
        (docs/manifolds.md). --plot F.svg draws the manifolds and cycles in the first two
        coordinates.

        Examples:
          platlas manifold jobs/models/duffing.json --cycle 1 --kind unstable --json
          platlas manifold model.json --max-order 3 --cycle 1 --kind both --output m.h5
        """)
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var saddle: SaddleOptions

    @Option(help: "stable, unstable or both.")
    var kind: String = "both"

    @Option(help: ArgumentHelp("polyline (1-dimensional manifolds only) or sheets; default polyline where possible.", valueName: "method"))
    var method: String?

    @Option(help: ArgumentHelp("Support points per new sheet (default: k_neigh * d).", valueName: "NS"))
    var supportPoints: Int?

    @Flag(help: "Keep a stable manifold even where the backward step found no or several preimages (reported).")
    var allowNonInvertible = false

    @Option(help: ArgumentHelp("Draw the first two coordinates (a projection for M > 2) into this SVG file.", valueName: "F.svg"))
    var plot: String?

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, kind, method, supportPoints, allowNonInvertible, plot, output
    }

    func validate() throws {
        guard ["stable", "unstable", "both"].contains(kind) else { throw ValidationError("--kind must be stable, unstable or both, got '\(kind)'") }
        if let method, ManifoldMethod(rawValue: method) == nil { throw ValidationError("--method must be polyline or sheets, got '\(method)'") }
        if let supportPoints, supportPoints < 1 { throw ValidationError("--support-points must be at least 1") }
        try saddle.validate(requireCycle: false)
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got '\(plot)'") }
        try output.validate()
    }

    mutating func prepare() throws {
        loaded = try model.load()
    }

    func run(world: Communicator) throws {
        let model = loaded!
        let log = Console.rankLog(world)
        let form = model.shallowForm()
        let started = ContinuousClock.now
        let (cycles, chosen, index) = try saddle.resolve(model: model, log: log)
        let box = try saddle.box(for: chosen, cycles: cycles, form: form)
        let kinds: [ManifoldKind] = kind == "both" ? [.unstable, .stable] : [ManifoldKind(rawValue: kind)!]
        var results: [(Manifold, DeltaSigma?, String)] = []
        for k in kinds {
            let manifold = try saddle.build(form: form, cycle: chosen, kind: k, box: box, method: method.flatMap(ManifoldMethod.init),
                                            supportPoints: supportPoints, allowNonInvertible: allowNonInvertible, log: log)
            var dsOptions = DeltaSigmaOptions()
            dsOptions.seed = saddle.seed
            let ds = DeltaSigma.compute(manifold, form: form, options: dsOptions)
            log("\(k.rawValue) manifold: \(manifold.regions.count) regions, \(manifold.sheets.count) sheets, Delta_sigma \(ds.map { String(format: "%.4f", $0.value) } ?? "-"), \(manifold.stopReason.rawValue)")
            results.append((manifold, ds, "\(index.map { "cycle\($0)" } ?? "point")-\(k.rawValue)"))
        }
        if let plot, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas manifold: cycle \(index.map(String.init) ?? "-")")
            for (m, _, name) in results { picture.manifold(m, name: name) }
            picture.cycles(cycles.isEmpty ? [chosen] : cycles)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        let seconds = CycleSearch.seconds(since: started)
        if let path = output.output {
            let file = try ResultFile.create(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                             communicator: world.size > 1 ? world : nil)
            for (m, ds, name) in results { try ManifoldOutput.write(m, name: name, saddleIndex: index, deltaSigma: ds, into: file.root) }
            try file.finish()
            log("wrote \(path)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(JSONOutput.object([
                ("manifolds", .array(results.map { ManifoldOutput.json($0.0, name: $0.2, saddleIndex: index, deltaSigma: $0.1) })),
                ("stats", .object([("seconds", .number(seconds)), ("ranks", .integer(world.size)), ("seed", .integer(Int(truncatingIfNeeded: saddle.seed)))])),
            ]))
        } else {
            var lines: [String] = []
            for (m, ds, name) in results {
                lines.append("\(name): dimension \(m.dimension) (\(m.method.rawValue)), \(m.regions.count) regions, \(m.sheets.count) sheets, \(m.points.count) points, Delta_sigma \(ds.map { String(format: "%.4f", $0.value) } ?? "-"), stopped: \(m.stopReason.rawValue), \(formatSeconds(m.seconds)) s")
                if m.nonInvertibility.affected > 0 { lines.append("  non-invertible: \(m.nonInvertibility.affected) support points affected") }
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}

/// Options that pick a saddle and the box, shared by manifold, basins and intersections.
struct SaddleOptions: ParsableArguments {
    @Option(name: [.customLong("cycle"), .customLong("saddle")], help: ArgumentHelp("Index of the saddle among the cycles found (0-based).", valueName: "I"))
    var cycle: Int?

    @Option(help: ArgumentHelp("A point in the region of a saddle fixed point: x,y,...", valueName: "x,y,..."))
    var point: String?

    @Option(help: ArgumentHelp("Read the cycles from /cycles of this result file instead of searching.", valueName: "F.h5"))
    var cycles: String?

    @Option(help: ArgumentHelp("Search cycles of orders 1...K.", valueName: "K"))
    var maxOrder = 1

    @Option(help: ArgumentHelp("lo:hi or lo1:hi1,lo2:hi2,...", valueName: "BOX"))
    var bounds: String?

    @Option(help: ArgumentHelp("At most N applications of F or F^-1 (default 200; intersections: 12).", valueName: "N"))
    var maxIterations: Int?

    /// The default of --max-iterations for manifold and basins.
    var defaultIterations = 200

    enum CodingKeys: CodingKey {
        case cycle, point, cycles, maxOrder, bounds, maxIterations, seed
    }

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    func validate(requireCycle: Bool) throws {
        if cycle == nil && point == nil { throw ValidationError("give the saddle with --\(requireCycle ? "saddle" : "cycle") I or --point x,y,...") }
        if cycle != nil && point != nil { throw ValidationError("give either --cycle or --point, not both") }
        if let cycle, cycle < 0 { throw ValidationError("--cycle must be 0 or more") }
        guard maxOrder >= 1 else { throw ValidationError("--max-order must be at least 1") }
        guard (maxIterations ?? 1) >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        if let bounds, Self.parseBounds(bounds, dimension: nil) == nil { throw ValidationError("--bounds must be lo:hi or lo1:hi1,lo2:hi2,... with lo < hi, got '\(bounds)'") }
        if let point, Self.parseNumbers(point) == nil { throw ValidationError("--point must be numbers separated by commas, got '\(point)'") }
    }

    static func parseNumbers(_ text: String) -> [Double]? {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        return parts.map { $0! }
    }

    static func parseBounds(_ text: String, dimension: Int?) -> Box? {
        var lo: [Double] = [], hi: [Double] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard ends.count == 2, let a = ends[0], let b = ends[1], a.isFinite, b.isFinite, a < b else { return nil }
            lo.append(a)
            hi.append(b)
        }
        guard !lo.isEmpty else { return nil }
        if let m = dimension {
            if lo.count == 1 { return Box(lower: [Double](repeating: lo[0], count: m), upper: [Double](repeating: hi[0], count: m)) }
            guard lo.count == m else { return nil }
        }
        return Box(lower: lo, upper: hi)
    }

    /// All cycles, the chosen saddle and its index (nil for --point).
    func resolve(model: Model, log: Log) throws -> ([Cycle], Cycle, Int?) {
        var all: [Cycle]
        if let path = cycles {
            do { all = try ManifoldOutput.readCycles(path) } catch { throw InputError("--cycles \(path): \(error)") }
            guard all.allSatisfy({ $0.points.first?.count == model.dimension }) else {
                throw InputError("--cycles \(path): the cycles have another dimension than the model")
            }
        } else {
            var options = CycleSearchOptions(maxOrder: maxOrder)
            options.seed = seed
            do { all = try CycleSearch(model: model, options: options, log: log).run().cycles } catch { throw InputError("\(error)") }
        }
        if let i = cycle {
            guard i < all.count else {
                throw InputError("--cycle \(i) is out of range: the search found \(all.count) cycle\(all.count == 1 ? "" : "s") (0..\(max(all.count - 1, 0)))")
            }
            guard all[i].stability == .saddle else {
                throw InputError("--cycle \(i) is \(all[i].stability.rawValue), not a saddle")
            }
            return (all, all[i], i)
        }
        let x = Self.parseNumbers(point!)!
        guard x.count == model.dimension else { throw InputError("--point has \(x.count) coordinates, the model has \(model.dimension)") }
        let form = model.shallowForm()
        let d = form.region(of: x)
        let j = form.jacobian(d)
        guard let z = try? solve(Matrix.identity(model.dimension) - j, form.offset(d)), form.region(of: z) == d else {
            throw InputError("no fixed point in the region of --point")
        }
        let values = (try? eigenvalues(j)) ?? []
        let fixed = Cycle(points: [z], regions: [d], eigenvalues: values, residual: 0, marginalTolerance: 1e-6)
        guard fixed.stability == .saddle else { throw InputError("the fixed point in the region of --point is \(fixed.stability.rawValue), not a saddle") }
        return (all, fixed, nil)
    }

    func box(for saddle: Cycle, cycles: [Cycle], form: ShallowForm) throws -> Box {
        let dimension = form.dimension
        guard let text = bounds else {
            return Box.fromTrajectories(Box.around(saddle.points + cycles.flatMap(\.points)), form: form, seed: seed)
        }
        guard let box = Self.parseBounds(text, dimension: dimension) else {
            throw InputError("--bounds has \(text.split(separator: ",").count) ranges, the model has \(dimension) coordinates")
        }
        guard saddle.points.allSatisfy({ box.contains($0) }) else { throw InputError("--bounds \(text) excludes the saddle") }
        return box
    }

    func build(form: ShallowForm, cycle: Cycle, kind: ManifoldKind, box: Box, method: ManifoldMethod?, supportPoints: Int?,
               allowNonInvertible: Bool, log: Log) throws -> Manifold {
        var options = ManifoldOptions(kind: kind, bounds: box)
        options.method = method
        options.maxIterations = maxIterations ?? defaultIterations
        options.supportPoints = supportPoints
        options.seed = seed
        var builder: ManifoldBuilder
        do { builder = try ManifoldBuilder(form: form, saddle: cycle, options: options) } catch { throw InputError(error.description) }
        let manifold = builder.run(log: log)
        let r = manifold.nonInvertibility
        if kind == .stable && r.affected > 0 && !allowNonInvertible {
            let first = r.examples.first.map { " (first: \($0.problem) in region \($0.region) at \($0.point.map { String(format: "%.6g", $0) }.joined(separator: ", ")))" } ?? ""
            throw InputError("the map is not invertible where the stable manifold goes: \(r.noPreimage) support points without a consistent preimage, \(r.severalPreimages) with several, \(r.folds) folds, \(r.singular) singular\(first); the stable manifold would be wrong (--allow-non-invertible keeps the consistent part)")
        }
        return manifold
    }
}
