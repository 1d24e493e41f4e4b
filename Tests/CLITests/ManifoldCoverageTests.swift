import Foundation
import Testing

/// Complete manifolds on trained networks, checked with a code path that shares nothing with
/// the construction: scripts/check-manifold.py (NumPy; its own generic form, the affine inverse of
/// every region, its own eigenspaces and local piece). It pushes a sample of the local piece
/// backward through every preimage (forward for unstable manifolds) and counts the points that
/// lie on a stored sheet (coverage), and draws points inside stored sheets and follows them to
/// the saddle (invariance).
@Suite(.serialized)
struct ManifoldCoverageTests {
    /// Runs `platlas manifold ARGS --output F.h5` and the checker on F; the checker's JSON and
    /// the command's summary of the (single) manifold.
    static func check(_ model: String, _ arguments: [String], name: String, points: Int = 300, invariance: Int = 100,
                      extra: [String] = []) throws -> (checker: [String: Any], summary: [String: Any]) {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/m.h5"
        let run = try CLI.run(["manifold", model] + arguments + ["--output", out, "--json"])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        let summary = try #require(((CLI.json(run) as? [String: Any])?["manifolds"] as? [[String: Any]])?.first)
        let (status, text) = try CLI.python("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                            [CLI.repository + "/scripts/check-manifold.py", model, out, name, "--points", String(points),
                                             "--invariance", String(invariance)] + extra)
        #expect(status == 0, "checker: \(text)")
        let checker = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "checker: \(text)")
        return (checker, summary)
    }

    static func expectComplete(_ result: (checker: [String: Any], summary: [String: Any]), _ label: String, coverage: Double = 0.99) {
        let c = result.checker
        #expect((c["coverage"] as? Double ?? 0) >= coverage, "\(label): coverage \(c)")
        #expect((c["sampled"] as? Int ?? 0) >= 100, "\(label): too small a sample \(c)")
        #expect((c["invariance"] as? Double ?? 0) >= 0.99, "\(label): points inside sheets off the manifold \(c)")
        let s = result.summary
        #expect((s["coverage"] as? Double ?? 0) >= coverage, "\(label): the command's own coverage \(s["coverage"] ?? "-")")
        #expect(s["all_branches"] as? Bool == true)
        #expect(s["truncated"] as? Bool == false, "\(label): \(s["stop_reason"] ?? "")")
    }

    /// The trained PLRNN of ../shared/models (not invertible: det J of both signs): both saddles
    /// with one unstable direction, 9-dimensional stable manifolds through every preimage branch.
    @Test func lorenzPLRNNStableManifoldsAreComplete() throws {
        let model = CLI.sharedModel("plrnn_lorenz_m10.json")
        for cycle in ["0", "3"] {
            let result = try Self.check(model, ["--cycle", cycle, "--kind", "stable"], name: "cycle\(cycle)-stable")
            Self.expectComplete(result, "plrnn_lorenz_m10 cycle \(cycle)")
            let counts = try #require((result.summary["non_invertibility"] as? [String: Any])?["preimages"] as? [String: Int])
            #expect((counts["2"] ?? 0) + (counts["3+"] ?? 0) > 0, "the branching is reported: \(counts)")
        }
    }

    /// The bundled Duffing model (a shallow network with 160 hidden units, the Euler step of the
    /// fitted field; cycle 1 of `platlas cycles` is its saddle): the saddle's stable manifold, a
    /// polyline through every preimage branch.
    @Test func duffingStableManifoldIsComplete() throws {
        let result = try Self.check(CLI.repository + "/jobs/models/duffing.json", ["--cycle", "1", "--kind", "stable"],
                                    name: "cycle1-stable", points: 300, invariance: 0)
        let c = result.checker
        #expect((c["coverage"] as? Double ?? 0) >= 0.99, "\(c)")
        #expect((result.summary["coverage"] as? Double ?? 0) >= 0.99)
    }

    /// A 25-dimensional ALRNN with 6 ReLU units (scripts/make-saddle-alrnn.py): the
    /// 24-dimensional stable manifold in the default box.
    @Test func alrnnStableManifoldIsComplete() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/alrnn.json"
        let (status, text) = try CLI.python("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                            [CLI.repository + "/scripts/make-saddle-alrnn.py", "25", "6"])
        #expect(status == 0, "\(text)")
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        let result = try Self.check(model, ["--cycle", "1", "--kind", "stable"], name: "cycle1-stable", points: 200, invariance: 50)
        Self.expectComplete(result, "ALRNN M=25 P=6")
    }

    /// A saddle-focus whose unstable eigenvalues 1.001 e^(+-i pi/2) grow so slowly that a disc
    /// around it would need thousands of steps to fill its region. In the plane z3 = 1 the local
    /// piece is known exactly: the backward orbit rotates by a quarter turn and shrinks by 1.001,
    /// so a point (1 + u, 1 + v) stays in the orthant z1, z2 > 0 exactly when -1 < u < 1.001 and
    /// -1 < v < 1.001^2. Points drawn in that rectangle must all lie on the stored manifold, and
    /// the construction goes on into the neighbouring regions.
    @Test func weaklyUnstableFocusFillsItsRegion() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = 1.001
        // A = 0.5 I; W = J - A with J = [[0, -s, 0], [s, 0, 0], [0, 0, 0.5]] on the positive
        // orthant; h puts the fixed point at (1, 1, 1).
        let model = dir + "/focus.json"
        let w = [[-0.5, -s, 0], [s, -0.5, 0], [0, 0, 0]]
        let h = [1 + s, 1 - s, 0.5]
        try #"{"type": "plrnn", "A": [0.5, 0.5, 0.5], "W": \#(w), "h": \#(h)}"#.write(toFile: model, atomically: true, encoding: .utf8)
        var generator = SystemRandomNumberGenerator()
        var points: [[Double]] = []
        for _ in 0..<400 {
            points.append([1 + Double.random(in: -1..<s, using: &generator), 1 + Double.random(in: -1..<(s * s), using: &generator), 1])
        }
        let pointsFile = dir + "/points.json"
        try JSONSerialization.data(withJSONObject: points).write(to: URL(fileURLWithPath: pointsFile))
        let result = try Self.check(model, ["--point", "1,1,1", "--kind", "unstable"], name: "point-unstable", points: 100,
                                    invariance: 50, extra: ["--points-file", pointsFile, "--generations", "3"])
        #expect((result.checker["on_manifold"] as? Double ?? 0) >= 0.95, "the exact local piece: \(result.checker)")
        #expect((result.summary["regions"] as? Int ?? 0) >= 2, "the construction must go on into the neighbouring regions")
        #expect(result.summary["dimension"] as? Int == 2)
        #expect((result.checker["invariance"] as? Double ?? 0) >= 0.99, "\(result.checker)")
        // The support points of the local piece reach the corners of the rectangle.
        let far = try #require(result.summary["support_points"] as? Int)
        #expect(far > 1000)
    }

    /// The same focus in the trained PLRNN (../shared/models, fixed point 2: |lambda| = 1.0012):
    /// the stored manifold holds its true piece around the focus, and goes beyond its region.
    @Test func lorenzPLRNNFocusUnstableManifold() throws {
        let model = CLI.sharedModel("plrnn_lorenz_m10.json")
        let result = try Self.check(model, ["--cycle", "2", "--kind", "unstable", "--max-iterations", "40"], name: "cycle2-unstable",
                                    points: 200, invariance: 50, extra: ["--generations", "12"])
        #expect((result.checker["coverage"] as? Double ?? 0) >= 0.95, "\(result.checker)")
        #expect((result.checker["invariance"] as? Double ?? 0) >= 0.99, "\(result.checker)")
        #expect((result.summary["regions"] as? Int ?? 0) >= 2)
        #expect(result.summary["stop_reason"] as? String != "complete", "a manifold cut at --max-iterations is not complete")
        #expect(result.summary["truncated"] as? Bool == true)
    }
}
