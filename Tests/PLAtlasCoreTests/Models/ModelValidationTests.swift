import Testing
@testable import PLAtlasCore

struct ModelValidationTests {
    func p(_ name: String, _ shape: [Int], _ fill: Double = 0.1) -> Parameter {
        Parameter(name: name, shape: shape, values: [Double](repeating: fill, count: shape.reduce(1, *)))
    }

    func error(_ kind: ModelKind, _ parameters: [Parameter], activeUnits: Int? = nil) -> ModelError? {
        do {
            _ = try Model(kind: kind, parameters: Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) }),
                          activeUnits: activeUnits, source: "m.json")
            return nil
        } catch {
            return error
        }
    }

    @Test func wrongShapeSaysExpectedAndFound() {
        let e = error(.plrnn, [p("A", [3]), p("W", [3, 2]), p("h", [3])])
        #expect(e?.description == "m.json: field 'W': wrong shape: expected 3x3, found 3x2")
    }

    @Test func missingAndExtraFields() {
        #expect(error(.plrnn, [p("A", [3]), p("h", [3])])?.description == "m.json: field 'W': missing")
        #expect(error(.plrnn, [p("A", [3]), p("W", [3, 3]), p("h", [3]), p("W2", [3, 3])])?.field == "W2")
        #expect(error(.alrnn, [p("A", [3]), p("W", [3, 3]), p("h", [3])])?.description == "m.json: field 'P': missing")
    }

    @Test func nonFiniteValuesNameTheEntry() {
        var w = p("W", [2, 2])
        w.values[3] = .nan
        #expect(error(.plrnn, [p("A", [2]), w, p("h", [2])])?.description == "m.json: field 'W': NaN at [1, 1]")
        var h = p("h", [2])
        h.values[0] = -.infinity
        #expect(error(.plrnn, [p("A", [2]), p("W", [2, 2]), h])?.description == "m.json: field 'h': infinite value at [0]")
    }

    @Test func activeUnitsOutOfRange() {
        #expect(error(.alrnn, [p("A", [3]), p("W", [3, 3]), p("h", [3])], activeUnits: 4)?.description
                == "m.json: field 'P': out of range: 4 (must be between 0 and M = 3)")
        #expect(error(.alrnn, [p("A", [3]), p("W", [3, 3]), p("h", [3])], activeUnits: -1) != nil)
    }

    @Test func shallowShapesFollowH2() {
        let e = error(.shplrnn, [p("A", [2]), p("W1", [2, 4]), p("W2", [5, 2]), p("h1", [2]), p("h2", [5])])
        #expect(e?.description == "m.json: field 'W1': wrong shape: expected 2x5, found 2x4")
        #expect(error(.shplrnn, [p("A", [2, 2]), p("W1", [2, 5]), p("W2", [5, 2]), p("h1", [2]), p("h2", [5])]) == nil)
        #expect(error(.shplrnn, [p("A", [3]), p("W1", [2, 5]), p("W2", [5, 2]), p("h1", [2]), p("h2", [5])])?.description
                == "m.json: field 'A': wrong shape: expected 2 or 2x2, found 3")
    }
}
