import ComplexModule
import Foundation
import Testing
@testable import PLAtlasCore

/// Hand-built maps whose bifurcations are known.
enum SweepTestModels {
    /// z' = a z + w relu(z) + h in 1D: slope a left of 0, a + w right of it. With h > 0 the fixed
    /// point h / (1 - a - w) lies on the right; its eigenvalue a + w crosses -1 at w = -1 - a.
    static func oneDimensional(a: Double = 0.5, w: Double = -1.2, h: Double = 1) -> Model {
        try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [a]),
            "W": Parameter(name: "W", shape: [1, 1], values: [w]),
            "h": Parameter(name: "h", shape: [1], values: [h])])
    }

    /// A linear map z' = A z (W = 0, h = 0) with A = r R(theta): a focus at the origin whose
    /// complex pair has modulus r.
    static func rotation(r: Double = 0.9, theta: Double = 0.7) -> Model {
        try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2, 2], values: [r * cos(theta), -r * sin(theta), r * sin(theta), r * cos(theta)]),
            "W": Parameter(name: "W", shape: [2, 2], values: [0, 0, 0, 0]),
            "h": Parameter(name: "h", shape: [2], values: [0, 0])])
    }
}

struct SweepSpecTests {
    let model = TwoDimensionalPLRNN.model(a1: 0.9)

    @Test func parsesEveryKindOfSpec() throws {
        #expect(try SweepTarget.parse("A[0]", model: model) == .entry(parameter: "A", index: [0]))
        #expect(try SweepTarget.parse("W[1,0]", model: model) == .entry(parameter: "W", index: [1, 0]))
        #expect(try SweepTarget.parse("scale:W", model: model) == .scale(parameter: "W"))
        #expect(try SweepTarget.parse("h+u", model: model, direction: [1, 2]) == .direction(parameter: "h", vector: [1, 2]))
        let moved = SweepTarget.direction(parameter: "h", vector: [1, 2]).apply(to: model, value: 0.5)
        #expect(moved.parameter("h")!.values == [0.37298253 + 0.5, -0.97931491 + 1])
        #expect(SweepTarget.scale(parameter: "W").apply(to: model, value: 2).parameter("W")!.values == [0, -1.2875, 1.05010616, 0])
    }

    @Test(arguments: ["B[0]", "W1[0,0]", "A", "h[2]", "W[0,2]", "W[0]", "h[-1]", "h+u", "scale:Q"])
    func rejectsBadSpecs(spec: String) {
        #expect(throws: SweepInputError.self) { try SweepTarget.parse(spec, model: model) }
    }

    @Test func ranges() throws {
        #expect(try SweepRange.parse("0:1:5").values == [0, 0.25, 0.5, 0.75, 1])
        #expect(try SweepRange.parse("2:3:1").values == [2])
        for bad in ["0:1:0", "1:1:4", "0:1", "", "a:1:3", "0:1:-2"] {
            #expect(throws: SweepInputError.self, "\(bad)") { try SweepRange.parse(bad) }
        }
    }

    @Test func gridOrderBlocksAndNeighbours() {
        let grid = SweepGrid(axes: [[0, 1, 2], [10, 20, 30, 40]])
        #expect(grid.count == 12)
        #expect(grid.values(of: 5) == [1, 20])
        #expect(grid.blocks(size: 3) == [0..<3, 3..<4, 4..<7, 7..<8, 8..<11, 11..<12])
        let pairs = grid.neighbourPairs()
        #expect(pairs.count == 3 * 3 + 2 * 4)
        #expect(pairs.first! == (i: 0, j: 4, axis: 0))
        #expect(pairs.contains { $0 == (i: 4, j: 8, axis: 0) })
    }

    @Test func stackOfDifferentDimensionsIsRejected() {
        let one = SweepTestModels.oneDimensional(), two = TwoDimensionalPLRNN.model(a1: 0.9)
        #expect(throws: SweepInputError.self) { try Sweep(stack: [two, one], options: SweepOptions(maxOrder: 2)) }
    }
}

struct SweepAnalysisTests {
    func orders(_ cycles: [Cycle]) -> [Int] { cycles.map(\.order).sorted() }

