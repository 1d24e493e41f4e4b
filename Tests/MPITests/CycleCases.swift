import Foundation
import HDF5
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// Models for the multi-rank cycle cases: the chaotic toy map (saddle cycles of every order)
/// and a random shallow network.
enum CycleCaseModels {
    static let chaos = try! Model(kind: .plrnn, parameters: [
        "A": Parameter(name: "A", shape: [2, 2], values: [-1.77, 0.6, -0.9, 0.15]),
        "W": Parameter(name: "W", shape: [2, 2], values: [1.5 + 1.77, 0, 0.9 - 0.75, 0]),
        "h": Parameter(name: "h", shape: [2], values: [-0.7, -0.4])])

    /// A clipped shPLRNN with a stable 4-cycle and several saddles (found by enumeration).
    static let shallow = try! Model(kind: .clippedShplrnn, parameters: [
        "A": Parameter(name: "A", shape: [2], values: [0.7451600819193274, 0.2691738438755914]),
        "W1": Parameter(name: "W1", shape: [2, 3], values: [1.988596192948515, -0.27255946477469795, -0.7517353520349935,
                                                              -0.9378721147657804, -2.4745367546873256, -0.6754783040664375]),
        "W2": Parameter(name: "W2", shape: [3, 2], values: [-0.6927556525949575, 0.9393344528979457, 1.327020353745102,
                                                              1.3823796453842858, -1.2215263327454315, 1.2109606822026846]),
        "h1": Parameter(name: "h1", shape: [2], values: [-0.030534387041498356, 0.6833093668220878]),
        "h2": Parameter(name: "h2", shape: [3], values: [0.1830983864499047, 0.7210306154581982, 0.4006978398065088])])
}

var cycleCases: [TestCase] { [
    TestCase(name: "cycle search: ranks share the restarts and find what one process finds") { world, _, expect in
        for (name, model, order) in [("chaos toy map", CycleCaseModels.chaos, 7), ("clipped shPLRNN", CycleCaseModels.shallow, 4)] {
            var options = CycleSearchOptions(maxOrder: order)
            options.seed = 42
            options.autoExhaustiveLimit = 0   // the heuristic, whose restarts the ranks split
            let search = try CycleSearch(model: model, options: options)
            let shared = try search.run(collective: MPICollective(world))
            let alone = try search.run()
            expect.expectEqual(shared.cycles.count, alone.cycles.count, "\(name): number of cycles")
            expect.expect(shared.cycles.count >= 3, "\(name): found only \(shared.cycles.count) cycles")
            for (a, b) in zip(shared.cycles, alone.cycles) {
                expect.expectEqual(a.regions, b.regions, "\(name): region sequence")
                expect.expectEqual(a.points, b.points, "\(name): points (bit for bit)")
            }
            expect.expectEqual(shared.statistics.map(\.restarts), alone.statistics.map(\.restarts), "\(name): restarts per order")
            expect.expectEqual(shared.candidatesEvaluated, alone.candidatesEvaluated, "\(name): candidates over all ranks")
        }
    },
    TestCase(name: "cycle search: exhaustive mode split over ranks") { world, _, expect in
        var options = CycleSearchOptions(maxOrder: 6)
        options.exhaustive = true
        let search = try CycleSearch(model: CycleCaseModels.chaos, options: options)
        let shared = try search.run(collective: MPICollective(world))
        var perOrder = [Int](repeating: 0, count: 7)
        for c in shared.cycles { perOrder[c.order] += 1 }
        expect.expectEqual(Array(perOrder[1...]), [1, 1, 2, 3, 4, 5], "saddle cycles per order (science.md section 6)")
    },
    TestCase(name: "result file: /cycles and provenance written by every rank into one file") { world, workdir, expect in
        let path = workdir + "/cycles.h5"
        let model = CycleCaseModels.chaos
        let result = try CycleSearch(model: model, options: CycleSearchOptions(maxOrder: 5)).run(collective: MPICollective(world))
        let file = try ResultFile.create(path, models: [model], provenance: Provenance(command: "platlas cycles test", ranks: world.size),
                                         communicator: world)
        expect.expect(!FileManager.default.fileExists(atPath: path), "final name must not exist before finish()")
        try CycleOutput.write(result, into: file.root, dimension: 2, hiddenCount: 2, maxOrder: 5, seed: 0)
        try file.finish()
        try world.barrier()
        expect.expect(FileManager.default.fileExists(atPath: path), "final file exists after finish()")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workdir).filter { $0.hasPrefix("cycles.h5.tmp") }
        expect.expectEqual(leftovers, [], "temporary files left behind")
        if world.isRoot {
            let back = try File.open(path)
            expect.expectEqual(try back.root.attributeInt("ranks"), world.size, "ranks attribute")
            expect.expectEqual(try back.root.attributeString("command"), "platlas cycles test", "command attribute")
            expect.expectEqual(try back.root.attributeInt("schema_version"), resultSchemaVersion, "schema_version attribute")
            let orders = try back.root.readInt64s("cycles/order").values
            expect.expectEqual(orders, result.cycles.map { Int64($0.order) }, "cycle orders")
            let points = try back.root.readDoubles("cycles/points")
            expect.expectEqual(points.shape, [result.cycles.reduce(0) { $0 + $1.order }, 2], "points shape")
            expect.expectEqual(points.values, result.cycles.flatMap { $0.points.flatMap { $0 } }, "points")
            let reloaded = try ModelFile.loadSingle(path)
            expect.expectEqual(reloaded, model, "model copy under /model")
            try back.close()
        }
    },
] }
