import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// The multi-rank basins cases: the stable manifold built over the ranks, its boundary pieces
/// all-gathered and the grid shared over the ranks give, on any number of ranks, the report of
/// the serial computation (the serial driver's manifold, every grid point classified here):
/// the branches' destinations, the attractors' sides and distances, and the destination of
/// every grid point and the counts.
enum BasinsCaseModels {
    static func toyMap(tauR: Double, deltaR: Double, tauL: Double, deltaL: Double, c: Double, d: Double, h1: Double, h2: Double) throws -> Model {
        try Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2, 2], values: [tauL, c, -deltaL, d]),
            "W": Parameter(name: "W", shape: [2, 2], values: [tauR - tauL, 0, deltaL - deltaR, 0]),
            "h": Parameter(name: "h", shape: [2], values: [h1, h2])])
    }

    /// (label, model, saddle index, cycle search order, iterations, the expected destinations of side + and side -)
    static func cases() throws -> [(String, Model, Int, Int, Int, [Destination])] {
        [
            ("saddle B", try toyMap(tauR: 1.26, deltaR: 0.71, tauL: -0.39, deltaL: -0.91, c: -0.44, d: 0.56, h1: -0.28, h2: 0.62), 0, 1, 200,
             [.divergence, .attractor(0)]),
            // The first saddle 5-cycle of preset cycle II: both sides go to the stable fixed
            // point; 45 generations pile up bundles of nearly coincident segments.
            ("cycle II 5-cycle", try toyMap(tauR: -1.85, deltaR: 0.9, tauL: 0.9, deltaL: 0.9, c: 1, d: 0, h1: -1, h2: 0), 2, 5, 45,
             [.attractor(0), .attractor(0)]),
            ("Duffing", try ModelFile.loadSingle("jobs/models/duffing.json"), 1, 1, 200, []),
        ]
    }
}

var basinsCases: [TestCase] { [
    TestCase(name: "basins: any rank count gives the serial report") { world, _, expect in
        for (label, model, saddle, order, iterations, sides) in try BasinsCaseModels.cases() {
            var setup = SaddleSetup { "--" + $0 }
            setup.cycle = saddle
            setup.maxOrder = order
            setup.maxIterations = iterations
            let plan = try setup.basinsPlan(model: model, log: .silent)
            let form = model.shallowForm()
            let attractors = plan.attractorIndices.map { plan.cycles[$0] }
            // Serial: the one-process construction's manifold, every point classified on this rank.
            var plain = DistributionOptions()
            plain.deltaSigma = nil
            plain.coverage = nil
            let alone = try plan.builder.build(distribution: plain).manifold
            let grid = BasinGridOptions(resolution: 24, keepCells: true)
            let reference = try Basins.analyse(alone, sides: try BoundarySides(alone), form: form, attractors: attractors, grid: grid,
                                               sharing: SerialCollective())
            let context = AnalysisRunContext(model: model, world: world, log: .silent)
            let share = try context.buildManifolds([plan.builder])[0]
            let shared = try setup.basins(plan, share: share, grid: 24, band: nil, keepCells: true, allowNonInvertible: true,
                                          collective: context.collective, log: .silent)
            let report = shared.report
            expect.expectEqual(shared.totals.sheets, alone.sheets.count, "\(label): sheets")
            expect.expectEqual(report.plusDestination, reference.plusDestination, "\(label): side +")
            expect.expectEqual(report.minusDestination, reference.minusDestination, "\(label): side -")
            if !sides.isEmpty { expect.expectEqual([report.plusDestination, report.minusDestination], sides, "\(label): the sides' destinations") }
            expect.expectEqual(report.attractors.map(\.side), reference.attractors.map(\.side), "\(label): attractor sides")
            expect.expectEqual(report.attractors.map(\.distance), reference.attractors.map(\.distance), "\(label): attractor distances")
            let g = report.grid!, r = reference.grid!
            expect.expect(g.cellCodes == r.cellCodes, "\(label): grid destinations differ from the serial ones")
            expect.expectEqual([g.compared, g.agreeing, g.insideBand, g.undecided], [r.compared, r.agreeing, r.insideBand, r.undecided],
                               "\(label): grid counts")
            expect.expectEqual(g.destinations, r.destinations, "\(label): destination counts")
            if label != "cycle II 5-cycle" { expect.expect((g.agreement ?? 0) > 0.98, "\(label): agreement \(g.agreement ?? .nan)") }
            // The grid streamed in blocks of 37 points, each block shared over the ranks.
            var blocks = grid
            blocks.blockSize = 37
            let streamed = try Basins.analyse(alone, sides: try BoundarySides(alone), form: form, attractors: attractors, grid: blocks,
                                              sharing: MPICollective(world)).grid!
            expect.expect(streamed.cellCodes == r.cellCodes && streamed.agreeing == r.agreeing && streamed.compared == r.compared,
                          "\(label): the grid in blocks of 37 over \(world.size) ranks differs from the serial one")
        }
    }
] }
