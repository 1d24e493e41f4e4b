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

    @Option(help: ArgumentHelp("Draw the first two coordinates (a projection for M > 2) into this SVG file.", valueName: "F.svg"))
    var plot: String?

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, saddle, to, tolerance, allowNonInvertible, plot, output
    }

    func validate() throws {
        try saddle.validate(requireCycle: true)
        if let to, to < 0 { throw ValidationError("--to must be 0 or more") }
        if let to, saddle.cycle == nil, to >= 0 { throw ValidationError("--to needs --saddle I (a cycle index), not --point") }
        guard tolerance > 0 && tolerance < 1 else { throw ValidationError("--tolerance must be between 0 and 1") }
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
        var options = saddle
        options.defaultIterations = 12
        let (cycles, first, firstIndex) = try options.resolve(model: model, log: log)
        var second = first, secondIndex = firstIndex
        if let j = to, j != firstIndex {
            guard j < cycles.count else {
                throw InputError("--to \(j) is out of range: the search found \(cycles.count) cycle\(cycles.count == 1 ? "" : "s") (0..\(max(cycles.count - 1, 0)))")
            }
            guard cycles[j].stability == .saddle else { throw InputError("--to \(j) is \(cycles[j].stability.rawValue), not a saddle") }
            second = cycles[j]
            secondIndex = j
        }
        var box = try options.box(for: first, cycles: cycles, form: form)
        if options.bounds != nil {
            guard second.points.allSatisfy({ box.contains($0) }) else { throw InputError("--bounds excludes saddle \(secondIndex ?? 0)") }
        } else {
            box = Box.fromTrajectories(Box.around(first.points + second.points + cycles.flatMap(\.points)), form: form, seed: options.seed)
        }
        let unstable = try options.build(form: form, cycle: first, kind: .unstable, box: box, method: nil, supportPoints: nil,
                                         allowNonInvertible: allowNonInvertible, log: log)
        let stable = try options.build(form: form, cycle: second, kind: .stable, box: box, method: nil, supportPoints: nil,
                                       allowNonInvertible: allowNonInvertible, log: log)
        var settings = IntersectionOptions()
        settings.tolerance = tolerance
        let points: [IntersectionPoint]
        do { points = try Intersections.find(unstable: unstable, stable: stable, form: form, options: settings) } catch { throw InputError(error.description) }
        let homoclinic = secondIndex == firstIndex
        let verified = points.filter(\.verified).count
        let invertible = stable.nonInvertibility.affected == 0
        let certificate = homoclinic && verified > 0 && invertible
        let seconds = CycleSearch.seconds(since: started)
        log("intersections: \(points.count) transversal points, \(verified) verified")
        if let plot, world.isRoot {
            var picture = ManifoldPlot(box: box, title: "platlas intersections")
            picture.manifold(unstable, name: "unstable")
            picture.manifold(stable, name: "stable")
            picture.cycles(cycles)
            picture.intersections(points)
            try picture.write(plot)
            log("wrote \(plot)")
        }
        let name = "cycle\(firstIndex ?? -1)-cycle\(secondIndex ?? -1)"
        if let path = output.output {
            let file = try ResultFile.create(path, models: [model], provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                             communicator: world.size > 1 ? world : nil)
            try ManifoldOutput.write(unstable, name: "cycle\(firstIndex ?? -1)-unstable", saddleIndex: firstIndex, deltaSigma: nil, into: file.root)
            try ManifoldOutput.write(stable, name: "cycle\(secondIndex ?? -1)-stable", saddleIndex: secondIndex, deltaSigma: nil, into: file.root)
            try ManifoldOutput.writeIntersections(points, name: name, kind: homoclinic ? "homoclinic" : "heteroclinic", unstableSaddle: firstIndex,
                                                  stableSaddle: secondIndex, chaosCertificate: certificate, tolerance: tolerance, into: file.root)
            try file.finish()
            log("wrote \(path)")
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(JSONOutput.object([
                ("kind", .string(homoclinic ? "homoclinic" : "heteroclinic")),
                ("unstable_saddle", firstIndex.map { .integer($0) } ?? .null),
                ("stable_saddle", secondIndex.map { .integer($0) } ?? .null),
                ("points", ManifoldOutput.json(points)),
                ("count", .integer(points.count)),
                ("verified", .integer(verified)),
                ("tolerance", .number(tolerance)),
                ("chaos_certificate", .bool(certificate)),
                ("manifolds", .array([
                    ManifoldOutput.json(unstable, name: "cycle\(firstIndex ?? -1)-unstable", saddleIndex: firstIndex, deltaSigma: nil),
                    ManifoldOutput.json(stable, name: "cycle\(secondIndex ?? -1)-stable", saddleIndex: secondIndex, deltaSigma: nil),
                ])),
                ("stats", .object([("seconds", .number(seconds)), ("ranks", .integer(world.size))])),
            ]))
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
