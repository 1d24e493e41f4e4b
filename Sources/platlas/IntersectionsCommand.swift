import ArgumentParser
import Foundation
import MPI
import PLAtlasCore
import PLAtlasAnalyses
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
        try AnalysisCommand.validate { () throws(OptionValueError) in try IntersectionsAnalysis.check(to: to, tolerance: tolerance, naming: .commandLine) }
        if to != nil, saddle.cycle == nil { throw ValidationError("--to needs --saddle I (a cycle index), not --point") }
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
        var options = saddle
        options.defaultIterations = 12
        var setup = options.setup
        setup.optionName = { key in key == "allow_non_invertible" ? "--allow-non-invertible" : "--" + key }
        let analysis = IntersectionsAnalysis(setup: setup, to: to, tolerance: tolerance, allowNonInvertible: allowNonInvertible)
        let (result, outcome) = try AnalysisCommand.run(analysis, group: "intersections", context: AnalysisRunContext(model: model, world: world, log: log),
                                                        output: output.output, models: [model])
        let computed = result.run, seconds = result.seconds
        let (cycles, box, unstable, stable, points) = (computed.cycles, computed.box, computed.unstable, computed.stable, computed.points)
        let (firstIndex, secondIndex, homoclinic, verified, certificate) = (computed.unstableIndex, computed.stableIndex, computed.homoclinic, computed.verified, computed.chaosCertificate)
        if let plot = plotting.plot, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas intersections")
            picture.manifold(unstable, name: "unstable")
            picture.manifold(stable, name: "stable")
            picture.cycles(cycles)
            picture.intersections(points)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(outcome.json)
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
