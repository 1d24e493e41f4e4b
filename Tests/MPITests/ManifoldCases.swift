import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// The multi-rank manifold cases: the construction over MPI gives, on any number of ranks,
/// exactly what the same construction over `SerialCollective` gives in one process (sheets bit
/// for bit in region order, sample points, stop reason, counts, branching report, Delta_sigma,
/// coverage), whatever
/// the ownership, the exchange limit (forcing many exchanges per round) or rebalancing; and a
/// run stopped after a checkpoint and resumed ends the same as an uninterrupted one, also when
/// it had stopped at its iteration limit and is resumed with a higher one.
enum ManifoldCaseModels {
    /// (label, model file, saddle: the first with this unstable dimension, kinds, allow non-invertible)
    static let cases: [(String, String, Int, [ManifoldKind])] = [
        ("Duffing", "jobs/models/duffing.json", 1, [.unstable, .stable]),
        ("Lorenz ALRNN", "../shared/models/alrnn_lorenz_m20_p2.json", 1, [.unstable, .stable]),
        ("Lorenz PLRNN (branching)", "../shared/models/plrnn_lorenz_m10.json", 1, [.stable]),
    ]

    static func setup() -> SaddleSetup { SaddleSetup { "--" + $0 } }

    /// The builders of a case (every rank computes the same).
    static func builders(_ path: String, unstableDimension: Int, kinds: [ManifoldKind], iterations: Int = 60) throws -> (Model, [ManifoldBuilder]) {
        let model = try ModelFile.loadSingle(path)
        let form = model.shallowForm()
        let cycles = try CycleSearch(model: model, options: CycleSearchOptions(maxOrder: 1)).run().cycles
        guard let saddle = cycles.first(where: { $0.stability == .saddle && $0.unstableDimension == unstableDimension }) else {
            throw InputError("\(path): no saddle with unstable dimension \(unstableDimension)")
        }
        var s = setup()
        s.maxIterations = iterations
        let box = try s.box(for: saddle, cycles: cycles, form: form)
        return (model, try kinds.map { try s.builder(form: form, cycle: saddle, kind: $0, box: box, method: nil, supportPoints: nil) })
    }

    static func compare(_ shared: Manifold, _ alone: Manifold, _ label: String, _ expect: Expectations) {
        expect.expectEqual(shared.sheets.count, alone.sheets.count, "\(label): sheets")
        expect.expect(shared.sheets == alone.sheets, "\(label): sheets differ from the serial driver's")
        expect.expect(shared.points == alone.points, "\(label): sample points differ from the serial driver's")
        expect.expectEqual(shared.stopReason, alone.stopReason, "\(label): stop reason")
        expect.expectEqual(shared.iterations, alone.iterations, "\(label): rounds")
        expect.expectEqual(shared.pointsPushed, alone.pointsPushed, "\(label): points pushed")
        expect.expectEqual(shared.nonInvertibility, alone.nonInvertibility, "\(label): non-invertibility counts")
        expect.expectEqual(shared.nonInvertibility.examples.map(\.point), alone.nonInvertibility.examples.map(\.point),
                           "\(label): non-invertibility examples")
    }
}

