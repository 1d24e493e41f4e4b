import Foundation
import Testing

/// `platlas manifold` and `platlas basins` on the toy map of science.md section 6.
@Suite(.serialized)
struct ManifoldCommandTests {
    /// The toy map as a PLRNN: A = A_l (full), W = [[tau_r - tau_l, 0], [delta_l - delta_r, 0]], h = (h1, h2).
    static func toyMap(tauR: Double, deltaR: Double, tauL: Double, deltaL: Double, c: Double, d: Double, h1: Double, h2: Double) -> String {
        #"{"type": "plrnn", "A": [[\#(tauL), \#(c)], [\#(-deltaL), \#(d)]], "W": [[\#(tauR - tauL), 0], [\#(deltaL - deltaR), 0]], "h": [\#(h1), \#(h2)]}"#
    }

    /// Preset "saddle B": a saddle fixed point (cycle 0) and a stable fixed point (cycle 1).
    static let saddleB = toyMap(tauR: 1.26, deltaR: 0.71, tauL: -0.39, deltaL: -0.91, c: -0.44, d: 0.56, h1: -0.28, h2: 0.62)
    /// Saddle B with delta_r = 2.5: det J changes sign across x = 0, so F folds the plane.
    static let folded = toyMap(tauR: 1.26, deltaR: 2.5, tauL: -0.39, deltaL: -0.91, c: -0.44, d: 0.56, h1: -0.28, h2: 0.62)

    func write(_ text: String, in dir: String, name: String = "model.json") throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func python(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = ["-c", script] + arguments
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        try check.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        return (check.terminationStatus, text)
    }

