import Foundation
import Testing

/// `platlas ftle` and `platlas reduce` through the built binary: options are taken as users
/// type them, and bad input is refused with one line, exit 2 and no file.
@Suite(.serialized)
struct FTLEReduceCommandTests {
    static let duffing = CLI.repository + "/jobs/models/duffing.json"
    static let decision = CLI.repository + "/jobs/models/decision-line.json"

    // The command and its job-spec table give the same datasets and JSON: BothWaysTests.

    @Test func ftleWritesTheFieldAndReportsItAsDocumented() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Leading minus signs as typed; a plane through a given centre of a 3-unit model.
        let result = try CLI.run(["ftle", Self.decision, "--axes", "1,0", "--center", "-0.5,1,0.8", "--bounds", "-1:4,-2:3", "--grid", "11",
                                  "--steps", "60", "--json", "--output", dir + "/f.h5", "--plot", dir + "/f.svg"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let ftle = try #require(doc["ftle"] as? [String: Any])
        #expect(Set(ftle.keys).isSuperset(of: ["axes", "x", "y", "values", "steps", "direction"]))
        #expect(ftle["axes"] as? [Int] == [1, 0] && ftle["steps"] as? Int == 60 && ftle["direction"] as? String == "forward")
        #expect((ftle["x"] as? [Double])?.first == -1 && (ftle["y"] as? [Double])?.last == 3)
        let values = try #require(ftle["values"] as? [[Any]])
        #expect(values.count == 11 && values.allSatisfy { $0.count == 11 })
        let check = """
        import h5py, json, sys, numpy as np
        f = h5py.File(sys.argv[1], 'r'); g = f['ftle']; doc = json.load(open(sys.argv[2]))['ftle']
        assert g['values'].shape == (11, 11) and g['status'].shape == (11, 11)
        assert int(g['steps'][()]) == 60 and g['direction'][0].decode() == 'forward'
        assert list(g['axes'][()]) == [1, 0] and list(g['center'][()]) == [-0.5, 1, 0.8]
        v = np.array([[np.nan if x is None else x for x in row] for row in doc['values']])
        assert np.array_equal(v, g['values'][()], equal_nan=True)
        # values[a][b] is at x[a] on axis 1 and y[b] on axis 0: the x = y diagonal is the ridge.
        print('ok')
        """
        try result.stdout.write(toFile: dir + "/f.json", atomically: true, encoding: .utf8)
        let (status, text) = try CLI.python(check, [dir + "/f.h5", dir + "/f.json"])
        #expect(status == 0 && text == "ok\n", "\(text)")
        let svg = try String(contentsOfFile: dir + "/f.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 121)
        #expect(svg.contains("class=\"cycle stable\"") && svg.contains("class=\"cycle saddle\""))
        #expect(svg.contains("id=\"stable-manifold\""), "the saddle's stable manifold (the plane x = y) meets the plane")
    }

    @Test func reduceReportsTheDecisionNetworksSlowLineAndItsFolds() throws {
        let result = try CLI.run(["reduce", Self.decision, "--saddle", "2", "--param", "h+u", "--direction", "1,-1,0", "--range", "-0.2:0.2:21", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let reduced = try #require(doc["reduced"] as? [String: Any])
        #expect(Set(reduced.keys).isSuperset(of: ["dimension", "fixed_point", "eigenvalues", "spectral_gap", "chart", "fixed_points", "classification"]))
        let gap = try #require(reduced["spectral_gap"] as? Double)
        #expect(abs(gap - abs(log(0.13.squareRoot())) / log(1.05)) < 1e-9, "|log 0.3606| / log 1.05, got \(gap)")
        let fixed = try #require(reduced["fixed_points"] as? [[String: Any]])
        #expect(fixed.map { $0["stability"] as? String } == ["stable", "unstable", "stable"])
        let chart = try #require(reduced["chart"] as? [String: Any])
        #expect((chart["s"] as? [Double])?.count == (chart["f"] as? [Double])?.count)
        let manifold = try #require(doc["manifold"] as? [String: Any])
        #expect(manifold["kind"] as? String == "slow" && manifold["continuation"] as? String == "unstable")
        #expect((manifold["coverage"] as? Double).map { $0 > 0.99 } == true)
        let folds = try #require(doc["folds"] as? [[String: Any]])
        let at = folds.compactMap { $0["parameter"] as? Double }
        #expect(at.count == 2 && abs(at[0] + 7.0 / 106) < 1e-6 && abs(at[1] - 7.0 / 106) < 1e-6, "folds at +-7/106, got \(at)")
    }

    @Test func badInputGetsOneLineExitTwoAndNoFile() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out.h5"
        let ftle = ["ftle", Self.duffing, "--grid", "5"]
        let reduce = ["reduce", Self.decision]
        let cases: [([String], String)] = [
            (ftle + ["--bounds", "-3:3,-2:2", "--axes", "0,2"], "axis 2 is out of range"),
            (ftle + ["--bounds", "-3:3,-2:2", "--axes", "1,1"], "must differ"),
            (ftle + ["--bounds", "-3:3,-2:2", "--axes", "x,1"], "--axes"),
            (ftle + ["--bounds", "3:-3,-2:2"], "--bounds"),
            (ftle + ["--bounds", "-3:3"], "two ranges"),
            (ftle + ["--bounds", "-3:nan,-2:2"], "--bounds"),
            (ftle + ["--bounds", "-3:3,-2:2", "--center", "nan,1"], "--center"),
            (ftle + ["--bounds", "-3:3,-2:2", "--center", "1,2,3"], "--center has 3 coordinates"),
            (ftle + ["--bounds", "-3:3,-2:2", "--steps", "0"], "--steps"),
            (reduce + ["--fixed-point", "0", "--dim", "4"], "larger than"),
            (reduce + ["--saddle", "2", "--dim", "2"], "larger than the unstable eigenspace"),
            (reduce + ["--fixed-point", "2"], "not stable"),
            (reduce + ["--fixed-point", "9"], "out of range"),
            (reduce + ["--fixed-point", "0", "--bounds", "nan:1"], "--bounds"),
            (reduce + ["--fixed-point", "0", "--drift-tolerance", "nan"], "--drift-tolerance"),
            (reduce + ["--fixed-point", "0", "--param", "h[0]", "--range", "0:nan:3"], "--range"),
            (reduce + ["--dim", "1"], "--fixed-point"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments + ["--output", out])
            #expect(result.status == 2, "\(arguments): exit \(result.status): \(result.stderr)")
            #expect(result.errorLines.count == 1 && result.errorLines[0].contains(message), "\(arguments): \(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(arguments) left a file")
        }
        // The same mistakes in a spec: the line of the key, exit 2, no file.
        let specs: [(String, String)] = [
            ("[[ftle]]\nbounds = \"-3:3,-2:2\"\ngrid = 5\naxes = [0, 3]", "spec.toml:7:"),
            ("[[reduce]]\nfixed_point = 2", "not stable"),
            ("[[reduce]]\nfixed_point = 0\ndim = 5", "spec.toml:6:"),
        ]
        for (table, message) in specs {
            try "name = \"bad\"\nmodel = \"\(Self.decision)\"\n\n\(table)\n".write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
            let result = try CLI.run(["run", dir + "/spec.toml", "--output", out])
            #expect(result.status == 2, "\(table): exit \(result.status): \(result.stderr)")
            #expect(result.errorLines.count == 1 && result.errorLines[0].contains(message), "\(table): \(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["spec.toml"], "\(table) left a file")
            try FileManager.default.removeItem(atPath: dir + "/spec.toml")
        }
    }
}