var manifoldCases: [TestCase] { [
    TestCase(name: "manifolds: any rank count, ownership and exchange limit give the serial result") { world, _, expect in
        for (label, path, unstable, kinds) in ManifoldCaseModels.cases {
            guard FileManager.default.fileExists(atPath: path) else { expect.expect(false, "\(label): missing \(path)"); continue }
            let (_, builders) = try ManifoldCaseModels.builders(path, unstableDimension: unstable, kinds: kinds)
            var settings: [(String, DistributionOptions)] = []
            var hash = DistributionOptions()
            hash.deltaSigma!.randomSamples = 200
            hash.deltaSigma!.manifoldSamples = 200
            settings.append(("hash", hash))
            var small = DistributionOptions()
            small.ownership = .block
            small.exchangeLimitBytes = 1   // one exchange per region processed
            small.rebalanceThreshold = 1.0
            small.deltaSigma = nil
            settings.append(("block, 1-byte exchange limit, eager rebalancing", small))
            // The one-process construction's manifolds, Delta_sigma and coverage.
            var serial = ManifoldConstruction(builders: builders, options: hash)
            let reference = try serial.run()
            for (name, options) in settings {
                var run = ManifoldConstruction(builders: builders, collective: MPICollective(world), options: options)
                let built = try run.run()
                for (b, r) in zip(built, reference) {
                    let alone = r.manifold
                    let label = "\(label) \(alone.kind.rawValue) (\(name))"
                    let whole = try b.gathered(MPICollective(world))
                    ManifoldCaseModels.compare(whole, alone, label, expect)
                    expect.expectEqual(b.totals, ManifoldTotals(alone), "\(label): totals")
                    expect.expectEqual(Manifold.parentRows(whole.sheets), Manifold.parentRows(alone.sheets), "\(label): parents")
                    if options.deltaSigma != nil { expect.expectEqual(b.deltaSigma, r.deltaSigma, "\(label): Delta_sigma") }
                    if options.coverage != nil { expect.expectEqual(b.coverage, r.coverage, "\(label): coverage") }
                    expect.expectEqual(b.report.regionsPerRank.reduce(0, +), alone.regions.count, "\(label): regions per rank add up")
                    if world.size > 1 && options.exchangeLimitBytes == 1 && label.hasPrefix("Duffing") {  // many regions per rank and round
                        expect.expect(b.report.exchanges > b.report.rounds, "\(label): a 1-byte limit should split rounds (\(b.report.exchanges) exchanges, \(b.report.rounds) rounds)")
                    }
                }
            }
        }
    },
    TestCase(name: "manifolds: a run stopped after a checkpoint and resumed ends as an uninterrupted one") { world, workdir, expect in
        let (label, path, unstable, kinds) = ManifoldCaseModels.cases[0]
        let (model, builders) = try ManifoldCaseModels.builders(path, unstableDimension: unstable, kinds: kinds)
        var plain = DistributionOptions()
        plain.deltaSigma = nil
        plain.coverage = nil
        let collective = MPICollective(world)
        func construction(_ builders: [ManifoldBuilder], _ options: DistributionOptions, _ name: String = label) -> ManifoldConstruction {
            var c = ManifoldConstruction(builders: builders, collective: collective, options: options, fingerprint: [("case", name)])
            let file = ManifoldCheckpointFile(path: checkpoint, model: model, communicator: world, log: .silent)
            c.checkpointer = { try file.write($0) }
            return c
        }
        func resume(_ c: inout ManifoldConstruction) throws {
            try ManifoldCheckpointFile(path: checkpoint, model: model, communicator: world, log: .silent).resume(&c)
        }
        let checkpoint = workdir + "/manifold.checkpoint.h5"
        var whole = construction(builders, plain)
        let expected = try whole.run().map { try $0.gathered(collective) }
        for halt in [(0, 4), (1, 8)] {   // inside the first manifold; inside the second (the first finished)
            var options = plain
            options.checkpointEvery = 4
            options.haltAt = halt
            var first = construction(builders, options)
            var halted = false
            do { _ = try first.run() } catch is ManifoldConstruction.Halted { halted = true }
            expect.expect(halted, "halt at round \(halt): the run was not stopped")
            var resumed = construction(builders, plain)
            try resume(&resumed)
            let got = try resumed.run().map { try $0.gathered(collective) }
            for (a, b) in zip(got, expected) { ManifoldCaseModels.compare(a, b, "resumed after round \(halt): \(a.kind.rawValue)", expect) }
            // A checkpoint of another run is refused.
            var other = construction(builders, plain, "other")
            var refused = ""
            do { try resume(&other) } catch { refused = "\(error)" }
            expect.expect(refused.contains("different run"), "a checkpoint of another run was not refused: '\(refused)'")
        }
        // A run stopped by its iteration limit (20), resumed with the limit raised to 60, ends as a
        // run given 60 from the start; a limit below the checkpoint's round is refused.
        let (_, short) = try ManifoldCaseModels.builders(path, unstableDimension: unstable, kinds: kinds, iterations: 20)
        var options = plain
        options.checkpointEvery = 1000   // only the checkpoints of finished manifolds
        var first = construction(short, options)
        let stopped = try first.run()
        expect.expect(stopped.allSatisfy { $0.manifold.stopReason == .iterations && $0.manifold.iterations == 20 },
                      "the short run should stop at its limit: \(stopped.map { ($0.manifold.stopReason, $0.manifold.iterations) })")
        var extended = construction(builders, plain)
        try resume(&extended)
        let got = try extended.run().map { try $0.gathered(collective) }
        for (a, b) in zip(got, expected) { ManifoldCaseModels.compare(a, b, "extended from 20 to 60 rounds: \(a.kind.rawValue)", expect) }
        let (_, shorter) = try ManifoldCaseModels.builders(path, unstableDimension: unstable, kinds: kinds, iterations: 10)
        var below = construction(shorter, plain)
        var refusal = ""
        do { try resume(&below) } catch { refusal = "\(error)" }
        expect.expect(refusal.contains("beyond the iteration limit 10"), "a limit below the checkpoint's round was not refused: '\(refusal)'")
    },
] }
