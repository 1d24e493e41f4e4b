import Foundation
import HDF5
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// Sweeps over ranks: the work queue's result equals one process's, and the parallel file
/// written round by round holds every point.
enum SweepCaseModels {
    /// The 2D PLRNN family of the cycles tests, swept over a1 and h2.
    static let family = try! Model(kind: .plrnn, parameters: [
        "A": Parameter(name: "A", shape: [2], values: [0.8, 0.96461297]),
        "W": Parameter(name: "W", shape: [2, 2], values: [0, -0.64375, 0.52505308, 0]),
        "h": Parameter(name: "h", shape: [2], values: [0.37298253, -0.97931491])])

    static func sweep() throws -> Sweep {
        var options = SweepOptions(maxOrder: 5)
        options.exactBelow = 10      // orders 3.. run the heuristic, so warm starts matter
        options.blockSize = 3
        options.lyapunov = true
        options.initialConditions = 3
        options.transient = 200
        options.lyapunovSteps = 500
        return try Sweep(base: family, targets: [.entry(parameter: "A", index: [0]), .entry(parameter: "h", index: [1])],
                         ranges: [SweepRange(lower: 0.8, upper: 0.99, count: 5), SweepRange(lower: -1, upper: -0.9, count: 7)],
                         options: options)
    }
}

var sweepCases: [TestCase] { [
    TestCase(name: "sweep: the rounds over ranks give what one process computes") { world, _, expect in
        let sweep = try SweepCaseModels.sweep()
        var rounds = 0
        let shared = try sweep.run(blocks: sweep.blocks(), collective: MPICollective(world), flushInterval: 0.05, log: .silent) { _ in rounds += 1 }
        let alone = try sweep.run(blocks: sweep.blocks(), collective: SerialCollective(), flushInterval: 0.05, log: .silent) { _ in }
        expect.expectEqual(shared.count, sweep.grid.count, "points returned on rank \(world.rank)")
        expect.expect(shared == alone, "points differ from the serial sweep")
        expect.expect(rounds >= 1, "no round was flushed")
        let events = BifurcationDetector.detect(in: shared, grid: sweep.grid)
        expect.expect(events == BifurcationDetector.detect(in: alone, grid: sweep.grid), "bifurcations differ")
    },
    TestCase(name: "sweep: parallel file written round by round, then resumed") { world, workdir, expect in
        let sweep = try SweepCaseModels.sweep()
        let path = workdir + "/sweep.h5"
        let communicator: Communicator? = world.size > 1 ? world : nil
        let blocks = sweep.blocks()
        // First run: only the first half of the blocks (as if the job had been killed).
        do {
            let file = try SweepFile.create(path, models: [SweepCaseModels.family], provenance: Provenance(command: "sweep test", ranks: world.size),
                                            sweep: sweep, specs: ["A[0]", "h[1]"], communicator: communicator)
            _ = try sweep.run(blocks: Array(blocks.prefix(blocks.count / 2)), collective: MPICollective(world), flushInterval: 0.05, log: .silent) { local in
                try file.append(local)
            }
            try file.close()
        }
        var completed: [SweepPoint] = []
        let file = try SweepFile.resume(path, sweep: sweep, specs: ["A[0]", "h[1]"], communicator: communicator, completed: &completed)
        let done = Set(completed.map(\.index))
        let expectedDone = blocks.prefix(blocks.count / 2).reduce(0) { $0 + $1.count }
        expect.expectEqual(done.count, expectedDone, "points read back as done")
        let rest = try sweep.run(blocks: blocks.filter { !done.contains($0.lowerBound) }, collective: MPICollective(world), flushInterval: 0.05,
                                 log: .silent) { local in
            try file.append(local)
        }
        let all = (completed + rest).sorted { $0.index < $1.index }
        let alone = try blocks.flatMap { try sweep.analyse(block: $0) }
        expect.expect(all == alone, "resumed sweep differs from an uninterrupted one")
        try file.finish(bifurcations: BifurcationDetector.detect(in: all, grid: sweep.grid))
        try world.barrier()
        if world.isRoot {
            let back = try File.open(path)
            expect.expectEqual(try back.root.attributeInt("complete"), 1, "complete attribute")
            expect.expectEqual(try back.root.readUInt8s("sweep/done").values, [UInt8](repeating: 1, count: sweep.grid.count), "done flags")
            let counts = try back.root.readInt64s("sweep/cycle_count").values
            expect.expectEqual(counts.map(Int.init), alone.map(\.cycles.count), "cycles per point")
            let lyapunov = try back.root.readDoubles("sweep/lyapunov").values
            expect.expect(zip(lyapunov, alone.map(\.lyapunov)).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "lyapunov")
            try back.close()
        }
    },
] }
