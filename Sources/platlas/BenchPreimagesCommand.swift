import ArgumentParser
import Foundation
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas bench-preimages MODEL`: the cost of the exact preimage search per point
/// (docs/benchmarks.md, "Exact preimages").
struct BenchPreimagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-preimages",
        abstract: "Time the exact search for every preimage of a point (the stable-manifold step).",
        shouldDisplay: false
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "Box lo:hi (every coordinate) or lo1:hi1,...; the targets are images of random points of it.")
    var bounds = "-10:10"

    @Option(help: "Target points.")
    var points = 2000

    @Option(help: "Seed of the random points.")
    var seed: UInt64 = 1

    @Flag(help: "Also try the affine inverse of every region (H <= 16) and count the points where the two disagree.")
    var verify = false

    func validate() throws {
        guard points >= 1 && points <= 10_000_000 else { throw ValidationError("--points must be between 1 and 10000000") }
    }

    func run() throws {
        let model = try self.model.load()
        let form = model.shallowForm()
        guard let box = SaddleSetup.parseBounds(bounds, dimension: form.dimension) else {
            throw ValidationError("--bounds must be lo:hi or lo1:hi1,... with lo < hi for \(form.dimension) coordinates")
        }
        var rng = SeededGenerator(seed: seed, stream: 0xBE4C)
        let targets = (0..<points).map { _ in
            form((0..<form.dimension).map { box.lower[$0] + rng.uniform() * (box.upper[$0] - box.lower[$0]) })
        }
        let solver = PreimageSolver(form: form, box: box)
        var histogram = [0, 0, 0, 0]
        var folds = 0
        let started = ContinuousClock.now
        for y in targets {
            let result = solver.preimages(of: y)
            histogram[min(3, result.points.count)] += 1
            folds += result.folds.count
        }
        let seconds = CycleSearch.seconds(since: started)
        var disagreements = 0
        if verify && form.hiddenCount <= 16 {
            let maps = RegionMaps(form: form)
            for y in targets {
                var all: [[Double]] = []
                for code in 0..<(1 << form.hiddenCount) {
                    let d = RegionCode(index: UInt64(code), count: form.hiddenCount)
                    guard let x = maps.inverseImage(y, in: d), solver.admits(x, in: d) else { continue }
                    if !all.contains(where: { zip($0, x).map { abs($0 - $1) }.max()! < 1e-7 }) { all.append(x) }
                }
                if all.count != solver.preimages(of: y).points.count { disagreements += 1 }
            }
        }
        Console.output(.object([
            ("disagreements", verify ? .integer(disagreements) : .null),
            ("model", .string(model.kind.rawValue)), ("dimension", .integer(form.dimension)), ("hidden", .integer(form.hiddenCount)),
            ("points", .integer(points)), ("seconds", .number(seconds)),
            ("microseconds_per_point", .number(seconds / Double(points) * 1e6)),
            ("nodes_per_point", .number(Double(solver.nodes) / Double(points))),
            ("leaves_per_point", .number(Double(solver.leaves) / Double(points))),
            ("preimages", .array(histogram.map { .integer($0) })), ("folds", .integer(folds)),
        ]))
    }
}
