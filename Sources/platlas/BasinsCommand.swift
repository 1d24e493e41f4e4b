import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
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
        of the manifold predicts the same destination, outside a band of --band around it
        ("no attractor to compare" when the search found no stable cycle).
        --plot F.svg draws the grid classification, the manifold and the cycles.

        Under mpirun or srun the stable manifold is built with its regions spread over the
        ranks, as `platlas manifold` builds it, and the grid points are shared over the ranks;
        the result is the same on any number of ranks.

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

    @Flag(help: "With --single-branch: keep a stable manifold even where the backward step found no or several preimages (reported).")
    var allowNonInvertible = false

    @OptionGroup var plotting: PlotOptions

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, grid, band, allowNonInvertible, plotting, output
    }

    func validate() throws {
        try saddle.validate(requireCycle: true)
        try AnalysisCommand.validate { () throws(OptionValueError) in try BasinsAnalysis.check(grid: grid, band: band, naming: .commandLine) }
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
        var analysis = BasinsAnalysis(setup: saddle.setup, grid: grid, band: band, allowNonInvertible: allowNonInvertible)
        analysis.forFigure = plotting.plot != nil
        let (result, outcome) = try AnalysisCommand.run(analysis, group: "basins", context: AnalysisRunContext(model: model, world: world, log: log),
                                                        output: output.output, models: [model])
        let computed = result.run
        let (cycles, index, box, report, ds) = (computed.cycles, computed.index, computed.box, computed.report, computed.deltaSigma)
        let attractorIndices = computed.attractorIndices
        if let plot = plotting.plot, let whole = result.whole, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas basins: cycle \(index.map(String.init) ?? "-")")
            if let g = report.grid { picture.basins(g) }
            picture.manifold(whole, name: "stable")
            picture.cycles(cycles)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(outcome.json)
        } else {
            var lines = ["stable manifold of cycle \(index.map(String.init) ?? "-"): \(computed.totals.sheets) sheets in \(computed.totals.regions) regions, Delta_sigma \(ds.map { String(format: "%.4f", $0.value) } ?? "-")",
                         computed.sidesSummary]
            for a in report.attractors {
                lines.append("attractor cycle \(attractorIndices[a.index]) (order \(cycles[attractorIndices[a.index]].order)): side \(a.side > 0 ? "+" : "-"), distance \(String(format: "%.6g", a.distance))")
            }
            if report.attractors.isEmpty && report.grid == nil {
                lines.append("no attractor to compare (no stable cycle among the \(cycles.count) cycles found)")
            }
            if let g = computed.gridSummary() { lines.append(g) }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}
