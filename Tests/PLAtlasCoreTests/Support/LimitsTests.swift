import Testing
@testable import PLAtlasCore

struct LimitsTests {
    @Test func integersAsUsersTypeThem() {
        #expect(Limits.integer("1000") == 1000)
        #expect(Limits.integer("+1000") == 1000)
        #expect(Limits.integer("1_000_000") == 1_000_000)
        #expect(Limits.integer("1e6") == 1_000_000)
        #expect(Limits.integer("2.5e3") == 2500)
        #expect(Limits.integer("1E12") == 1_000_000_000_000)
        #expect(Limits.integer("-3") == -3)
        #expect(Limits.integer("9223372036854775807") == Int.max)
        for bad in ["2.5", "1e-3", "nan", "inf", "-inf", "", "x", "1e19", "99999999999999999999", "_1", "1__0", "0x10", "1,000"] {
            #expect(Limits.integer(bad) == nil, "\(bad)")
        }
    }

    @Test func environmentSetsAndChecksTheLimits() throws {
        let limits = try Limits(environment: ["PLATLAS_MAX_POINTS": "2e6", "PLATLAS_MAX_DIMENSION": "64", "OTHER": "x"])
        #expect(limits[.points] == 2_000_000 && limits[.dimension] == 64)
        #expect(limits[.values] == 1 << 27 && limits[.hidden] == 65_536 && limits[.count] == 1_000_000_000)
        for bad in ["0", "-1", "abc", "1.5"] {
            #expect(throws: LimitError(description: "PLATLAS_MAX_VALUES must be a positive integer, got '\(bad)'")) {
                try Limits(environment: ["PLATLAS_MAX_VALUES": bad])
            }
        }
    }

    @Test func checksNameTheSizeTheLimitAndTheVariable() throws {
        var limits = Limits()
        limits[.points] = 10
        try limits.check(10, .points, "points")
        #expect(throws: LimitError(description: "--range n is 11, more than the limit of 10 (set PLATLAS_MAX_POINTS to raise it)")) {
            try limits.check(11, .points, "--range n")
        }
        // Products are computed without overflow.
        #expect(throws: LimitError.self) { try limits.check(Limits.product([Int.max, Int.max]), .points, "x") }
        #expect(Limits.product([100_000, 100_000]) == 1e10)
    }

    @Test func modelShapesAreCheckedAgainstTheLimitsBeforeAnyValue() throws {
        var limits = Limits()
        limits[.dimension] = 3
        limits[.hidden] = 4
        limits[.values] = 12
        func check(_ kind: ModelKind, _ shapes: [String: [Int]], p: Int? = nil) -> String? {
            do {
                _ = try Model.checkShapes(kind: kind, shapes: shapes, activeUnits: p, source: "m", limits: limits)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(check(.plrnn, ["A": [3], "W": [3, 3], "h": [3]]) == nil)
        #expect(check(.plrnn, ["A": [4], "W": [4, 4], "h": [4]])
                == "m: field 'h': the state dimension M is 4, more than the limit of 3 (set PLATLAS_MAX_DIMENSION to raise it)")
        // A claimed shape beyond any limit is compared with M before anything else.
        #expect(check(.plrnn, ["A": [2], "W": [100_000, 100_000], "h": [2]]) == "m: field 'W': wrong shape: expected 2x2, found 100000x100000")
        #expect(check(.shplrnn, ["A": [2], "W1": [2, 5], "W2": [5, 2], "h1": [2], "h2": [5]])
                == "m: field 'h2': the number of hidden units H is 5, more than the limit of 4 (set PLATLAS_MAX_HIDDEN to raise it)")
        limits[.values] = 7
        #expect(check(.shplrnn, ["A": [2], "W1": [2, 4], "W2": [4, 2], "h1": [2], "h2": [4]])
                == "m: field 'W1': its number of values is 8, more than the limit of 7 (set PLATLAS_MAX_VALUES to raise it)")
        #expect(check(.alrnn, ["A": [2], "W": [2, 2], "h": [2]], p: -1) == "m: field 'P': out of range: -1 (must be between 0 and M = 2)")
    }

    @Test func sweepsAndCycleSearchesRefuseWhatWouldNotFit() throws {
        let model = try Model(kind: .plrnn, parameters: ["A": Parameter(name: "A", shape: [2], values: [0.5, 0.5]),
                                                          "W": Parameter(name: "W", shape: [2, 2], values: [0, 1, 1, 0]),
                                                          "h": Parameter(name: "h", shape: [2], values: [0.1, 0.2])])
        #expect(throws: SweepInputError.self) { try SweepRange.parse("0:1:1000000000000") }
        #expect(try SweepRange.parse("0:1:1e3").count == 1000)
        let target = try SweepTarget.parse("h[0]", model: model)
        var options = SweepOptions(maxOrder: 2)
        #expect(throws: SweepInputError("the number of sweep points is 1000000000000, more than the limit of 1000000 (set PLATLAS_MAX_POINTS to raise it)")) {
            try Sweep(base: model, targets: [target, target], ranges: [SweepRange(lower: 0, upper: 1, count: 1_000_000), SweepRange(lower: 0, upper: 1, count: 1_000_000)], options: options)
        }
        options.orbitSamples = 1_000_000
        #expect(throws: SweepInputError.self) {
            try Sweep(base: model, targets: [target], ranges: [SweepRange(lower: 0, upper: 1, count: 1000)], options: options)
        }
        // (K + 1) M^2 numbers of prefix products: fine for M = 2 at the largest order.
        try CycleSearch.checkSize(maxOrder: 10_000, dimension: 2)
        #expect(throws: CycleSearchError.self) { try CycleSearch.checkSize(maxOrder: 10_000, dimension: 1000) }
    }
}
