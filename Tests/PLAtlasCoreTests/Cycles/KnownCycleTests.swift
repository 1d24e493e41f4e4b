import Testing
@testable import PLAtlasCore

/// 2D PLRNNs with A = diag(a1, a2), W = [[0, w1], [w2, 0]] whose cycles are known.
enum TwoDimensionalPLRNN {
    static func model(a1: Double, a2: Double = 0.96461297, w1: Double = -0.64375, w2: Double = 0.52505308,
                      h1: Double = 0.37298253, h2: Double = -0.97931491) -> Model {
        try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2], values: [a1, a2]),
            "W": Parameter(name: "W", shape: [2, 2], values: [0, w1, w2, 0]),
            "h": Parameter(name: "h", shape: [2], values: [h1, h2])])
    }
}

struct KnownCycleTests {
    func orders(_ result: CycleSearchResult) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for c in result.cycles { counts[c.order, default: 0] += 1 }
        return counts
    }

    @Test(arguments: [UInt64(0), 1, 2, 3, 17, 12345])
    func sixteenCycles(seed: UInt64) throws {
        var options = CycleSearchOptions(maxOrder: 16)
        options.seed = seed
        let result = try CycleSearch(model: TwoDimensionalPLRNN.model(a1: 0.8377689), options: options).run()
        let counts = orders(result)
        #expect(counts == [1: 1, 16: 2], "seed \(seed): \(counts)")
        for cycle in result.cycles { #expect(cycle.residual < 1e-12) }
    }

    @Test(arguments: [UInt64(0), 5, 99])
    func fortyCycles(seed: UInt64) throws {
        var options = CycleSearchOptions(maxOrder: 40)
        options.seed = seed
        let result = try CycleSearch(model: TwoDimensionalPLRNN.model(a1: 0.9777689), options: options).run()
        let counts = orders(result)
        #expect(counts[40] == 2, "seed \(seed): \(counts)")
        #expect(counts[39] == nil, "seed \(seed): \(counts)")
    }
}
