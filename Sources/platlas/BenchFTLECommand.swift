import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas bench-ftle MODEL`: the time of one FTLE field computed by the core's `ftleField`,
/// its rows shared over the ranks (one process: all of them) (docs/benchmarks.md, "FTLE fields").
struct BenchFTLECommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ftle",
        abstract: "Time an N x N FTLE field (the core's ftleField, rows shared over the ranks).",
        shouldDisplay: false
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "Points per axis (N x N grid).", transform: wholeNumber)
    var grid = 1000

    @Option(help: "Steps T.", transform: wholeNumber)
    var steps = 50

    @Option(help: "Bounds lo1:hi1,lo2:hi2 of the grid along the two axes.")
    var bounds = "-3:3,-3:3"

    @Option(help: "The two state axes, i,j.")
    var axes = "0,1"

    @Flag(help: "The backward field (along preimages).")
    var backward = false

    var loaded: (form: ShallowForm, kind: String, plane: FTLEPlane)?

    enum CodingKeys: CodingKey {
        case model, grid, steps, bounds, axes, backward
    }

    func validate() throws {
        guard grid >= 1, steps >= 1 else { throw ValidationError("--grid and --steps must be positive") }
        try Limits.current.check(options: [("--steps", steps, .count)])
        do {
            try Limits.current.check(Limits.product([grid, grid]), .values, "--grid N: the field's N x N values")
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The model and the plane, before MPI starts (bad input exits 2 on every rank).
    mutating func prepare() throws {
        let model = try self.model.load()
        let form = model.shallowForm()
        let axisList = axes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard let box = SaddleSetup.parseBounds(bounds, dimension: 2), axisList.count == 2 else {
            throw ValidationError("--bounds must be lo1:hi1,lo2:hi2 with lo < hi and --axes i,j")
        }
        let centre = FTLEPlane.meanOfTrajectories(form: form) ?? [Double](repeating: 0, count: form.dimension)
        let plane: FTLEPlane
        do {
            plane = try FTLEPlane(centre: centre, axes: axisList, lower: box.lower, upper: box.upper, resolution: [grid, grid])
        } catch {
            throw ValidationError(error.description)
        }
        loaded = (form, model.kind.rawValue, plane)
    }

    func run(world: Communicator) throws {
        let (form, kind, plane) = loaded!
        try world.barrier()
        let started = ContinuousClock.now
        let field = try ftleField(form: form, plane: plane, options: FTLEOptions(steps: steps, direction: backward ? .backward : .forward),
                                  sharing: MPICollective(world))
        let seconds = CycleSearch.seconds(since: started)
        guard world.isRoot else { return }
        let finite = field.values.filter(\.isFinite)
        Console.output(.object([
            ("model", .string(kind)), ("dimension", .integer(form.dimension)), ("hidden", .integer(form.hiddenCount)),
            ("grid", .integer(grid)), ("steps", .integer(steps)), ("ranks", .integer(world.size)), ("direction", .string(backward ? "backward" : "forward")),
            ("seconds", .number(seconds)), ("microseconds_per_point", .number(seconds / Double(grid * grid) * 1e6)),
            ("nanoseconds_per_step", .number(seconds / Double(grid * grid) / Double(steps) * 1e9)),
            ("averaged", .integer(field.statistics.averaged)), ("diverged", .integer(field.statistics.diverged)),
            ("checksum", .number(finite.reduce(0, +))),
        ]))
    }
}
