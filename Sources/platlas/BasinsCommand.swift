import ArgumentParser
import Foundation
import MPI
import PLAtlasCore
import PLAtlasIO

/// `platlas basins MODEL --saddle I [--grid N]`.
struct BasinsCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "basins",
        abstract: "Which attractor lies on which side of a saddle's codimension-1 stable manifold.",
        discussion: reflow("""
        Computes the stable manifold of saddle I (it must have unstable dimension 1), orients
        it (side + is the side of the unstable eigenvector), follows both branches of the
        unstable manifold to see where each side goes, and reports every attractor (stable
        fixed point or cycle of the search) with its side and its distance to the boundary.
        --grid N classifies N x N initial conditions over the box (the first two coordinates,
        the others at the saddle's) by brute-force iteration and reports how often the side
        of the manifold predicts the same destination, outside a band of --band around it.
        --plot F.svg draws the grid classification, the manifold and the cycles.

        Examples:
          platlas basins jobs/models/duffing.json --saddle 1 --grid 200 --allow-non-invertible --json
        """)
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var saddle: SaddleOptions

    @Option(help: ArgumentHelp("Classify an N x N grid by brute force.", valueName: "N"))
    var grid: Int?

    @Option(help: ArgumentHelp("Grid points closer than this to the manifold are not compared (default 1% of the box diagonal).", valueName: "width"))
    var band: Double?

    @Flag(help: "Keep a stable manifold even where the backward step found no or several preimages (reported).")
    var allowNonInvertible = false

    @OptionGroup var plotting: PlotOptions

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, grid, band, allowNonInvertible, plotting, output
    }

    func validate() throws {
        try saddle.validate(requireCycle: true)
        if let grid, grid < 2 || grid > 5000 { throw ValidationError("--grid must be between 2 and 5000") }
        if let band, !(band >= 0) { throw ValidationError("--band must be non-negative") }
        try plotting.validate()
        try output.validate()
    }

    mutating func prepare() throws {
        loaded = try model.load(maxOrder: saddle.maxOrder)
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        try OutputClaim.whileWriting([output.output, plotting.plot], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        let model = loaded!
        let computed = try saddle.setup.basins(model: model, grid: grid, band: band, allowNonInvertible: allowNonInvertible, log: log)
        let (cycles, index, box, manifold, report, ds) = (computed.cycles, computed.index, computed.box, computed.manifold, computed.report, computed.deltaSigma)
        let attractorIndices = computed.attractorIndices
        if let plot = plotting.plot, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas basins: cycle \(index.map(String.init) ?? "-")")
            if let g = report.grid { picture.basins(g) }
            picture.manifold(manifold, name: "stable")
            picture.cycles(cycles)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        if let path = output.output {
            try ResultFile.write(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                 communicator: world.size > 1 ? world : nil) { root in try computed.write(into: root) }
            log("wrote \(path)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(computed.json())
        } else {
            var lines = ["stable manifold of cycle \(index.map(String.init) ?? "-"): \(manifold.sheets.count) sheets in \(manifold.regions.count) regions, Delta_sigma \(ds.map { String(format: "%.4f", $0.value) } ?? "-")",
                         "side +: \(report.plusDestination), side -: \(report.minusDestination)"]
            for a in report.attractors {
                lines.append("attractor cycle \(attractorIndices[a.index]) (order \(cycles[attractorIndices[a.index]].order)): side \(a.side > 0 ? "+" : "-"), distance \(String(format: "%.6g", a.distance))")
            }
            if let g = report.grid {
                lines.append(String(format: "grid %d^%d: agreement %.4f over %d points (%d in the band, %d undecided)", g.resolution[0], g.resolution.count, g.agreement, g.compared, g.insideBand, g.undecided))
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}
