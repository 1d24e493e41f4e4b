import Foundation
import Testing
@testable import PLAtlasCore
@testable import PLAtlasIO

/// Paths of the trained models shipped beside the repository (../shared/models).
enum SharedModels {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }()
    static func path(_ name: String) -> String { directory + "/" + name }
}

struct JSONModelFileTests {
    func parse(_ text: String) throws(ModelError) -> [Model] {
        try ModelFile.models(json: Data(text.utf8), source: "m.json")
    }

    func message(_ text: String) -> String? {
        do { _ = try parse(text); return nil } catch { return error.description }
    }

    @Test func sharedTrainedModelsLoadWithTheirDimensions() throws {
        let alrnn = try ModelFile.loadSingle(SharedModels.path("alrnn_lorenz_m20_p2.json"))
        #expect(alrnn.kind == .alrnn && alrnn.dimension == 20 && alrnn.activeUnits == 2)
        let plrnn = try ModelFile.loadSingle(SharedModels.path("plrnn_lorenz_m10.json"))
        #expect(plrnn.kind == .plrnn && plrnn.dimension == 10)
        let stack = try ModelFile.load(SharedModels.path("shplrnn_training_snapshots.json"))
        #expect(stack.count == 15)
        #expect(stack.allSatisfy { $0.kind == .shplrnn && $0.dimension == 3 && $0.hiddenUnits == 8 })
    }

