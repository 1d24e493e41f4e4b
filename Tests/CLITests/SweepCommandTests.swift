import Foundation
import HDF5
import Testing

@Suite(.serialized)
struct SweepCommandTests {
    static let family = #"{"type": "plrnn", "A": [0.8, 0.96461297], "W": [[0, -0.64375], [0.52505308, 0]], "h": [0.37298253, -0.97931491]}"#
    static let chaos = #"{"type": "plrnn", "A": [[-1.77, 0.6], [-0.9, 0.15]], "W": [[3.27, 0], [0.15, 0]], "h": [-0.7, -0.4]}"#

    func write(_ text: String, in dir: String, name: String = "model.json") throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func orders(_ cycles: [[String: Any]]) -> [Int] { cycles.map { $0["order"] as! Int }.sorted() }

    /// The 2D PLRNN family over part of a1 in [0.8, 0.99] (docs/sweeps.md has the whole range):
    /// orders at sampled points match `platlas cycles` there (a1 = 0.84 has a pair of 16-cycles,
    /// 0.85 a pair of 17-cycles), and the changes between them are reported as bifurcations.
    @Test func twoDimensionalFamilyAgreesWithIndependentSearches() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.family, in: dir)
        let result = try CLI.run(["sweep", model, "--param", "A[0]", "--range", "0.83:0.86:4", "--max-order", "17", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any], "stdout must be exactly one JSON document")
        let grid = try #require(doc["grid"] as? [[String: Any]])
        #expect(grid.count == 4)
        #expect(orders(grid[0]["cycles"] as! [[String: Any]]) == [1])
        for (i, expected) in [(1, [1, 16, 16]), (2, [1, 17, 17])] {
            let a1 = (grid[i]["values"] as! [Double])[0]
            #expect(abs(a1 - (0.83 + 0.01 * Double(i))) < 1e-12)
            let text = Self.family.replacingOccurrences(of: "[0.8,", with: "[\(a1),")
            let single = try write(text, in: dir, name: "point\(i).json")
            let independent = try CLI.run(["cycles", single, "--max-order", "17", "--json", "--seed", "7"])
            let cycles = try #require((CLI.json(independent) as? [String: Any])?["cycles"] as? [[String: Any]])
            #expect(orders(grid[i]["cycles"] as! [[String: Any]]) == orders(cycles), "a1 = \(a1)")
            #expect(orders(cycles) == expected, "a1 = \(a1)")
            for c in grid[i]["cycles"] as! [[String: Any]] {
                for key in ["order", "stability", "unstable_dimension", "points"] { #expect(c[key] != nil, "missing \(key)") }
            }
        }
        let events = try #require(doc["bifurcations"] as? [[String: Any]])
        for e in events {
            let between = e["between"] as! [Int]
            #expect(between.count == 2 && between[1] == between[0] + 1)
            let value = e["value"] as! Double
            #expect(value > 0.83 + 0.01 * Double(between[0]) && value < 0.83 + 0.01 * Double(between[1]))
            #expect(["fold", "flip", "neimark-sacker", "border-collision", "creation", "destruction"].contains(e["type"] as! String))
        }
        // The 16-cycles are born between a1 = 0.83 and 0.84 and die between 0.84 and 0.85.
        func count(_ type: String, _ order: Int, _ i: Int) -> Int {
            events.filter { $0["type"] as! String == type && $0["order"] as! Int == order && ($0["between"] as! [Int]) == [i, i + 1] }.count
        }
        #expect(count("creation", 16, 0) == 2 && count("destruction", 16, 1) == 2 && count("creation", 17, 1) == 2)
    }

    /// The chaos preset over h1: orbit diagram and Lyapunov curve, positive where chaotic.
    @Test func chaosPresetOrbitDiagram() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.chaos, in: dir)
        let out = dir + "/chaos.h5", svg = dir + "/chaos.svg"
        let result = try CLI.run(["sweep", model, "--param", "h[0]", "--range", "-0.9:0.9:7", "--max-order", "4", "--lyapunov",
                                  "--orbit-diagram", "--orbit-samples", "30", "--initial-conditions", "4", "--output", out, "--plot", svg, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let grid = try #require(doc["grid"] as? [[String: Any]])
        let lyapunov = grid.map { $0["lyapunov"] as? Double ?? .nan }
        #expect(lyapunov[0] > 0.3 && lyapunov[1] > 0.3, "\(lyapunov)")
        #expect(lyapunov[6] < 0, "\(lyapunov)")
        let file = try File.open(out)
        #expect(try file.root.attributeInt("complete") == 1)
        let orbit = try file.root.readDoubles("sweep/orbit")
        #expect(orbit.shape == [7, 120, 2])
        // Chaotic points: the asymptotic states are spread out; the stable fixed point: one state.
        let first = Set(orbit.values[0..<240].enumerated().filter { $0.offset % 2 == 0 }.map { ($0.element * 1e6).rounded() })
        let last = Set(orbit.values[(6 * 240)..<(7 * 240)].enumerated().filter { $0.offset % 2 == 0 }.map { ($0.element * 1e6).rounded() })
        #expect(first.count > 50 && last.count == 1, "\(first.count) \(last.count)")
        try file.close()
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg") && picture.contains("polyline"))
    }

    /// Training snapshots swept as a stack: a table of objects per snapshot.
    @Test func trainingSnapshotsAsAStack() throws {
        let stack = CLI.sharedModel("shplrnn_training_snapshots.json")
        let result = try CLI.run(["sweep", "--stack", stack, "--max-order", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any])
        let grid = try #require(doc["grid"] as? [[String: Any]])
        #expect(grid.count == 15)
        #expect(grid.allSatisfy { ($0["cycles"] as! [[String: Any]]).contains { $0["order"] as! Int == 1 } })
        let text = try CLI.run(["sweep", "--stack", stack, "--max-order", "2"])
        #expect(text.status == 0 && text.stdout.contains("15 points (stack)"))
    }

    /// A killed run resumed gives the same result as an uninterrupted one. The kill comes at a
    /// chosen point, right after the sweep has written 6 of its 48 points
    /// (PLATLAS_HALT_AFTER_POINTS; with a flush interval this short every round is one block of 2
    /// points), whatever the machine's speed. The run writes OUT.partial and renames it when
    /// complete: the kill leaves a complete file of the same name from an earlier run as it
    /// was.
    @Test func killAndResume() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.family, in: dir)
        let arguments = ["sweep", model, "--param", "A[0]", "--range", "0.8:0.99:24", "--param2", "h[1]", "--range2", "-1:-0.95:2",
                         "--max-order", "7", "--block-size", "2", "--flush-interval", "1e-6", "--json"]
        let path = dir + "/killed.h5", partial = path + ".partial"
        let whole = try CLI.run(arguments + ["--output", path])
        #expect(whole.status == 0, "\(whole.stderr)")
        let earlier = try Data(contentsOf: URL(fileURLWithPath: path))

        let killed = try CLI.runHalted(arguments + ["--output", path], afterPoints: 6)
        #expect(killed.signalled && killed.status == SIGKILL, "\(killed.status): \(killed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == earlier, "the killed run changed the complete file")
        let file = try File.open(partial)
        let done = try file.root.readUInt8s("sweep/done").values.reduce(0) { $0 + Int($1) }
        #expect(try file.root.attributeInt("complete") == 0 && done == 6, "done \(done)")
        try file.close()

        // The complete file is kept by --resume; without it the checkpoint is continued.
        let kept = try CLI.run(arguments + ["--resume", path])
        #expect(kept.status == 0 && kept.stderr.contains("\(path) is already complete (--resume): nothing to do"), "\(kept.stderr)")
        #expect((CLI.json(kept) as? [String: Any])?["resumed"] as? Bool == true)
        try FileManager.default.removeItem(atPath: path)
        let resumed = try CLI.run(arguments + ["--resume", path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming \(partial): 6 of 48 points already done"), "\(resumed.stderr)")
        let a = try #require(CLI.json(whole) as? [String: Any]), b = try #require(CLI.json(resumed) as? [String: Any])
        #expect(NSDictionary(dictionary: ["g": a["grid"]!, "b": a["bifurcations"]!]).isEqual(to: ["g": b["grid"]!, "b": b["bifurcations"]!]))
        #expect((b["stats"] as! [String: Any])["resumed"] as! Int == 6)
        #expect(!FileManager.default.fileExists(atPath: partial))
        let again = try File.open(path)
        #expect(try again.root.attributeInt("complete") == 1)
        try again.close()
    }

    /// `--resume` is safe to give every time: with no checkpoint it starts from the beginning,
    /// and a checkpoint or an output that a kill cut short (a few bytes) is started again
    /// instead of blocking every later run.
    @Test func resumeStartsAgainFromMissingOrTruncatedFiles() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.family, in: dir)
        let arguments = ["sweep", model, "--param", "A[0]", "--range", "0.8:0.99:6", "--max-order", "3", "--block-size", "2"]
        let path = dir + "/s.h5", partial = path + ".partial"
        let fresh = try CLI.run(arguments + ["--resume", path])
        #expect(fresh.status == 0 && fresh.stderr.contains("no checkpoint \(partial) (--resume): starting from the beginning"), "\(fresh.stderr)")
        let complete = try Data(contentsOf: URL(fileURLWithPath: path))
        // 96 bytes of an HDF5 file: what a kill while the file was being created leaves.
        for truncated in [path, partial] {
            try? FileManager.default.removeItem(atPath: path)
            try complete.prefix(96).write(to: URL(fileURLWithPath: truncated))
            let result = try CLI.run(arguments + ["--resume", path])
            #expect(result.status == 0, "\(truncated): \(result.stderr)")
            if truncated == partial {
                #expect(result.stderr.contains("not continuing \(partial) (not a readable HDF5 file): starting again"), "\(result.stderr)")
            }
            let file = try File.open(path)
            #expect(try file.root.attributeInt("complete") == 1)
            try file.close()
            #expect(!FileManager.default.fileExists(atPath: partial))
        }
        // Without --resume a left-over checkpoint is not continued.
        try complete.prefix(96).write(to: URL(fileURLWithPath: partial))
        let plain = try CLI.run(arguments + ["--output", path])
        #expect(plain.status == 0 && plain.stderr.contains("not continuing \(partial) (--resume not given): starting again"), "\(plain.stderr)")
        // A complete file of another sweep is not replaced by --resume.
        let complete3 = try Data(contentsOf: URL(fileURLWithPath: path))
        let other = try CLI.run(["sweep", model, "--param", "A[0]", "--range", "0.8:0.99:6", "--max-order", "2", "--block-size", "2", "--resume", path])
        #expect(other.status == 2 && other.stderr.contains("'\(path)' is a complete file of another sweep (max_order is 3, this run has 2)"),
                "\(other.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == complete3)
    }

    @Test(arguments: [
        (["--param", "B[0]", "--range", "0:1:3"], "unknown parameter"),
        (["--param", "W[2,0]", "--range", "0:1:3"], "index out of range"),
        (["--param", "A[0]", "--range", "1:1:3"], "empty"),
        (["--param", "A[0]", "--range", "0:1:0"], "at least 1"),
        (["--param", "foo", "--range", "0:1:3"], "unknown parameter spec"),
        (["--param", "A[0]"], "missing --range"),
    ])
    func badInputExitsWithTwo(extra: [String], message: String) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.family, in: dir)
        let result = try CLI.run(["sweep", model, "--max-order", "3"] + extra)
        #expect(result.status == 2, "\(extra): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(extra): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func stackOfDifferentDimensionsIsBadInput() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = #"{"type": "plrnn", "A": [0.5], "W": [[0.1]], "h": [0.2]}"#
        let stack = try write("{\"stack\": [\(Self.family), \(one)]}", in: dir, name: "stack.json")
        let result = try CLI.run(["sweep", "--stack", stack, "--max-order", "2"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("stack[1]") || result.stderr.contains("one dimension"), "\(result.stderr)")
    }
}