    /// The 2D PLRNN family: the orders the sweep finds match independent cycle searches.
    @Test func twoDimensionalFamilyMatchesIndependentSearches() throws {
        let base = TwoDimensionalPLRNN.model(a1: 0.8)
        var options = SweepOptions(maxOrder: 8)
        options.blockSize = 4
        let sweep = try Sweep(base: base, targets: [try SweepTarget.parse("A[0]", model: base)],
                              ranges: [SweepRange(lower: 0.8, upper: 0.99, count: 8)], options: options)
        let points = try sweep.blocks().flatMap { try sweep.analyse(block: $0) }
        for i in [0, 3, 7] {
            let independent = try CycleSearch(model: TwoDimensionalPLRNN.model(a1: points[i].values[0]),
                                              options: CycleSearchOptions(maxOrder: 8)).run()
            #expect(orders(points[i].cycles) == orders(independent.cycles), "a1 = \(points[i].values[0])")
            for (c, d) in zip(points[i].cycles, independent.cycles) { #expect(c.isSameCycle(as: d)) }
        }
        #expect(points.allSatisfy { $0.cycles.contains { $0.order == 1 } })
    }

    @Test func flipOfAHandBuiltOneDimensionalMap() throws {
        let base = SweepTestModels.oneDimensional()
        var options = SweepOptions(maxOrder: 2)
        options.lyapunov = true
        let sweep = try Sweep(base: base, targets: [.entry(parameter: "W", index: [0, 0])],
                              ranges: [SweepRange(lower: -1.25, upper: -1.85, count: 7)], options: options)
        let points = try sweep.analyse(block: 0..<7)
        let events = BifurcationDetector.detect(in: points, grid: sweep.grid)
        let flips = events.filter { $0.type == .flip }
        #expect(flips.count == 1, "\(events.map { "\($0.between) \($0.type) \($0.value)" })")
        guard let flip = flips.first else { return }
        #expect(flip.between == (2, 3) && flip.order == 1)
        let refined = sweep.refine(flip, points: points, tolerance: 1e-9)
        #expect(refined.refined && abs(refined.value - (-1.5)) < 1e-8, "refined to \(refined.value)")
        // Before the flip the stable fixed point attracts: the exponent is log |a + w|.
        #expect(abs(points[0].lyapunov - log(0.75)) < 1e-9)
        #expect(points[0].attractorCount == 1)
    }

    @Test func neimarkSackerOfALinearFocus() throws {
        let base = SweepTestModels.rotation(r: 1)
        var options = SweepOptions(maxOrder: 1)
        options.lyapunov = true
        options.spectrum = true
        let sweep = try Sweep(base: base, targets: [.scale(parameter: "A")],
                              ranges: [SweepRange(lower: 0.9, upper: 1.1, count: 4)], options: options)
        let points = try sweep.analyse(block: 0..<4)
        let events = BifurcationDetector.detect(in: points, grid: sweep.grid)
        #expect(events.map(\.type) == [.neimarkSacker])
        #expect(events.first.map { $0.between == (1, 2) } == true)
        // Lyapunov exponents of a linear map are log |eigenvalue|: a pair, log 0.9.
        #expect(abs(points[0].lyapunov - log(0.9)) < 1e-6)
        #expect(points[0].spectrum.count == 2 && abs(points[0].spectrum[1] - log(0.9)) < 1e-6)
    }

    @Test func foldAndFlipClassification() {
        func cycle(_ eigenvalues: [Complex<Double>]) -> Cycle {
            Cycle(points: [[0, 0]], regions: [RegionCode(count: 2)], eigenvalues: eigenvalues, residual: 0, marginalTolerance: 1e-6)
        }
        #expect(BifurcationDetector.stabilityChange(cycle([Complex(0.9, 0), Complex(0.2, 0)]), cycle([Complex(1.1, 0), Complex(0.2, 0)])) == .fold)
        #expect(BifurcationDetector.stabilityChange(cycle([Complex(-0.9, 0), Complex(0.2, 0)]), cycle([Complex(-1.1, 0), Complex(0.2, 0)])) == .flip)
        #expect(BifurcationDetector.stabilityChange(cycle([Complex(0.5, 0.7), Complex(0.5, -0.7)]), cycle([Complex(0.5, 0.9), Complex(0.5, -0.9)])) == .neimarkSacker)
        #expect(BifurcationDetector.stabilityChange(cycle([Complex(0.5, 0)]), cycle([Complex(0.6, 0)])) == nil)
    }

    /// The chaos preset of science.md section 6 swept over h1: chaotic (positive exponent, a
    /// spread-out orbit diagram) for h1 < 0, a stable fixed point for large h1.
    @Test func chaosPresetOrbitDiagramAndLyapunov() throws {
        let base = ToyMap.chaos
        var options = SweepOptions(maxOrder: 3)
        options.lyapunov = true
        options.orbitSamples = 40
        options.initialConditions = 4
        let sweep = try Sweep(base: base, targets: [.entry(parameter: "h", index: [0])],
                              ranges: [SweepRange(lower: -0.7, upper: 0.7, count: 3)], options: options)
        let points = try sweep.analyse(block: 0..<3)
        #expect(points[0].lyapunov > 0.3, "h1 = -0.7: \(points[0].lyapunov)")
        #expect(Set(points[0].orbit.map { $0[0] }).count > 100)
        #expect(points[0].attractorCount == 1 && !points[0].cycles.contains { $0.stability == .stable })
        #expect(points[2].lyapunov < 0)
        #expect(points[2].cycles.contains { $0.stability == .stable })
        #expect(points[2].orbit.count == 160)
    }

    /// Warm starts only add verified sequences: same cycles, fewer evaluations.
    @Test func warmStartsSaveEvaluationsAtTheSameRecall() throws {
        let base = ToyMap.chaos
        var options = SweepOptions(maxOrder: 8)
        options.exactBelow = 10
        options.blockSize = 6
        let warm = try Sweep(base: base, targets: [.entry(parameter: "h", index: [1])],
                             ranges: [SweepRange(lower: -0.4, upper: -0.39, count: 6)], options: options)
        var cold = warm
        cold.options.warmStart = false
        let a = try warm.analyse(block: 0..<6), b = try cold.analyse(block: 0..<6)
        let foundWarm = a.reduce(0) { $0 + $1.cycles.count }, foundCold = b.reduce(0) { $0 + $1.cycles.count }
        #expect(foundWarm >= foundCold)
        #expect(a.reduce(0) { $0 + $1.candidates } < b.reduce(0) { $0 + $1.candidates })
        #expect(a[0] == b[0])
    }

    @Test func encodingRoundTripsBitForBit() throws {
        let base = ToyMap.chaos
        var options = SweepOptions(maxOrder: 4)
        options.lyapunov = true
        options.orbitSamples = 3
        let sweep = try Sweep(base: base, targets: [.entry(parameter: "h", index: [0])],
                              ranges: [SweepRange(lower: -0.7, upper: 0.7, count: 2)], options: options)
        let points = try sweep.analyse(block: 0..<2)
        var words: [UInt64] = []
        for p in points { p.encode(into: &words) }
        #expect(SweepPoint.decodeAll(words) == points)
        // A point's result does not depend on the block around it when it is cold.
        #expect(try sweep.analyse(point: 1) == points[1] || points[1].seeds > 0)
    }
}
