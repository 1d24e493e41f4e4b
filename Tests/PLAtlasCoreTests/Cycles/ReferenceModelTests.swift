import Testing
@testable import PLAtlasCore

/// The piecewise-linear toy map of science.md section 6 as a PLRNN.
enum ToyMap {
    static func model(tauR: Double, deltaR: Double, tauL: Double, deltaL: Double, c: Double, d: Double,
                      h1: Double, h2: Double) -> Model {
        try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2, 2], values: [tauL, c, -deltaL, d]),
            "W": Parameter(name: "W", shape: [2, 2], values: [tauR - tauL, 0, deltaL - deltaR, 0]),
            "h": Parameter(name: "h", shape: [2], values: [h1, h2])])
    }

    static let saddleA = model(tauR: 1.2, deltaR: 1.8, tauL: -0.3, deltaL: 0.9, c: -1.5, d: 1.0, h1: -0.13, h2: -0.1)
    static let saddleB = model(tauR: 1.26, deltaR: 0.71, tauL: -0.39, deltaL: -0.91, c: -0.44, d: 0.56, h1: -0.28, h2: 0.62)
    static let cycleI = model(tauR: -1.85, deltaR: 0.9, tauL: -0.3, deltaL: 0.9, c: 1, d: 0, h1: -1, h2: 0)
    static let cycleII = model(tauR: -1.85, deltaR: 0.9, tauL: 0.9, deltaL: 0.9, c: 1, d: 0, h1: -1, h2: 0)
    static let chaos = model(tauR: 1.5, deltaR: 0.75, tauL: -1.77, deltaL: 0.9, c: 0.6, d: 0.15, h1: -0.7, h2: -0.4)
}

struct ReferenceModelTests {
    func counts(_ cycles: [Cycle]) -> [String] {
        cycles.map { "\($0.order):\($0.stability.rawValue)\($0.stability == .saddle ? String($0.unstableDimension) : "")" }.sorted()
    }

    @Test func toyMapPresetsUpToOrderSix() throws {
        // science.md section 6, last column: what exhaustive search finds in this form.
        let expected: [(Model, [String])] = [
            (ToyMap.saddleA, ["1:saddle1"]),
            (ToyMap.saddleB, ["1:saddle1", "1:stable"]),
            (ToyMap.cycleI, ["1:stable", "3:saddle1"]),
            (ToyMap.cycleII, ["1:stable", "4:saddle1", "5:saddle1", "5:saddle1"]),
        ]
        for (model, objects) in expected {
            var exact = CycleSearchOptions(maxOrder: 6)
            exact.exhaustive = true
            let truth = try CycleSearch(model: model, options: exact).run()
            #expect(counts(truth.cycles) == objects)
            let heuristic = try CycleSearch(model: model, options: CycleSearchOptions(maxOrder: 6)).run()
            #expect(counts(heuristic.cycles) == objects)
        }
        var exact = CycleSearchOptions(maxOrder: 6)
        exact.exhaustive = true
        let chaos = try CycleSearch(model: ToyMap.chaos, options: exact).run()
        var perOrder = [Int](repeating: 0, count: 7)
        for c in chaos.cycles {
            perOrder[c.order] += 1
            #expect(c.stability == .saddle)
        }
        #expect(Array(perOrder[1...]) == [1, 1, 2, 3, 4, 5])
    }

    @Test func exhaustiveRefusesHugeSearches() throws {
        // 2^12 regions, orders up to 4: about 7e13 sequences.
        var g = SeededGenerator(seed: 5)
        let m = 12
        let model = try Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [m], values: (0..<m).map { _ in 0.5 }),
            "W": Parameter(name: "W", shape: [m, m], values: (0..<(m * m)).map { _ in 0.1 * g.normal() }),
            "h": Parameter(name: "h", shape: [m], values: (0..<m).map { _ in g.normal() })])
        var options = CycleSearchOptions(maxOrder: 4)
        options.exhaustive = true
        do {
            _ = try CycleSearch(model: model, options: options).run()
            Issue.record("expected a refusal")
        } catch let error as CycleSearchError {
            #expect(error.description.hasPrefix("exhaustive search would evaluate"))
            #expect(error.description.contains("raise the exhaustive limit") && !error.description.contains("--"), "the core names no option")
        }
        options.maxOrder = 1
        #expect(try CycleSearch(model: model, options: options).run().statistics[0].candidatesEvaluated == 4096)
    }

    @Test func invalidOrders() {
        #expect(throws: CycleSearchError.self) { try CycleSearch(model: ToyMap.saddleA, options: CycleSearchOptions(maxOrder: 0)) }
        #expect(throws: CycleSearchError.self) { try CycleSearch(model: ToyMap.saddleA, options: CycleSearchOptions(maxOrder: 100_000)) }
    }

    @Test func singularSystemsAreSkippedAndCounted() throws {
        // A = I and W = 0 in the positive orthant's neighbourhood: I - J is singular in the
        // region where both units are off (J = A = I), so that candidate is skipped.
        let model = try Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2], values: [1, 1]),
            "W": Parameter(name: "W", shape: [2, 2], values: [-0.5, 0, 0, -0.5]),
            "h": Parameter(name: "h", shape: [2], values: [0.2, 0.3])])
        var options = CycleSearchOptions(maxOrder: 1)
        options.exhaustive = true
        let result = try CycleSearch(model: model, options: options).run()
        #expect(result.statistics[0].singularSystems >= 1)
        // The fixed point in the positive orthant: z = 0.5 z + h  =>  z = 2h.
        #expect(result.cycles.count == 1)
        #expect(Cycle.close(result.cycles[0].points[0], [0.4, 0.6], 1e-12))
    }
}
