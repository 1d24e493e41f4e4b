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

    @OptionGroup var plotting: PlotOptions

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, kind, method, supportPoints, allowNonInvertible, plotting, output
    }

    func validate() throws {
        guard ["stable", "unstable", "both"].contains(kind) else { throw ValidationError("--kind must be stable, unstable or both, got '\(kind)'") }
        if let method, ManifoldMethod(rawValue: method) == nil { throw ValidationError("--method must be polyline or sheets, got '\(method)'") }
        if let supportPoints, supportPoints < 1 { throw ValidationError("--support-points must be at least 1") }
        try saddle.validate(requireCycle: false)
        try plotting.validate()
        try output.validate()
    }

    mutating func prepare() throws {
        loaded = try model.load()
    }

    func run(world: Communicator) throws {
        let model = loaded!
        let log = Console.rankLog(world)
        let started = ContinuousClock.now
        let kinds: [ManifoldKind] = kind == "both" ? [.unstable, .stable] : [ManifoldKind(rawValue: kind)!]
        let computed = try saddle.setup.manifolds(model: model, kinds: kinds, method: method.flatMap(ManifoldMethod.init),
                                                  supportPoints: supportPoints, allowNonInvertible: allowNonInvertible, log: log)
        let (cycles, chosen, index, box) = (computed.cycles, computed.saddle, computed.index, computed.box)
        let results = computed.results
        if let plot = plotting.plot, world.isRoot {
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
            try computed.write(into: file.root)
            try file.finish()
            log("wrote \(path)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(JSONOutput.object([
                ("manifolds", computed.json()),
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

    static func parseNumbers(_ text: String) -> [Double]? { SaddleSetup.parseNumbers(text) }

    static func parseBounds(_ text: String, dimension: Int?) -> Box? { SaddleSetup.parseBounds(text, dimension: dimension) }

    /// The library's form of these options (errors name the command-line options).
    var setup: SaddleSetup {
        var s = SaddleSetup { key in
            switch key {
            case "allow_non_invertible": "--allow-non-invertible"
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
        return s
    }
}
