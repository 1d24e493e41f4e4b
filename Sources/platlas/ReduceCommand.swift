import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas reduce MODEL --fixed-point I --dim d`: the command-line adapter of `ReduceAnalysis`
/// (the same options, computation, HDF5 groups and JSON as `[[reduce]]`).
struct ReduceCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "reduce",
        abstract: "A reduced model on the slow spectral submanifold of a stable fixed point; line and ring attractors.",
        discussion: reflow("""
        A spectral submanifold (SSM) of a stable fixed point p is an attracting invariant
        manifold tangent to the span E of its d slowest eigendirections (|lambda| closest to
        1); the dynamics on it are a d-dimensional model of the whole network (seed 000). For a
        piecewise-affine map it is exact: inside p's region it is the flat p + E itself, and it
        continues backward through every preimage branch as a stable manifold does. The SSM is
        built with the manifold machinery (as `platlas manifold` builds a stable manifold, its
        regions spread over the ranks) and reported with its coverage, as /manifolds/cycleI-slow
        of kind slow.

        The reduced model: the eigenvalues (slowest first), the time scales -1/log|lambda| (in
        steps), the spectral gap log|lambda_fast| / log|lambda_slow| (the slowest direction
        outside E over the fastest inside; large means E is much slower than the rest). For
        d = 1 at a fixed point with a real slow eigenvalue, the SSM through p is an exact curve,
        its chart the arc length s, and the reduced map f (F on the curve, piecewise linear) is
        reported on it with its fixed points and their stability and the drift |f(s) - s|; it is
        also written as a model of its own (/reduced/model: `platlas cycles out.h5 --group
        /reduced/model` runs on the reduced dynamics). For d = 2 or 3 the reduced map is S c on
        the local piece, sampled on a grid of the chart.

        Classification (docs/reduce.md): a line attractor is an attracting 1D SSM with spectral
        gap at least 10 whose drift stays below --drift-tolerance (default 1e-3 of the curve's
        length per step) over at least a quarter of it; the interval where it holds is reported.
        A ring attractor (d = 2) is a closed chain of saddle connections between stable points
        with drift within the tolerance.

        --saddle I --dim 1 takes the 1D unstable manifold of saddle I as the slow manifold: in
        a decision network it joins the two choice attractors (heteroclinic connections), and
        its reduced map has stable, unstable, stable fixed points.

        --param SPEC --range a:b:n (SPEC as in `platlas sweep`: h[0], W[1,0], scale:W, h+u with
        --direction u) tracks the 1D slow manifold and its reduced map along the parameter
        (the values spread over the ranks like a sweep) and reports the folds (saddle-node
        bifurcations) of the reduced dynamics, located by bisection.

        Bad input exits 2 with one line and no output: an index beyond the cycles found, an
        object that is not stable (or, for --saddle, not a saddle), --dim larger than the
        stable eigenspace (or the saddle's unstable one), or a d that splits a complex pair.

        Examples:
          platlas reduce jobs/models/decision-line.json --fixed-point 0 --dim 1 --json
          platlas reduce jobs/models/decision-line.json --saddle 2 --dim 1 --output decision.h5 --plot decision.svg
          platlas reduce jobs/models/decision-line.json --saddle 2 --param h+u --direction 1,-1,0 --range -0.2:0.2:41 --json
          mpirun -np 4 platlas reduce model.h5 --fixed-point 1 --dim 2 --bounds -5:5 --output reduced.h5
        """)
    )

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Index of the stable fixed point or cycle among the cycles found (0-based).", valueName: "I"))
    var fixedPoint: Int?

    @Option(help: ArgumentHelp("Index of a saddle: its unstable manifold is the slow manifold (with --dim 1: the line of a decision network).", valueName: "I"))
    var saddle: Int?

    @Option(help: ArgumentHelp("d, the dimension of the slow manifold.", valueName: "d"))
    var dim = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("lo:hi or lo1:hi1,lo2:hi2,... (default: the box of docs/manifolds.md).", valueName: "BOX"))
    var bounds: String?

    @Option(help: ArgumentHelp("Search cycles of orders 1...K.", valueName: "K"))
    var maxOrder = 1

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("At most N steps of the manifold construction (default 200).", valueName: "N"), transform: wholeNumber)
    var maxIterations: Int?

    @Option(help: ArgumentHelp("Drift per step below which the reduced map counts as slow (default 1e-3 of its domain).", valueName: "delta"))
    var driftTolerance: Double?

    @Option(name: .customLong("param"), help: ArgumentHelp("Track the slow manifold along this parameter (h[0], W[1,0], scale:W, h+u).", valueName: "SPEC"))
    var parameter: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Values of --param: n points from a to b (-0.5:0.5:21).", valueName: "a:b:n"))
    var range: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("u for a --param of the form NAME+u: numbers u1,u2,... or a file of them.", valueName: "u"))
    var direction: String?

    @Option(help: ArgumentHelp("Draw the slow manifold, its chart and the fixed points (first two coordinates) into this SVG file.", valueName: "F.svg"))
    var plot: String?

    @OptionGroup var output: OutputOptions

    var analysis: ReduceAnalysis?
    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, fixedPoint, saddle, dim, bounds, maxOrder, seed, maxIterations, driftTolerance, parameter, range, direction, plot, output
    }

    /// The analysis's options from the command line (every value checked alone).
    func options() throws -> ReduceAnalysis.Options {
        var o = ReduceAnalysis.Options()
        o.fixedPoint = fixedPoint
        o.saddle = saddle
        o.dim = dim
        o.bounds = bounds
        o.maxOrder = maxOrder
        o.seed = seed
        o.maxIterations = maxIterations
        o.driftTolerance = driftTolerance
        o.param = parameter
        if let direction {
            if let numbers = SaddleSetup.parseNumbers(direction) {
                o.direction = numbers
            } else {
                do { o.direction = try NumberFile.read(direction) } catch { throw ValidationError("--direction: \(error.description)") }
            }
        }
        do { try o.check(rangeText: range, naming: .commandLine) } catch { throw ValidationError(error.description) }
        return o
    }

    func validate() throws {
        _ = try options()
        try PlotOptions.check(plot)
        try output.validate()
    }

    mutating func prepare() throws {
        let analysis = ReduceAnalysis(options: try options(), naming: .commandLine)
        let model = try self.model.load()
        do { try analysis.check(model: model) } catch { throw InputError(error.description) }
        self.analysis = analysis
        loaded = model
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        try OutputClaim.whileWriting([output.output, plot], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        let (analysis, model) = (analysis!, loaded!)
        let context = AnalysisRunContext(model: model, world: world, log: log)
        let (result, outcome) = try AnalysisCommand.run(analysis, group: "reduce", context: context, output: output.output, models: [model])
        if let plot {
            // The whole manifold for the figure (each rank holds its regions' sheets).
            var whole = result.manifold.manifold
            whole.sheets = try whole.gatheredSheets(context.collective)
            if world.isRoot {
                var picture = ManifoldPlot(box: result.box, title: "platlas reduce: \(analysis.options.saddle != nil ? "saddle" : "fixed point") \(analysis.options.index), d = \(analysis.options.dim)")
                picture.manifold(whole, name: result.manifoldName)
                if let curve = result.reduced.curve { picture.curve(curve.points, name: "chart") }
                picture.cycles(result.cycles)
                try picture.write(plot)
                log("wrote \(plot)")
            }
        }
        guard world.isRoot else { return }
        Console.output(output.json ? outcome.json.serialized() : outcome.summary)
    }
}