    @Test func jsonSummaryOfBothManifolds() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let result = try CLI.run(["manifold", model, "--cycle", "0", "--kind", "both", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any], "stdout must be exactly one JSON document")
        let manifolds = try #require(doc["manifolds"] as? [[String: Any]])
        #expect(manifolds.map { $0["name"] as? String } == ["cycle0-unstable", "cycle0-stable"])
        for m in manifolds {
            #expect(m["dimension"] as? Int == 1)
            #expect(m["method"] as? String == "polyline")
            #expect(m["saddle"] as? Int == 0)
            // The saddle of preset B is (0.927835, -0.0880975) (its region's affine piece).
            let p = try #require((m["saddle_points"] as? [[Double]])?.first)
            #expect(abs(p[0] - 0.927835) < 1e-5 && abs(p[1] + 0.0880975) < 1e-5)
            #expect((m["regions"] as? Int ?? 0) >= 2, "the manifold must cross x = 0")
            #expect((m["sheets"] as? Int ?? 0) >= (m["regions"] as? Int ?? 0))
            #expect((m["points"] as? Int ?? 0) > 100)
            #expect(["complete", "bounds"].contains(m["stop_reason"] as? String ?? ""), "\(m["stop_reason"] ?? "")")
            #expect((m["delta_sigma"] as? Double ?? 0) > 0.97, "\(m["delta_sigma"] ?? "")")
            let details = try #require(m["delta_sigma_details"] as? [String: Any])
            #expect(details["random_samples"] as? Int == 1000)
            #expect((m["seconds"] as? Double ?? -1) >= 0)
            #expect((m["non_invertibility"] as? [String: Any])?["affected"] as? Int == 0)
        }
        let stats = try #require(doc["stats"] as? [String: Any])
        #expect((stats["seconds"] as? Double ?? -1) >= 0)
        #expect(stats["ranks"] as? Int == 1)
    }

    @Test func outputFileReadsBack() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let out = dir + "/m.h5"
        let result = try CLI.run(["manifold", model, "--cycle", "0", "--kind", "both", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let script = """
        import h5py, sys, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        assert sorted(f['manifolds'].keys()) == ['cycle0-stable', 'cycle0-unstable'], list(f['manifolds'].keys())
        for name in ('cycle0-stable', 'cycle0-unstable'):
            g = f['manifolds/' + name]
            assert g.attrs['kind'] == name.split('-')[1]
            assert g.attrs['dimension'] == 1 and g.attrs['method'] == 'polyline' and g.attrs['saddle'] == 0
            assert g.attrs['delta_sigma'] > 0.97, g.attrs['delta_sigma']
            assert g['bounds'].shape == (2, 2)
            assert np.allclose(g['saddle_points'][()], [[0.927835, -0.0880975]], atol=1e-5)
            s = g['sheets']
            n = s['origin'].shape[0]
            assert n > 2 and s['basis'].shape == (n, 1, 2) and s['region'].shape == (n, 1)
            off = s['support_offsets'][()]
            assert off.shape == (n + 1,) and off[-1] == s['support_points'].shape[0] == 2 * n
            assert g['points'].shape[1] == 2 and g['points'].shape[0] > 100
            # Every support point lies in the box.
            b = g['bounds'][()]
            sp = s['support_points'][()]
            assert (sp >= b[0] - 1e-9).all() and (sp <= b[1] + 1e-9).all()
        assert 'normal' in f['manifolds/cycle0-stable/sheets']
        print('ok')
        """
        let (status, text) = try python(script, [out])
        #expect(status == 0 && text == "ok\n", "\(text)")
    }

    @Test func basinsGridAgreesOnSaddleB() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let result = try CLI.run(["basins", model, "--saddle", "0", "--grid", "60", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let grid = try #require(doc["grid"] as? [String: Any])
        #expect((grid["agreement"] as? Double ?? 0) > 0.99, "\(grid)")
        #expect((grid["compared"] as? Int ?? 0) > 3000)
        // The stable fixed point (cycle 1) lies on side -, the other side escapes.
        let attractors = try #require(doc["attractors"] as? [[String: Any]])
        #expect(attractors.count == 1 && attractors.first?["cycle"] as? Int == 1 && attractors.first?["side"] as? Int == -1)
        let sides = try #require(doc["sides"] as? [String: Any])
        #expect(sides["minus"] as? Int == 1 && sides["plus"] as? String == "divergence", "\(sides)")
    }

    /// Preset "saddle A" has no attractor (every orbit off the saddle's stable manifold
    /// diverges): the grid is classified, but no agreement is claimed, in the text, the JSON or
    /// the HDF5 attributes.
    @Test func basinsWithoutAnAttractorCompareNothing() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.toyMap(tauR: 1.2, deltaR: 1.8, tauL: -0.3, deltaL: 0.9, c: -1.5, d: 1.0, h1: -0.13, h2: -0.1), in: dir)
        let text = try CLI.run(["basins", model, "--saddle", "0", "--grid", "20"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("grid 20^2: no attractor to compare (400 points: 400 diverge, 0 undecided)"), "\(text.stdout)")
        #expect(!text.stdout.contains("agreement"), "\(text.stdout)")
        #expect(text.stdout.contains("side +: divergence, side -: divergence (both sides go there: no basin boundary)"), "\(text.stdout)")
        let result = try CLI.run(["basins", model, "--saddle", "0", "--grid", "20", "--json", "--output", dir + "/b.h5"])
        #expect(result.status == 0, "\(result.stderr)")
        let grid = try #require((CLI.json(result) as? [String: Any])?["grid"] as? [String: Any])
        #expect(grid["agreement"] is NSNull, "\(grid)")
        #expect(grid["comparison"] as? String == "no attractor" && grid["compared"] as? Int == 0 && grid["points"] as? Int == 400)
        #expect((grid["destinations"] as? [String: Int]) == ["divergence": 400], "\(grid)")
        let (status, out) = try CLI.python("""
        import sys, h5py
        g = h5py.File(sys.argv[1], 'r')['manifolds/cycle0-stable']
        print('grid_agreement' in g.attrs, g.attrs['grid_compared'], g.attrs['grid_points'], g.attrs['grid_comparison'], g.attrs['basin_plus'])
        """, [dir + "/b.h5"])
        #expect(status == 0 && out == "False 0 400 no attractor -1\n", "\(out)")
    }

    /// `basins` on the chaotic toy map (jobs/models/toymap.json, no attractor; its stable
    /// manifold folds into about 300 000 segments): it took 4.7 GB when the side test sampled
    /// every segment; the exact index over the segments keeps it well under 1 GB (most of that
    /// is the manifold itself). Measured as the child's maximum resident set size.
    @Test func basinsOfTheChaoticToyMapStaysWellUnderAGigabyte() throws {
        let (status, out) = try CLI.python("""
        import resource, subprocess, sys
        r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
        print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(r.stdout, end='')
        """, [CLI.binary, "basins", CLI.repository + "/jobs/models/toymap.json", "--saddle", "0", "--grid", "10"])
        #expect(status == 0, "\(out)")
        let first = out.split(separator: "\n").first?.split(separator: " ") ?? []
        #expect(first.first == "0", "\(out)")
        let kilobytes = Int(first.last ?? "") ?? .max
        #expect(kilobytes < 800_000, "maximum resident set size \(kilobytes) kB")
        #expect(out.contains("grid 10^2: no attractor to compare (100 points: 0 diverge, 100 undecided)"), "\(out)")
    }

    /// The fitted Duffing model (jobs/models/duffing.json): the stable manifold of the central
    /// saddle (cycle 1) separates the two spiral sinks (cycles 0 and 2). The model is invertible
    /// (det J > 0 in all of its regions); --allow-non-invertible keeps the test valid for a
    /// refit that folds far out.
    @Test func duffingSaddleSeparatesTheTwoAttractors() throws {
        let model = CLI.repository + "/jobs/models/duffing.json"
        let result = try CLI.run(["basins", model, "--saddle", "1", "--grid", "40", "--allow-non-invertible", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let manifold = try #require(doc["manifold"] as? [String: Any])
        #expect((manifold["delta_sigma"] as? Double ?? 0) > 0.97, "\(manifold["delta_sigma"] ?? "")")
        let attractors = try #require(doc["attractors"] as? [[String: Any]])
        #expect(attractors.count == 2)
        #expect(Set(attractors.compactMap { $0["side"] as? Int }) == [-1, 1], "one attractor on each side")
        #expect(attractors.allSatisfy { $0["consistent"] as? Bool == true })
        let sides = try #require(doc["sides"] as? [String: Any])
        #expect(Set([sides["plus"] as? Int, sides["minus"] as? Int]) == [0, 2], "\(sides)")
        let grid = try #require(doc["grid"] as? [String: Any])
        #expect((grid["agreement"] as? Double ?? 0) > 0.98, "\(grid)")
        // The default box reaches the extent of the trajectories (|y| well beyond 2.6, the old
        // cycle-based box, where the agreement was 0.52).
        let bounds = try #require(manifold["bounds"] as? [[Double]])
        #expect(bounds[0][1] < -6 && bounds[1][1] > 6, "\(bounds)")
    }

    /// A kept checkpoint resumes to the same manifolds; one of another run (seed) or a file
    /// that is no checkpoint is refused with exit 2.
    @Test func checkpointsResumeAndRefuseOtherRuns() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let base = ["manifold", model, "--cycle", "0", "--kind", "both", "--json"]
        let whole = try CLI.run(base + ["--output", dir + "/m.h5", "--checkpoint-every", "2", "--keep-checkpoint"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stderr.contains("checkpoint: wrote"), "\(whole.stderr)")
        let checkpoint = dir + "/m.checkpoint.h5"
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let unwritten = try CLI.run(base + ["--resume", checkpoint])
        #expect(unwritten.status == 0 && FileManager.default.fileExists(atPath: checkpoint), "without --output the checkpoint stays")
        let resumed = try CLI.run(base + ["--resume", checkpoint, "--output", dir + "/r.h5"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("every manifold finished"), "\(resumed.stderr)")
        let a = try #require(CLI.json(whole) as? [String: Any]), b = try #require(CLI.json(resumed) as? [String: Any])
        for (x, y) in zip(a["manifolds"] as! [[String: Any]], b["manifolds"] as! [[String: Any]]) {
            for key in ["regions", "sheets", "support_points", "points", "iterations", "pushed", "stop_reason", "delta_sigma"] {
                #expect(NSDictionary(dictionary: ["v": x[key]!]).isEqual(to: ["v": y[key]!]), "\(key): \(x[key]!) vs \(y[key]!)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "the checkpoint is removed once the output is written")
        // Make it again, then resume with another seed, and from a result file.
        _ = try CLI.run(base + ["--output", dir + "/m.h5", "--checkpoint-every", "2", "--keep-checkpoint"])
        let other = try CLI.run(base + ["--resume", checkpoint, "--seed", "7"])
        #expect(other.status == 2 && other.stderr.contains("was written for a different run: seed"), "\(other.stderr)")
        let notCheckpoint = try CLI.run(base + ["--resume", dir + "/m.h5"])
        #expect(notCheckpoint.status == 2 && notCheckpoint.stderr.contains("is not a manifold checkpoint"), "\(notCheckpoint.stderr)")
    }

    /// The postprocessing example (docs/postprocessing.md) draws a manifold file headless and
    /// reports what the command itself reported.
    @Test func postprocessingExampleDrawsManifolds() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let result = try CLI.run(["manifold", model, "--cycle", "0", "--kind", "both", "--json", "--output", dir + "/m.h5"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(CLI.json(result) as? [String: Any])
        let script = CLI.repository + "/scripts/postprocess-example.py"
        let (drawn, text) = try CLI.python("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                           [script, dir + "/m.h5", dir + "/m.png"])
        #expect(drawn == 0, "\(text)")
        for m in summary["manifolds"] as! [[String: Any]] {
            let line = "\(m["name"]!): \(m["sheets"]!) sheets in \(m["regions"]!) regions, \(m["points"]!) points, Delta_sigma \(String(format: "%.3f", m["delta_sigma"] as! Double))"
            #expect(text.contains(line), "expected '\(line)' in: \(text)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/m.png"))
    }

    @Test func badInputsExitTwoWithAMessage() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.saddleB, in: dir)
        let folded = try write(Self.folded, in: dir, name: "folded.json")
        let cases: [([String], String)] = [
            (["manifold", model, "--cycle", "5"], "--cycle 5 is out of range: the search found 2 cycles"),
            (["manifold", model, "--cycle", "1"], "--cycle 1 is stable, not a saddle"),
            (["basins", model, "--saddle", "1"], "--cycle 1 is stable, not a saddle"),
            (["manifold", model, "--cycle", "0", "--bounds", "2:3"], "--bounds 2:3 excludes the saddle"),
            (["manifold", model, "--cycle", "0", "--bounds", "0:1,0:1,0:1"], "--bounds has 3 ranges"),
            (["manifold", folded, "--cycle", "0", "--kind", "stable", "--single-branch"], "the map is not invertible where the stable manifold goes"),
            (["basins", folded, "--saddle", "0", "--single-branch"], "support points without a consistent preimage"),
            (["manifold", model, "--kind", "sideways", "--cycle", "0"], "The value 'sideways' is invalid for '--kind <kind>'. Please provide one of 'stable', 'unstable' or 'both'."),
            (["manifold", model], "give the saddle with --cycle I"),
            (["manifold", model, "--cycle", "0", "--checkpoint-every", "0"], "--checkpoint-every must be at least 1"),
            (["manifold", model, "--cycle", "0", "--checkpoint-every", "2"], "--checkpoint-every needs --output or --checkpoint"),
            (["manifold", model, "--cycle", "0", "--ownership", "diagonal"], "Please provide one of 'hash' and 'block'"),
            (["manifold", model, "--cycle", "0", "--resume", model], "is not a readable HDF5 file"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): status \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Single branch: the refusal names the counts; --allow-non-invertible keeps the consistent part.
        let refused = try CLI.run(["manifold", folded, "--cycle", "0", "--kind", "stable", "--single-branch"])
        #expect(refused.stderr.range(of: #"\d+ support points without a consistent preimage, \d+ with several, \d+ folds"#, options: .regularExpression) != nil)
        let kept = try CLI.run(["manifold", folded, "--cycle", "0", "--kind", "stable", "--single-branch", "--allow-non-invertible", "--json"])
        #expect(kept.status == 0, "\(kept.stderr)")
        let m = try #require(((CLI.json(kept) as? [String: Any])?["manifolds"] as? [[String: Any]])?.first)
        #expect(((m["non_invertibility"] as? [String: Any])?["affected"] as? Int ?? 0) > 0)
        #expect(m["all_branches"] as? Bool == false)
        // Every branch (the default): no refusal, the branching reported, points with several preimages.
        let all = try CLI.run(["manifold", folded, "--cycle", "0", "--kind", "stable", "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let a = try #require(((CLI.json(all) as? [String: Any])?["manifolds"] as? [[String: Any]])?.first)
        #expect(a["all_branches"] as? Bool == true)
        let counts = try #require((a["non_invertibility"] as? [String: Any])?["preimages"] as? [String: Int])
        #expect((counts["2"] ?? 0) + (counts["3+"] ?? 0) > 0, "\(counts)")
    }
}

/// `platlas intersections` on the "chaos" preset.
@Suite(.serialized)
struct IntersectionsCommandTests {
    static let chaos = ManifoldCommandTests.toyMap(tauR: 1.5, deltaR: 0.75, tauL: -1.77, deltaL: 0.9, c: 0.6, d: 0.15, h1: -0.7, h2: -0.4)

    @Test func homoclinicPointsCertifyChaos() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try ManifoldCommandTests().write(Self.chaos, in: dir)
        let out = dir + "/x.h5"
        let result = try CLI.run(["intersections", model, "--saddle", "0", "--max-iterations", "10", "--json", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        #expect(doc["kind"] as? String == "homoclinic")
        let count = doc["count"] as? Int ?? 0
        #expect(count > 50 && doc["verified"] as? Int == count, "\(count)")
        #expect(doc["chaos_certificate"] as? Bool == true)
        let points = try #require(doc["points"] as? [[String: Any]])
        let allVerified = points.allSatisfy { $0["verified"] as? Bool == true && ($0["point"] as? [Double])?.count == 2 }
        #expect(allVerified)
        let script = """
        import h5py, sys
        f = h5py.File(sys.argv[1], 'r')
        g = f['intersections/cycle0-cycle0']
        assert g.attrs['kind'] == 'homoclinic' and g.attrs['chaos_certificate'] == 1
        n = g['points'].shape[0]
        assert n == int(sys.argv[2]) and g['points'].shape == (n, 2), g['points'].shape
        assert g['verified'][()].sum() == n and (g['forward_steps'][()] >= 0).all()
        assert 'cycle0-unstable' in f['manifolds'] and 'cycle0-stable' in f['manifolds']
        print('ok')
        """
        let (status, text) = try ManifoldCommandTests().python(script, [out, "\(count)"])
        #expect(status == 0 && text == "ok\n", "\(text)")
        // Saddle B has none: no certificate.
        let b = try ManifoldCommandTests().write(ManifoldCommandTests.saddleB, in: dir, name: "b.json")
        let none = try CLI.run(["intersections", b, "--saddle", "0", "--json"])
        #expect(none.status == 0)
        let nd = try #require(CLI.json(none) as? [String: Any])
        #expect(nd["count"] as? Int == 0 && nd["chaos_certificate"] as? Bool == false)
        let bad = try CLI.run(["intersections", model, "--saddle", "0", "--to", "7"])
        #expect(bad.status == 2 && bad.stderr.contains("--to 7 is out of range"), "\(bad.stderr)")
    }
}

extension IntersectionsCommandTests {
    /// The chaos preset times a contracting third coordinate (z3' = 0.5 z3 + 0.5): W^s is
    /// 2-dimensional (sheets), W^u a polyline in z3 = 1, and the homoclinic points must be the
    /// planar ones with z3 = 1.
    @Test func sheetsMeetPolylinesInThreeDimensions() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tests = ManifoldCommandTests()
        let planar = try tests.write(Self.chaos, in: dir, name: "chaos.json")
        let product = try tests.write(#"{"type": "plrnn", "A": [[-1.77, 0.6, 0], [-0.9, 0.15, 0], [0, 0, 0.5]], "W": [[3.27, 0, 0], [0.15, 0, 0], [0, 0, 0]], "h": [-0.7, -0.4, 0.5]}"#, in: dir, name: "chaos3.json")
        let three = try CLI.run(["intersections", product, "--saddle", "0", "--max-iterations", "8", "--json"])
        #expect(three.status == 0, "\(three.stderr)")
        let doc = try #require(CLI.json(three) as? [String: Any])
        let manifolds = try #require(doc["manifolds"] as? [[String: Any]])
        #expect(manifolds.map { $0["method"] as? String } == ["polyline", "sheets"])
        let points = try #require(doc["points"] as? [[String: Any]]).compactMap { $0["point"] as? [Double] }
        #expect(points.count >= 2 && doc["verified"] as? Int == points.count && doc["chaos_certificate"] as? Bool == true, "\(doc["count"] ?? "")")
        let two = try CLI.run(["intersections", planar, "--saddle", "0", "--max-iterations", "12", "--json"])
        let reference = try #require((CLI.json(two) as? [String: Any])?["points"] as? [[String: Any]]).compactMap { $0["point"] as? [Double] }
        for p in points {
            #expect(abs(p[2] - 1) < 1e-9)
            var nearest = Double.infinity
            for q in reference {
                let dx: Double = q[0] - p[0], dy: Double = q[1] - p[1]
                nearest = min(nearest, (dx * dx + dy * dy).squareRoot())
            }
            #expect(nearest < 1e-9, "\(p): \(nearest)")
        }
    }
}

/// `--plot F.svg` of basins, manifold and intersections.
@Suite(.serialized)
struct ManifoldPlotTests {
    @Test func svgFilesAreValidXMLWithTheExpectedElements() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tests = ManifoldCommandTests()
        let b = try tests.write(ManifoldCommandTests.saddleB, in: dir, name: "b.json")
        let chaos = try tests.write(IntersectionsCommandTests.chaos, in: dir, name: "chaos.json")
        let basins = try CLI.run(["basins", b, "--saddle", "0", "--grid", "20", "--json", "--plot", dir + "/b.svg"])
        #expect(basins.status == 0, "\(basins.stderr)")
        let sheets = try #require(((CLI.json(basins) as? [String: Any])?["manifold"] as? [String: Any])?["sheets"] as? Int)
        let manifold = try CLI.run(["manifold", b, "--cycle", "0", "--kind", "both", "--plot", dir + "/m.svg"])
        #expect(manifold.status == 0, "\(manifold.stderr)")
        let x = try CLI.run(["intersections", chaos, "--saddle", "0", "--max-iterations", "8", "--json", "--plot", dir + "/x.svg"])
        #expect(x.status == 0, "\(x.stderr)")
        let count = try #require((CLI.json(x) as? [String: Any])?["count"] as? Int)
        let script = """
        import sys, xml.etree.ElementTree as E
        ns = '{http://www.w3.org/2000/svg}'
        def load(name):
            root = E.parse(sys.argv[1] + '/' + name).getroot()
            assert root.tag == ns + 'svg', root.tag
            return root
        def cls(root, tag, c):
            return [e for e in root.iter(ns + tag) if c in e.get('class', '').split()]
        b = load('b.svg')
        assert len(cls(b, 'rect', 'cell')) == 400
        colours = {e.get('fill') for e in cls(b, 'rect', 'cell')}
        assert len(colours) == 2, colours          # the stable point's basin and divergence
        assert len(list(b.iter(ns + 'line'))) == int(sys.argv[2])
        assert len(cls(b, 'circle', 'saddle')) == 1 and len(cls(b, 'circle', 'stable')) == 1
        m = load('m.svg')
        groups = [g for g in m.iter(ns + 'g') if 'manifold' in g.get('class', '').split()]
        assert sorted(g.get('id') for g in groups) == ['cycle0-stable', 'cycle0-unstable']
        x = load('x.svg')
        assert len(cls(x, 'circle', 'intersection')) == int(sys.argv[3]) == len(cls(x, 'circle', 'verified'))
        print('ok')
        """
        let (status, text) = try tests.python(script, [dir, "\(sheets)", "\(count)"])
        #expect(status == 0 && text == "ok\n", "\(text)")
        let bad = try CLI.run(["manifold", b, "--cycle", "0", "--plot", dir + "/m.png"])
        #expect(bad.status == 2 && bad.stderr.contains("--plot must name an .svg file"), "\(bad.stderr)")
    }
}
