import ArgumentParser
import Foundation
import MPI
import PLAtlasCore
import PLAtlasIO

/// `platlas intersections MODEL --saddle I [--to J]`.
struct IntersectionsCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "intersections",
        abstract: "Transversal homoclinic and heteroclinic points: W^u of one saddle meeting W^s of the same or another.",
        discussion: reflow("""
        Computes the unstable manifold of saddle I and the stable manifold of saddle J (--to,
        default I: homoclinic points), both up to --max-iterations (default 12, since the
        manifolds of chaotic maps fold without end), and intersects them region by region:
        two flat pieces meet where a linear system has a solution that lies in the region and
        in both pieces. Needs dim W^u + dim W^s = M (isolated points). Each point is verified
        by iteration: forward until an iterate lies in the region of a point of saddle J and
        on its local stable subspace (relative distance at most --tolerance), backward through
        the region-wise inverse until one lies on the local unstable subspace of saddle I. A
        verified transversal homoclinic point of an invertible map certifies chaos
        (Smale-Birkhoff): reported as chaos_certificate.

        Examples:
          platlas intersections model.json --saddle 0 --json
          platlas intersections model.json --max-order 2 --saddle 0 --to 1 --output x.h5
        """)
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var saddle: SaddleOptions

    @Option(help: ArgumentHelp("The saddle whose stable manifold is intersected (default: the same, homoclinic).", valueName: "J"))
    var to: Int?

    @Option(help: ArgumentHelp("Relative distance from the local subspace that counts as arrived.", valueName: "eps"))
    var tolerance = 1e-6

    @Flag(help: "Keep a stable manifold even where the backward step found no or several preimages (no certificate then).")
    var allowNonInvertible = false

    @OptionGroup var plotting: PlotOptions

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, to, tolerance, allowNonInvertible, plotting, output
    }

    func validate() throws {
        try saddle.validate(requireCycle: true)
        if let to, to < 0 { throw ValidationError("--to must be 0 or more") }
        if let to, saddle.cycle == nil, to >= 0 { throw ValidationError("--to needs --saddle I (a cycle index), not --point") }
        guard tolerance > 0 && tolerance < 1 else { throw ValidationError("--tolerance must be between 0 and 1") }
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
        let started = ContinuousClock.now
        var options = saddle
        options.defaultIterations = 12
        var setup = options.setup
        setup.optionName = { key in key == "allow_non_invertible" ? "--allow-non-invertible" : "--" + key }
        let computed = try setup.intersections(model: model, to: to, tolerance: tolerance, allowNonInvertible: allowNonInvertible, log: log)
        let (cycles, box, unstable, stable, points) = (computed.cycles, computed.box, computed.unstable, computed.stable, computed.points)
        let (firstIndex, secondIndex, homoclinic, verified, certificate) = (computed.unstableIndex, computed.stableIndex, computed.homoclinic, computed.verified, computed.chaosCertificate)
        let seconds = CycleSearch.seconds(since: started)
        if let plot = plotting.plot, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas intersections")
            picture.manifold(unstable, name: "unstable")
            picture.manifold(stable, name: "stable")
            picture.cycles(cycles)
            picture.intersections(points)
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
            Console.output(computed.json(seconds: seconds, ranks: world.size))
        } else {
            var lines = ["\(homoclinic ? "homoclinic" : "heteroclinic") points of W^u(cycle \(firstIndex ?? -1)) and W^s(cycle \(secondIndex ?? -1)): \(points.count) transversal, \(verified) verified (\(formatSeconds(seconds)) s)"]
            for p in points.prefix(20) {
                lines.append("  (\(p.point.map { String(format: "%.9g", $0) }.joined(separator: ", "))): forward \(p.forwardSteps.map(String.init) ?? "-") steps, backward \(p.backwardSteps.map(String.init) ?? "-") steps")
            }
            if points.count > 20 { lines.append("  ... \(points.count - 20) more") }
            if certificate {
                lines.append("a verified transversal homoclinic point of an invertible map: the map is chaotic on an invariant set near it (Smale-Birkhoff)")
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}
