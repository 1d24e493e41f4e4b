import Foundation
import Testing

@Suite(.serialized)
struct InfoAndModelFileTests {
    @Test func versionAndHelp() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for sub in ["info", "cycles", "convert"] { #expect(help.stdout.contains(sub)) }
        let cyclesHelp = try CLI.run(["cycles", "--help"])
        #expect(cyclesHelp.status == 0 && cyclesHelp.stdout.contains("--max-order") && cyclesHelp.stdout.contains("Examples"))
    }

    @Test func infoReportsTheDimensionsOfTheTrainedModels() throws {
        let alrnn = try CLI.run(["info", CLI.sharedModel("alrnn_lorenz_m20_p2.json"), "--json"])
        #expect(alrnn.status == 0)
        let a = try #require(CLI.json(alrnn) as? [String: Any])
        #expect(a["type"] as? String == "alrnn")
        #expect(a["dimension"] as? Int == 20)
        #expect(a["active_units"] as? Int == 2)
        #expect(a["regions_upper_bound"] as? Double == 4)
        let plrnn = try CLI.run(["info", CLI.sharedModel("plrnn_lorenz_m10.json")])
        #expect(plrnn.status == 0)
        #expect(plrnn.stdout.contains("plrnn: M = 10, H = 10"))
        #expect(plrnn.stdout.contains("1024"))
        let p = try #require(CLI.json(try CLI.run(["info", CLI.sharedModel("plrnn_lorenz_m10.json"), "--json"])) as? [String: Any])
        let inv = try #require(p["invertibility"] as? [String: Any])
        #expect(inv["regions_examined"] as? Int == 1024)
        #expect(inv["exhaustive"] as? Bool == true)
        #expect((inv["det_positive"] as! Int) + (inv["det_negative"] as! Int) == 1024)
    }

    @Test func jsonToHDF5AndBackIsBitIdentical() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["alrnn_lorenz_m20_p2", "plrnn_lorenz_m10", "shplrnn_training_snapshots"] {
            let h5 = dir + "/\(name).h5", back = dir + "/\(name).json"
            #expect(try CLI.run(["convert", CLI.sharedModel(name + ".json"), h5]).status == 0)
            #expect(try CLI.run(["convert", h5, back]).status == 0)
            let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: CLI.sharedModel(name + ".json")))) as? [String: Any])
            let again = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: back))) as? [String: Any])
            #expect(Self.bits(original) == Self.bits(again), "\(name)")
            // The HDF5 copy also reads directly.
            #expect(try CLI.run(["info", h5]).status == 0)
        }
    }

    /// Every number as its bit pattern (integers and floats alike), keys sorted.
    static func bits(_ value: Any) -> String {
        switch value {
        case let d as [String: Any]: return "{" + d.keys.sorted().map { "\($0):\(bits(d[$0]!))" }.joined(separator: ",") + "}"
        case let a as [Any]: return "[" + a.map(bits).joined(separator: ",") + "]"
        case let n as NSNumber where !(value is String): return String(n.doubleValue.bitPattern)
        default: return "\(value)"
        }
    }

    static let goodPLRNN = #"{"type": "plrnn", "A": [0.5, 0.5], "W": [[0, 1], [1, 0]], "h": [0.1, 0.2]}"#

    /// (file contents, expected message fragment) for every bad-input class.
    static let badModels: [(String, String, String)] = [
        ("unknown type", #"{"type": "lstm", "A": [1]}"#, "field 'type': unknown model type 'lstm'"),
        ("missing field", #"{"type": "plrnn", "A": [0.5, 0.5], "h": [0.1, 0.2]}"#, "field 'W': missing"),
        ("extra field", #"{"type": "plrnn", "A": [0.5, 0.5], "W": [[0, 1], [1, 0]], "h": [0.1, 0.2], "b": [1]}"#, "field 'b': unexpected field"),
        ("wrong shape", #"{"type": "plrnn", "A": [0.5, 0.5], "W": [[0, 1, 2], [1, 0, 2]], "h": [0.1, 0.2]}"#, "field 'W': wrong shape: expected 2x2, found 2x3"),
        ("ragged rows", #"{"type": "plrnn", "A": [0.5, 0.5], "W": [[0, 1], [1]], "h": [0.1, 0.2]}"#, "field 'W': ragged rows"),
        ("NaN", #"{"type": "plrnn", "A": [0.5, NaN], "W": [[0, 1], [1, 0]], "h": [0.1, 0.2]}"#, "field 'A': NaN"),
        ("Inf", #"{"type": "plrnn", "A": [0.5, 0.5], "W": [[0, 1], [1, 0]], "h": [Infinity, 0.2]}"#, "field 'h': infinite value"),
        ("P out of range", #"{"type": "alrnn", "A": [0.5, 0.5], "W": [[0, 1], [1, 0]], "h": [0.1, 0.2], "P": 3}"#, "field 'P': out of range: 3"),
        ("empty file", "", "empty file"),
        ("not JSON or HDF5", "A,W,h\n1,2,3\n", "not a model file: neither JSON nor HDF5"),
        ("broken JSON", #"{"type": "plrnn", "A": [0.5"#, "not a valid JSON document"),
    ]

    @Test(arguments: badModels)
    func badModelFilesGetOneLineAndExitCodeTwo(_ what: String, _ contents: String, _ fragment: String) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.json"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        for command in [["info", path], ["cycles", path, "--max-order", "2"]] {
            let result = try CLI.run(command)
            #expect(result.status == 2, "\(what): exit \(result.status)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(what): \(result.stderr)")
            #expect(result.stderr.hasPrefix("platlas: error: \(path): "), "\(what): \(result.stderr)")
            #expect(result.stderr.contains(fragment), "\(what): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func truncatedAndMissingFiles() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h5 = dir + "/m.h5"
        #expect(try CLI.run(["convert", CLI.sharedModel("alrnn_lorenz_m20_p2.json"), h5]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: h5))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: h5))
        let truncated = try CLI.run(["info", h5])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains("cannot read the HDF5 file") && truncated.stderr.contains("truncated"))
        let missing = try CLI.run(["info", dir + "/nothing.json"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
        let noGroup = try CLI.run(["info", CLI.sharedModel("alrnn_lorenz_m20_p2.json").replacingOccurrences(of: ".json", with: ".json"), "--group", "/x"])
        #expect(noGroup.status == 0, "a JSON model ignores --group")
    }

    @Test func stackFilesNeedAnIndexForSingleModelCommands() throws {
        let stack = CLI.sharedModel("shplrnn_training_snapshots.json")
        let refused = try CLI.run(["cycles", stack, "--max-order", "1"])
        #expect(refused.status == 2 && refused.stderr.contains("stack of 15 models"))
        let picked = try CLI.run(["cycles", stack, "--max-order", "1", "--model-index", "14", "--json"])
        #expect(picked.status == 0)
        #expect(CLI.json(picked) != nil)
    }
}
