import Foundation
import Testing

/// Every analysis kind both ways: `platlas X ... --output --json` and a job spec holding the
/// same options as an `[[X]]` table, run by `platlas run --output --json`. The HDF5 groups of
/// the analysis are equal dataset for dataset and attribute for attribute (scripts/compare-groups.py;
/// timings aside), and the command's JSON document equals the spec's analysis result (timings
/// and rank counts aside).
@Suite(.serialized)
struct BothWaysTests {
    static let duffing = CLI.repository + "/jobs/models/duffing.json"
    static let vanderpol = CLI.repository + "/jobs/models/vanderpol.json"
    static let decision = CLI.repository + "/jobs/models/decision-line.json"

    /// `doc` without the keys that hold timings (and figures measured in seconds) or the rank
    /// count, recursively.
    static func strip(_ value: Any) -> Any {
        if let d = value as? [String: Any] {
            return d.filter { !$0.key.contains("seconds") && !$0.key.contains("per_second") && !["ranks", "round_imbalance", "total_imbalance"].contains($0.key) }
                .mapValues(strip)
        }
        if let a = value as? [Any] { return a.map(strip) }
        return value
    }

    /// The first key path where `a` and `b` differ, nil when they are equal.
    static func difference(_ a: Any, _ b: Any, _ path: String = "") -> String? {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            for key in Set(x.keys).union(y.keys).sorted() {
                guard let u = x[key], let v = y[key] else { return "\(path).\(key) only in one document" }
                if let d = difference(u, v, path + "." + key) { return d }
            }
            return nil
        }
        if let x = a as? [Any], let y = b as? [Any] {
            guard x.count == y.count else { return "\(path): \(x.count) != \(y.count) elements" }
            for (i, (u, v)) in zip(x, y).enumerated() { if let d = difference(u, v, "\(path)[\(i)]") { return d } }
            return nil
        }
        if let x = a as? NSNumber, let y = b as? NSNumber { return x == y ? nil : "\(path): \(x) != \(y)" }
        if let x = a as? String, let y = b as? String { return x == y ? nil : "\(path): '\(x)' != '\(y)'" }
        return a is NSNull && b is NSNull ? nil : "\(path): \(a) != \(b)"
    }

    /// Runs the command (with --output and --json) and a spec holding `table` with `model`;
    /// compares the spec's analysis result with the command's document and `groups` of both
    /// files.
    func bothWays(model: String, command: [String], table: String, groups: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let direct = try CLI.run(command + ["--output", dir + "/command.h5", "--json"])
        #expect(direct.status == 0, "\(direct.stderr)", sourceLocation: sourceLocation)
        try "name = \"both\"\nmodel = \"\(model)\"\n\n\(table)\n".write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", dir + "/spec.toml", "--output", dir + "/spec.h5", "--json"])
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        let commandDoc = try #require(CLI.json(direct), sourceLocation: sourceLocation)
        let runDoc = try #require(CLI.json(run) as? [String: Any], sourceLocation: sourceLocation)
        let result = try #require((runDoc["analyses"] as? [[String: Any]])?.first?["result"], sourceLocation: sourceLocation)
        let problem = Self.difference(Self.strip(commandDoc), Self.strip(result))
        #expect(problem == nil, "the command's JSON and the spec's analysis result differ: \(problem ?? "")", sourceLocation: sourceLocation)
        let (status, text) = try CLI.tool("/usr/bin/python3", [CLI.repository + "/scripts/compare-groups.py", dir + "/command.h5", dir + "/spec.h5"] + groups)
        #expect(status == 0, "\(text)", sourceLocation: sourceLocation)
    }

    /// A model file for the toy maps of ManifoldCommandTests.
    func toy(_ text: String) throws -> String {
        let dir = CLI.temporaryDirectory()
        return try ManifoldCommandTests().write(text, in: dir)
    }

    @Test func info() throws {
        try bothWays(model: Self.vanderpol, command: ["info", Self.vanderpol], table: "[[info]]", groups: ["/info"])
    }

    @Test func cycles() throws {
        try bothWays(model: Self.vanderpol, command: ["cycles", Self.vanderpol, "--max-order", "6", "--seed", "3"],
                     table: "[[cycles]]\nmax_order = 6\nseed = 3", groups: ["/cycles"])
    }

    @Test func manifold() throws {
        let model = try toy(ManifoldCommandTests.saddleB)
        try bothWays(model: model, command: ["manifold", model, "--cycle", "0", "--kind", "both", "--bounds", "-3:3", "--seed", "2"],
                     table: "[[manifold]]\ncycle = 0\nkind = \"both\"\nbounds = \"-3:3\"\nseed = 2", groups: ["/manifolds"])
    }

    @Test func basins() throws {
        let model = try toy(ManifoldCommandTests.saddleB)
        try bothWays(model: model, command: ["basins", model, "--saddle", "0", "--grid", "20"],
                     table: "[[basins]]\nsaddle = 0\ngrid = 20", groups: ["/manifolds"])
    }

    @Test func intersections() throws {
        let model = try toy(IntersectionsCommandTests.chaos)
        try bothWays(model: model, command: ["intersections", model, "--saddle", "0", "--max-iterations", "8"],
                     table: "[[intersections]]\nsaddle = 0\nmax_iterations = 8", groups: ["/manifolds", "/intersections"])
    }

    @Test func sweep() throws {
        try bothWays(model: Self.vanderpol,
                     command: ["sweep", Self.vanderpol, "--param", "h2[0]", "--range", "-0.1:0.1:5", "--max-order", "4", "--seed", "1"],
                     table: "[[sweep]]\nparam = \"h2[0]\"\nrange = \"-0.1:0.1:5\"\nmax_order = 4\nseed = 1", groups: ["/sweep"])
    }

    @Test func ftle() throws {
        try bothWays(model: Self.duffing,
                     command: ["ftle", Self.duffing, "--bounds", "-4.5:4.5,-4:4", "--grid", "21", "--steps", "30", "--center", "-0.5,1"],
                     table: "[[ftle]]\nbounds = \"-4.5:4.5,-4:4\"\ngrid = 21\nsteps = 30\ncenter = [-0.5, 1]", groups: ["/ftle"])
    }

    @Test func reduce() throws {
        try bothWays(model: Self.decision,
                     command: ["reduce", Self.decision, "--saddle", "2", "--dim", "1", "--param", "h+u", "--direction", "1,-1,0",
                               "--range", "-0.2:0.2:5"],
                     table: "[[reduce]]\nsaddle = 2\ndim = 1\nparam = \"h+u\"\ndirection = [1, -1, 0]\nrange = \"-0.2:0.2:5\"",
                     groups: ["/reduced", "/manifolds/cycle2-slow"])
    }

    /// Every kind a spec can name is covered above (the spec parser lists them when it refuses
    /// an unknown one).
    @Test func everyKindIsCovered() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name = \"x\"\nmodel = \"\(Self.vanderpol)\"\n\n[[no_such_kind]]\n".write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        let refused = try CLI.run(["run", dir + "/spec.toml"])
        #expect(refused.status == 2)
        let line = try #require(refused.errorLines.first.map(String.init))
        let listed = try #require(line.range(of: "(available: ").map { line[$0.upperBound...].prefix { $0 != ")" } })
        let kinds = Set(listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(kinds == ["info", "cycles", "manifold", "basins", "intersections", "sweep", "ftle", "reduce"], "\(kinds)")
    }

    /// Options that take numbers or ranges take a leading minus sign as users type it, as a
    /// separate word: the parser must not read the value for an option.
    @Test func negativeValuesAsTyped() throws {
        let model = try toy(ManifoldCommandTests.saddleB)
        let bounds = try CLI.run(["manifold", model, "--cycle", "0", "--kind", "unstable", "--bounds", "-30:30", "--json"])
        #expect(bounds.status == 0, "\(bounds.stderr)")
        let box = try #require(((CLI.json(bounds) as? [String: Any])?["manifolds"] as? [[String: Any]])?.first?["bounds"] as? [[Double]])
        #expect(box == [[-30, -30], [30, 30]], "\(box)")
        // A point of the saddle's region, negative coordinates first.
        let point = try CLI.run(["manifold", model, "--point", "-1,2", "--bounds", "-30:30", "--kind", "unstable"])
        #expect(!point.stderr.contains("Missing value") && !point.stderr.contains("Unknown option"), "\(point.stderr)")
        #expect(point.status == 0 || point.errorLines.first?.contains("--point") == true, "\(point.stderr)")
        let sweep = try CLI.run(["sweep", Self.vanderpol, "--param", "h2[0]", "--range", "-1:1:5", "--max-order", "1", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let values = ((CLI.json(sweep) as? [String: Any])?["grid"] as? [[String: Any]])?.compactMap { ($0["values"] as? [Double])?.first }
        #expect(values == [-1, -0.5, 0, 0.5, 1], "\(String(describing: values))")
    }
}
