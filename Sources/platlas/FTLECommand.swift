import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas ftle MODEL --bounds lo1:hi1,lo2:hi2 --grid N`: the command-line adapter of
/// `FTLEAnalysis` (the same options, computation, HDF5 group and JSON as `[[ftle]]`).
struct FTLECommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "ftle",
        abstract: "Finite-time Lyapunov exponents on a grid of a plane: ridges mark basin boundaries.",
        discussion: reflow("""
        sigma_T(x) = (1/T) log sigma_max(J_{d_{T-1}} ... J_{d_0}): the average exponential
        rate at which the most stretched direction grows along the orbit of x, with J_d the
        Jacobian of the linear region the orbit visits at each step. Points on either side of
        a repelling structure separate fastest, so ridges of the forward field lie on the
        stable manifolds of saddles, the boundaries between basins of attraction (seed 000).
        --backward follows preimages instead (every preimage branch of a non-invertible map;
        the value is the largest over the branches): its ridges mark attracting structures.

        The grid is N x N points on the plane through --center spanned by state axes i and j
        (--axes i,j, default 0,1): point (a, b) has coordinate x[a] on axis i, y[b] on axis j
        (both ranges from --bounds, ends included) and the centre's coordinates on every other
        axis. The default centre is the mean of 64 long trajectories of the model. For M = 2
        the plane is the whole state space.

        Diverging orbits are marked, not averaged: a forward orbit whose norm exceeds
        1e3 (1 + s) (s: the largest coordinate magnitude of the plane) before step T, or a
        point whose preimage branches all end, gets NaN in values and 1 in status. Choose T of a
        few times the slowest unstable time scale 1/log|lambda_u| of the saddles whose stable
        manifolds you look for (docs/ftle.md, "Choosing T").

        --output F.h5 writes /ftle with values (N x N, values[a][b] at x[a], y[b]), status, x,
        y, center, axes, steps, direction (docs/hdf5-schema.md). --json prints {"ftle": {axes,
        x, y, values, steps, direction, ...}, "stats": {...}}. --plot F.svg shades the field,
        with the fixed points and the stable manifold of a saddle (where the model has one with
        one unstable direction) drawn where it meets the plane. [[ftle]] in a job spec takes
        the same options as keys (docs/jobs.md) and writes the same datasets.

        Under mpirun or srun the rows of the grid are shared over the ranks (each value depends
        only on its point: the field is the same on any number of ranks) and written
        collectively. A 2000 x 2000 field of a small network takes a few seconds per rank
        (docs/benchmarks.md; jobs/ftle-2000.toml for Slurm).

        Examples:
          platlas ftle jobs/models/duffing.json --bounds -4.5:4.5,-4.5:4.5 --grid 201 --steps 40 --plot duffing-ftle.svg
          platlas ftle jobs/models/decision-line.json --bounds -1:4,-1:4 --grid 101 --steps 60 --output ftle.h5
          platlas ftle model.json --axes 0,2 --center -0.5,1,0.2 --bounds -3:3,-2:2 --grid 50 --backward --json
          mpirun -np 4 platlas ftle model.json --bounds -3:3,-3:3 --grid 2000 --output ftle.h5
        """)
    )

    @OptionGroup var model: ModelOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Ranges of the grid along axis i and axis j (negative values as typed: -3:3,-2:2).", valueName: "lo1:hi1,lo2:hi2"))
    var bounds: String

    @Option(help: ArgumentHelp("Points per axis: an N x N grid.", valueName: "N"), transform: wholeNumber)
    var grid: Int

    @Option(help: ArgumentHelp("The two state axes spanning the plane, 0-based (default 0,1).", valueName: "i,j"))
    var axes: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The plane's centre, M coordinates (default: the mean of the model's long trajectories).", valueName: "x1,..,xM"))
    var center: String?

    @Option(help: ArgumentHelp("T, the number of steps (default 50).", valueName: "T"), transform: wholeNumber)
    var steps: Int?

    @Flag(help: "The backward field: along every preimage branch.")
    var backward = false

    @Option(help: "Seed of the default centre's random starts.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Draw the field, the fixed points and a saddle's stable manifold into this SVG file.", valueName: "F.svg"))
    var plot: String?

    @OptionGroup var output: OutputOptions

    var analysis: FTLEAnalysis?
    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, bounds, grid, axes, center, steps, backward, seed, plot, output
    }

    func validate() throws {
        do {
            _ = try FTLEAnalysis.Options.parse(bounds: bounds, grid: grid, axes: axes, center: center, steps: steps, backward: backward,
                                               seed: seed, naming: .commandLine)
        } catch {
            throw ValidationError(error.description)
        }
        try PlotOptions.check(plot)
        try output.validate()
    }

    mutating func prepare() throws {
        let options = try FTLEAnalysis.Options.parse(bounds: bounds, grid: grid, axes: axes, center: center, steps: steps,
                                                     backward: backward, seed: seed, naming: .commandLine)
        let analysis = FTLEAnalysis(options: options, naming: .commandLine)
        let model = try self.model.load()
        do { _ = try analysis.plane(for: model) } catch { throw InputError(error.description) }
        self.analysis = analysis
        loaded = model
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        try OutputClaim.whileWriting([output.output, plot], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        let (analysis, model) = (analysis!, loaded!)
        let (result, outcome) = try AnalysisCommand.run(analysis, group: "ftle", context: AnalysisRunContext(model: model, world: world, log: log),
                                                        output: output.output, models: [model])
        guard world.isRoot else { return }
        if let plot {
            var picture = FTLEPlot(field: result.field, title: "platlas ftle: \(model.kind.rawValue), axes \(analysis.options.axes[0]),\(analysis.options.axes[1])")
            picture.addStructures(model: model, seed: seed, log: log)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        Console.output(output.json ? outcome.json.serialized() : outcome.summary)
    }
}
