import Testing
@testable import PLAtlasCore

/// The heuristic against the ground truth: every cycle that exhaustive search finds up to
/// order 4 is found (recall), and nothing else (precision), on random multistable models.
struct ExhaustiveAgreementTests {
    /// A random model of `kind` and dimension m (stream `seed`).
    static func randomModel(_ kind: ModelKind, m: Int, seed: UInt64) -> Model {
        var g = SeededGenerator(seed: seed, stream: 77)
        let a = Parameter(name: "A", shape: [m], values: (0..<m).map { _ in 0.2 + 0.7 * g.uniform() })
        let h = Parameter(name: "h", shape: [m], values: (0..<m).map { _ in 0.5 * g.normal() })
        switch kind {
        case .shplrnn, .clippedShplrnn:
            let hidden = kind == .clippedShplrnn ? 3 : m + 1
            let w1 = Parameter(name: "W1", shape: [m, hidden], values: (0..<(m * hidden)).map { _ in 1.2 * g.normal() })
            let w2 = Parameter(name: "W2", shape: [hidden, m], values: (0..<(hidden * m)).map { _ in g.normal() })
            let h2 = Parameter(name: "h2", shape: [hidden], values: (0..<hidden).map { _ in 0.5 * g.normal() })
            return try! Model(kind: kind, parameters: ["A": a, "W1": w1, "W2": w2,
                                                       "h1": Parameter(name: "h1", shape: [m], values: h.values), "h2": h2])
        default:
            let w = Parameter(name: "W", shape: [m, m], values: (0..<(m * m)).map { _ in 1.5 * g.normal() })
            return try! Model(kind: kind, parameters: ["A": a, "W": w, "h": h], activeUnits: kind == .alrnn ? max(1, m - 1) : nil)
        }
    }

    static func exhaustive(_ model: Model, maxOrder: Int = 4) -> CycleSearchResult {
        var exact = CycleSearchOptions(maxOrder: maxOrder)
        exact.exhaustive = true
        return try! CycleSearch(model: model, options: exact).run()
    }

    /// Random models of dimensions 2 to 4 tuned to be multistable: drawn with strong recurrent
    /// weights, and kept (deterministically, first come) only if enumeration finds at least
    /// three objects, one of them a cycle of order 2 or more.
    static func multistableModels() -> [(String, Model)] {
        var models: [(String, Model)] = []
        for kind in [ModelKind.plrnn, .alrnn, .shplrnn, .clippedShplrnn] {
            var kept = 0
            for seed in UInt64(1)...400 where kept < 3 {
                let m = 2 + Int(seed % 3)
                if kind == .clippedShplrnn && m > 2 { continue }
                let model = randomModel(kind, m: m, seed: seed)
                let truth = exhaustive(model)
                if truth.cycles.count >= 3, truth.cycles.contains(where: { $0.order >= 2 }) {
                    models.append(("\(kind.rawValue) M=\(m) seed \(seed)", model))
                    kept += 1
                }
            }
        }
        return models
    }

    /// The search as `platlas cycles` runs it by default finds exactly what enumeration finds.
    @Test(arguments: multistableModels())
    func defaultSearchFindsExactlyWhatEnumerationFinds(_ name: String, _ model: Model) throws {
        let truth = Self.exhaustive(model)
        var options = CycleSearchOptions(maxOrder: 4)
        options.seed = 11
        let found = try CycleSearch(model: model, options: options).run()
        Self.expectRecallAndPrecision(found, truth, name, recallOf: { _ in true })
    }

    /// The heuristic alone (no enumeration of small orders): never reports anything that is not
    /// a cycle, finds every attracting cycle, and most of the others (strongly repelling cycles
    /// are out of reach of the jumps between region sequences, as for the published heuristic).
    @Test(arguments: multistableModels())
    func heuristicAloneIsPreciseAndFindsTheAttractors(_ name: String, _ model: Model) throws {
        let truth = Self.exhaustive(model)
        var options = CycleSearchOptions(maxOrder: 4)
        options.autoExhaustiveLimit = 0
        options.seed = 11
        let found = try CycleSearch(model: model, options: options).run()
        #expect(!found.statistics.contains { $0.exhaustive })
        Self.expectRecallAndPrecision(found, truth, name, recallOf: { $0.stability == .stable })
        #expect(Double(found.cycles.count) >= 0.7 * Double(truth.cycles.count), "\(name): \(found.cycles.count) of \(truth.cycles.count)")
    }

    static func expectRecallAndPrecision(_ found: CycleSearchResult, _ truth: CycleSearchResult, _ name: String,
                                         recallOf required: (Cycle) -> Bool) {
        for cycle in truth.cycles where required(cycle) {
            #expect(found.cycles.contains { $0.isSameCycle(as: cycle) },
                    "\(name): missed a \(cycle.order)-cycle (\(cycle.stability.rawValue)) at \(cycle.points[0])")
        }
        for cycle in found.cycles {
            #expect(truth.cycles.contains { $0.isSameCycle(as: cycle) }, "\(name): spurious \(cycle.order)-cycle at \(cycle.points[0])")
        }
    }

    /// Every cycle enumeration reports maps onto itself under F, point by point.
    @Test(arguments: multistableModels())
    func enumeratedCyclesAreCycles(_ name: String, _ model: Model) {
        let form = model.shallowForm()
        for cycle in Self.exhaustive(model).cycles {
            for j in 0..<cycle.order {
                #expect(Cycle.close(form(cycle.points[j]), cycle.points[(j + 1) % cycle.order], 1e-9), "\(name)")
                #expect(form.region(of: cycle.points[j]) == cycle.regions[j], "\(name)")
            }
        }
    }

    @Test func everyKindHasMultistableCases() {
        // The property test is only meaningful if each kind contributes models with several objects.
        let names = Self.multistableModels().map(\.0)
        for kind in ["plrnn", "alrnn", "shplrnn", "clipped-shplrnn"] {
            #expect(names.filter { $0.hasPrefix(kind + " ") }.count == 3, "\(kind): \(names)")
        }
    }
}