    @Test func matricesAndVectorsForA() throws {
        let diag = try parse(#"{"type": "plrnn", "A": [0.5, 0.25], "W": [[0, 1], [2, 0]], "h": [1, 2]}"#)[0]
        #expect(diag.parameter("A")!.shape == [2])
        #expect(diag.parameter("W")!.values == [0, 1, 2, 0])
        let full = try parse(#"{"type": "plrnn", "A": [[0.5, 1], [0, 0.25]], "W": [[0, 1], [2, 0]], "h": [1, 2]}"#)[0]
        #expect(full.parameter("A")!.shape == [2, 2])
    }

    @Test func badInputMessages() {
        #expect(message("") == "m.json: empty file")
        #expect(message("   \n") == "m.json: empty file")
        #expect(message(#"{"type": "lstm", "A": [1]}"#)
                == "m.json: field 'type': unknown model type 'lstm' (known: plrnn, shplrnn, clipped-shplrnn, alrnn)")
        #expect(message(#"{"A": [1]}"#)?.hasPrefix("m.json: field 'type': missing") == true)
        #expect(message(#"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2]], "h": [1, 2]}"#)
                == "m.json: field 'W': ragged rows: row 1 has 1 entries, row 0 has 2")
        #expect(message(#"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, NaN]}"#)
                == "m.json: field 'h': NaN (NaN at line 1)")
        #expect(message("{\"type\": \"plrnn\",\n \"A\": [1, -Infinity],\n \"W\": [[0, 1], [2, 0]], \"h\": [1, 2]}")
                == "m.json: field 'A': infinite value (-Infinity at line 2)")
        #expect(message(#"{"type": "alrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2], "P": 1.5}"#)
                == "m.json: field 'P': expected an integer, found 1.5")
        #expect(message(#"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2], "bias": 3}"#)
                == "m.json: field 'bias': unexpected field for a plrnn model (expected A, W, h)")
        #expect(message(#"{"type": "plrnn", "A": [1, "x"], "W": [[0, 1], [2, 0]], "h": [1, 2]}"#)
                == "m.json: field 'A': entry [1] is a string, expected a number")
        #expect(message(#"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2]"#)?.hasPrefix("m.json: not a valid JSON document") == true)
        #expect(message("[1, 2]") == "m.json: expected a JSON object with \"type\" or \"stack\", found an array")
    }

    @Test func stacksMustBeUniform() {
        let a = #"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2]}"#
        let b = #"{"type": "plrnn", "A": [1], "W": [[0]], "h": [1]}"#
        #expect(message("{\"stack\": [\(a), \(b)]}") == "m.json: field 'stack[1]': differs from stack[0]: plrnn M=1 H=1 vs plrnn M=2 H=2")
        #expect(message("{\"stack\": []}") == "m.json: field 'stack': empty stack")
        #expect(message("{\"stack\": [\(a), {\"type\": \"plrnn\"}]}") == "m.json: field 'stack[1].A': missing")
    }

    @Test func writtenJSONReadsBackBitIdentical() throws {
        let original = try ModelFile.load(SharedModels.path("shplrnn_training_snapshots.json"))
        let again = try ModelFile.models(json: ModelFile.jsonData(original), source: "again")
        #expect(again == original)
        let alrnn = try ModelFile.load(SharedModels.path("alrnn_lorenz_m20_p2.json"))
        #expect(try ModelFile.models(json: ModelFile.jsonData(alrnn), source: "again") == alrnn)
        // Awkward doubles survive too.
        let tricky = [0.1, 1e-310, -2.2250738585072014e-308, 1.7976931348623157e308, 0.30000000000000004, 5e-324, -0.0]
        let m = try Model(kind: .plrnn, parameters: ["A": Parameter(name: "A", shape: [7], values: tricky),
                                                      "W": Parameter(name: "W", shape: [7, 7], values: [Double](repeating: 0.5, count: 49)),
                                                      "h": Parameter(name: "h", shape: [7], values: tricky.reversed())])
        let back = try ModelFile.models(json: ModelFile.jsonData([m]), source: "x")[0]
        #expect(back.parameter("A")!.values.map(\.bitPattern) == tricky.map(\.bitPattern))
    }

    @Test func strictJSONNamesTheKeyOrThePlace() {
        let a = #"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2]}"#
        #expect(message(#"{"type": "plrnn", "A": [1, 1], "W": [[0, 1], [2, 0]], "h": [1, 2], "h": [3, 4]}"#)
                == "m.json: field 'h': duplicate key at line 1 (keys of an object must be unique)")
        #expect(message("{\"stack\": [\(a),\n\(a.dropLast()), \"A\": [1, 1]}]}")
                == "m.json: field 'stack[1].A': duplicate key at line 2 (keys of an object must be unique)")
        #expect(message("{\"type\": \"plrnn\",\n \"A\": [1, 1,],\n \"W\": [[0, 1], [2, 0]], \"h\": [1, 2]}")
                == "m.json: not a valid JSON document: trailing comma before ']' at line 2, column 13")
        #expect(message("{\"type\": \"plrnn\", \"A\": [1, 1], \"W\": [[0, 1], [2, 0]], \"h\": [1, 2],\n}")
                == "m.json: not a valid JSON document: trailing comma before '}' at line 2, column 1")
        // Columns count characters, not bytes.
        #expect(message("{\"metadata\": \"\u{e9}t\u{e9}\", x}") == "m.json: not a valid JSON document: expected a key in double quotes, found 'x' at line 1, column 21")
        #expect(message("{\"type\": \"plrnn\", \"A\": [1, 01]}") == "m.json: not a valid JSON document: a number with a leading zero at line 1, column 28")
        #expect(message(#"{"type": "plrnn", "A": [1, 1]"#) == "m.json: not a valid JSON document: it ends at line 1, column 30 inside an array or object (truncated?)")
    }

    @Test func nestingIsLimited() {
        let deep = "{\"metadata\": " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"
        #expect(message(deep) == "m.json: not a valid JSON document: arrays and objects nested deeper than 256 levels at line 1, column 269")
        // 256 levels are read (and the model then refused for what it lacks).
        let limit = "{\"metadata\": " + String(repeating: "[", count: 255) + String(repeating: "]", count: 255) + "}"
        #expect(message(limit)?.hasPrefix("m.json: field 'type': missing") == true)
    }

    @Test func stringsAndNumbersAreDecodedAsJSONSays() throws {
        let text = #"{"metadata": {"name": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t"}, "type": "plrnn", "A": [-0.0, 1E2, 2.5e-3], "W": [[0, 0, 0], [0, 0, 0], [0, 0, 0]], "h": [1.7976931348623157e308, 5e-324, -12]}"#
        let model = try parse(text)[0]
        #expect(model.parameter("A")!.values.map(\.bitPattern) == [-0.0, 100, 0.0025].map(\.bitPattern))
        #expect(model.parameter("h")!.values == [1.7976931348623157e308, 5e-324, -12])
        let value = try JSONValue.parse(Data(#"{"s": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t"}"#.utf8), source: "s")
        #expect(value == .object(["s": .string("caf\u{e9} \u{1F600} \"q\" \\ / \t")]))
    }

    /// Invalid JSON is rejected in time linear in its length: a 1 MB document cut short and one
    /// nested 100,000 deep take milliseconds.
    @Test func invalidJSONIsRejectedQuickly() {
        let row = "[" + Array(repeating: "0.123456789", count: 300).joined(separator: ", ") + "]"
        let big = "{\"type\": \"plrnn\", \"A\": \(row), \"W\": [" + Array(repeating: row, count: 300).joined(separator: ",\n") + "], \"h\": \(row)}"
        #expect(big.utf8.count > 1_000_000)
        for text in [String(big.dropLast(10)), String(repeating: "[", count: 100_000), "{\"a\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"] {
            let started = ContinuousClock.now
            let error = message(text)
            let elapsed = ContinuousClock.now - started
            #expect(error != nil)
            #expect(elapsed < .milliseconds(500), "\(elapsed) for \(error ?? "")")
        }
    }
}
