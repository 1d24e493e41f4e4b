import LinearAlgebra
import Testing
@testable import PLAtlasCore

struct ShallowFormTests {
    static let models: [(String, Model)] = [
        ("plrnn", TestModels.plrnn(m: 4, seed: 1)),
        ("plrnn full A", TestModels.plrnn(m: 3, seed: 2, fullA: true)),
        ("shplrnn", TestModels.shplrnn(m: 3, h: 7, seed: 3)),
        ("clipped", TestModels.shplrnn(m: 3, h: 5, seed: 4, clipped: true)),
        ("alrnn", TestModels.alrnn(m: 6, p: 2, seed: 5)),
        ("alrnn P=0", TestModels.alrnn(m: 3, p: 0, seed: 6)),
        ("alrnn P=M", TestModels.alrnn(m: 3, p: 3, seed: 7)),
    ]

    @Test(arguments: models)
    func genericFormReproducesTheModelsOwnUpdate(_ name: String, _ model: Model) {
        let form = model.shallowForm()
        var g = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            let z = TestModels.vector(model.dimension, &g, scale: 3)
            let expected = TestModels.directStep(model, z)
            let actual = form(z)
            for i in 0..<model.dimension { #expect(abs(actual[i] - expected[i]) <= 1e-12 * (1 + abs(expected[i])), "\(name)") }
        }
    }

    @Test(arguments: models)
    func affinePieceAgreesWithTheMapInsideItsRegion(_ name: String, _ model: Model) {
        let form = model.shallowForm()
        var g = SeededGenerator(seed: 7)
        for _ in 0..<100 {
            let z = TestModels.vector(model.dimension, &g, scale: 3)
            let d = form.region(of: z)
            let jz = form.jacobian(d) * z
            let c = form.offset(d)
            let fz = form(z)
            for i in 0..<model.dimension { #expect(abs(jz[i] + c[i] - fz[i]) <= 1e-12 * (1 + abs(fz[i])), "\(name)") }
        }
    }

    @Test func clippedModelsHaveTwoHyperplanesPerUnit() {
        let model = TestModels.shplrnn(m: 2, h: 3, seed: 8, clipped: true)
        #expect(model.shallowForm().hiddenCount == 6)
        #expect(model.hiddenUnits == 3)
    }

    @Test func regionCountBounds() {
        #expect(TestModels.plrnn(m: 10, seed: 1).regionCountUpperBound == 1024)
        #expect(TestModels.alrnn(m: 20, p: 2, seed: 1).regionCountUpperBound == 4)
        // H = 8 hyperplanes in R^3: 1 + 8 + 28 + 56 = 93 cells at most.
        #expect(TestModels.shplrnn(m: 3, h: 8, seed: 1).regionCountUpperBound == 93)
        // Clipped, H = 2 pairs in R^3: 1 + 2*2 + 1*4 = 9.
        #expect(TestModels.shplrnn(m: 3, h: 2, seed: 1, clipped: true).regionCountUpperBound == 9)
    }

    @Test func determinantSignsOfAMapThatFolds() {
        // 1D PLRNN z' = 0.5 z - 1.0 relu(z): slope 0.5 for z < 0 and -0.5 for z > 0.
        let model = try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [0.5]),
            "W": Parameter(name: "W", shape: [1, 1], values: [-1.0]),
            "h": Parameter(name: "h", shape: [1], values: [0])])
        let report = model.shallowForm().determinantSigns()
        #expect(report.exhaustive && report.regionsExamined == 2)
        #expect(report.positive == 1 && report.negative == 1 && !report.hasOneSign)
    }

    @Test func determinantSignsOfAnInvertibleShallowMap() {
        // A = 1.5, W1 small: J = 1.5 + (small) > 0 in every cell.
        var g = SeededGenerator(seed: 3)
        let m = 2, h = 6
        let model = try! Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [m], values: [1.5, 1.5]),
            "W1": TestModels.parameter("W1", [m, h], &g, scale: 0.05),
            "W2": TestModels.parameter("W2", [h, m], &g), "h1": TestModels.parameter("h1", [m], &g),
            "h2": TestModels.parameter("h2", [h], &g)])
        let report = model.shallowForm().determinantSigns(expectedCellCount: model.regionCountUpperBound)
        #expect(report.hasOneSign && report.positive == report.regionsExamined)
        // 6 lines in general position in the plane make exactly 1 + 6 + 15 = 22 cells.
        #expect(model.regionCountUpperBound == 22)
        #expect(report.regionsExamined == 22 && report.exhaustive)
    }

    /// The vertex survey against an independent path: each cell's point lies in that cell by
    /// `region(of:)`, the codes are distinct, every cell that dense random sampling in a wide
    /// box meets is among them, and in general position their number is the exact count
    /// 1 + H + C(H, 2) + ... + C(H, M). Clipped models add the degenerate vertex at the origin.
    @Test(arguments: [(2, 7, false), (2, 12, false), (3, 6, false), (3, 9, false), (4, 6, false), (2, 4, true), (3, 3, true)])
    func vertexSurveyFindsEveryCell(m: Int, h: Int, clipped: Bool) {
        for seed in UInt64(1)...4 {
            let model = TestModels.shplrnn(m: m, h: h, seed: seed * 17 + UInt64(h), clipped: clipped)
            let form = model.shallowForm()
            let survey = form.surveyCells(expectedCount: model.regionCountUpperBound, lines: 400, seed: seed)
            #expect(survey.verticesExhausted, "the vertex method ran (m \(m), h \(h))")
            #expect(Set(survey.cells).count == survey.cells.count, "distinct codes")
            for (code, point) in zip(survey.cells, survey.interiorPoints) {
                #expect(form.region(of: point) == code, "the point of a cell lies in it (m \(m), h \(h), seed \(seed))")
            }
            if !clipped {
                #expect(Double(survey.cells.count) == model.regionCountUpperBound, "general position: every cell (m \(m), h \(h), seed \(seed))")
            }
            let known = Set(survey.cells)
            var g = SeededGenerator(seed: 99 + seed)
            var missed = 0
            for _ in 0..<20_000 {
                let radius = [1.0, 5.0, 50.0][Int(g.next() % 3)]
                let z = (0..<m).map { _ in (2 * g.uniform() - 1) * radius }
                if !known.contains(form.region(of: z)) { missed += 1 }
            }
            #expect(missed == 0, "\(missed) sampled points in cells the survey did not find (m \(m), h \(h), seed \(seed))")
        }
    }
}
