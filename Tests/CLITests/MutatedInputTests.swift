import Foundation
import HDF5
import Testing

/// The corpus of mutated inputs (Tests/corpus, described in its README.md): model files, job
/// specs and option lists with huge shapes and counts, deep nesting, truncation, wrong types,
/// NaN and infinities, duplicate keys, trailing commas, non-integers, negative sizes, empty
/// arrays and wrong shapes, plus the large cases generated here (a 100 KB truncated model, a
/// document nested 100,000 deep, small HDF5 files claiming huge datasets). Every case must be
/// refused as bad input: exit status 2, exactly one line on stderr, nothing on stdout, no
/// output file left behind, and all of it in under a second.
@Suite(.serialized)
struct MutatedInputTests {
    static let corpus = CLI.repository + "/Tests/corpus"
    static let goodModel = corpus + "/good/plrnn.json"

    static func files(_ folder: String, _ suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus + "/" + folder)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    static let modelFiles = files("models", ".json")
    static let specFiles = files("specs", ".toml")

    /// The cases of options.txt: the line, with {model}, {corpus} and {dir} left to fill.
    static let optionLines: [String] = {
        let text = (try? String(contentsOfFile: corpus + "/options.txt", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()

    /// Runs `arguments` in `directory` and checks the refusal: status 2, one line on stderr,
    /// nothing on stdout, the directory as it was, under a second of wall time.
    static func expectRefused(_ label: String, _ arguments: [String], environment: [String: String] = [:], directory: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        let started = ContinuousClock.now
        let result = try CLI.run(arguments, environment: environment)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(result.status == 2, "\(label): exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.count == 1 && lines[0].hasPrefix("platlas: error: "), "\(label): stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(label): stdout: \(result.stdout)", sourceLocation: sourceLocation)
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        #expect(after == before, "\(label): left \(after.subtracting(before).sorted())", sourceLocation: sourceLocation)
        #expect(seconds < 1, "\(label): took \(seconds) s", sourceLocation: sourceLocation)
    }

    /// A model file is refused by `info` and by `convert` (which writes nothing).
    static func expectModelRefused(_ path: String, label: String, directory: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectRefused("info \(label)", ["info", path], directory: directory, sourceLocation: sourceLocation)
        try expectRefused("convert \(label)", ["convert", path, directory + "/out.h5"], directory: directory, sourceLocation: sourceLocation)
    }

    @Test func theCorpusIsThere() {
        #expect(Self.modelFiles.count >= 60, "\(Self.modelFiles.count) model files")
        #expect(Self.specFiles.count >= 50, "\(Self.specFiles.count) specs")
        #expect(Self.optionLines.count >= 100, "\(Self.optionLines.count) option lines")
    }

    @Test(arguments: modelFiles)
    func corpusModelFileIsRefused(_ name: String) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.expectModelRefused(Self.corpus + "/models/" + name, label: name, directory: dir)
    }

    @Test(arguments: specFiles)
    func corpusSpecIsRefused(_ name: String) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.expectRefused("run \(name)", ["run", Self.corpus + "/specs/" + name, "--output", dir + "/out.h5"], directory: dir)
    }

    @Test(arguments: optionLines)
    func corpusCommandLineIsRefused(_ line: String) throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var words = line.replacingOccurrences(of: "{model}", with: Self.goodModel).replacingOccurrences(of: "{corpus}", with: Self.corpus)
            .replacingOccurrences(of: "{dir}", with: dir).split(separator: " ").map(String.init)
        var environment: [String: String] = [:]
        while let first = words.first, let equals = first.firstIndex(of: "="), first[..<equals].allSatisfy({ $0.isUppercase || $0 == "_" }) {
            environment[String(first[..<equals])] = String(first[first.index(after: equals)...])
            words.removeFirst()
        }
        try Self.expectRefused(line, words, environment: environment, directory: dir)
    }

    // MARK: Large cases, generated

    /// A valid JSON PLRNN of dimension m, about 20 m^2 bytes.
    static func largeModelText(dimension m: Int) -> String {
        var g = SystemRandomNumberGenerator()
        func row() -> String { "[" + (0..<m).map { _ in String(Double.random(in: -1...1, using: &g)) }.joined(separator: ", ") + "]" }
        return "{\"type\": \"plrnn\", \"A\": \(row()), \"W\": [" + (0..<m).map { _ in row() }.joined(separator: ", ") + "], \"h\": \(row())}"
    }

    @Test func truncatedAndDeeplyNestedJSONIsRefusedQuickly() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Self.largeModelText(dimension: 120)
        #expect(text.utf8.count > 300_000)
        var cases: [(String, String)] = [
            ("truncated-100k.json", String(decoding: text.utf8.prefix(100_000), as: UTF8.self)),
            ("truncated-300k.json", String(decoding: text.utf8.prefix(300_000), as: UTF8.self)),
            ("truncated-one-byte-short.json", String(decoding: text.utf8.dropLast(), as: UTF8.self)),
            ("nested-100000.json", "{\"type\": \"plrnn\", \"metadata\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"),
            ("nested-100000-unclosed.json", "{\"type\": \"plrnn\", \"metadata\": " + String(repeating: "[", count: 100_000)),
            ("nested-objects.json", "{\"type\": \"plrnn\", \"metadata\": " + String(repeating: "{\"a\": ", count: 50_000) + "1" + String(repeating: "}", count: 50_000) + "}"),
            ("nested-arrays-as-model.json", String(repeating: "[", count: 100_000)),
        ]
        // Nesting at the limit (256 levels with the model object) is read, and the model then
        // refused for what it lacks.
        cases.append(("nested-256.json", "{\"type\": \"plrnn\", \"metadata\": " + String(repeating: "[", count: 255) + String(repeating: "]", count: 255) + "}"))
        for (name, contents) in cases {
            let path = dir + "/" + name
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            try Self.expectModelRefused(path, label: name, directory: dir)
        }
        let truncated = try CLI.run(["info", dir + "/truncated-100k.json"])
        #expect(truncated.stderr.contains("line 1, column 100001") && truncated.stderr.contains("truncated"), "\(truncated.stderr)")
        let nested = try CLI.run(["info", dir + "/nested-100000.json"])
        #expect(nested.stderr.contains("nested deeper than 256"), "\(nested.stderr)")
        let atLimit = try CLI.run(["info", dir + "/nested-256.json"])
        #expect(atLimit.stderr.contains("field 'A': missing"), "\(atLimit.stderr)")
        // The same model, whole, is read.
        try text.write(toFile: dir + "/whole.json", atomically: true, encoding: .utf8)
        let whole = try CLI.run(["convert", dir + "/whole.json", dir + "/whole.h5"])
        #expect(whole.status == 0, "\(whole.stderr)")
    }

    @Test func modelsBeyondTheDimensionLimitsAreRefused() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func vector(_ n: Int) -> String { "[" + Array(repeating: "0.5", count: n).joined(separator: ",") + "]" }
        func matrix(_ rows: Int, _ columns: Int) -> String { "[" + Array(repeating: vector(columns), count: rows).joined(separator: ",") + "]" }
        // M = 5000 with one hidden unit: a small file whose Jacobians would be 5000 x 5000.
        let wide = "{\"type\": \"shplrnn\", \"A\": \(vector(5000)), \"W1\": \(matrix(5000, 1)), \"W2\": \(matrix(1, 5000)), \"h1\": \(vector(5000)), \"h2\": [0.1]}"
        // H = 70000 hidden units in one dimension.
        let deep = "{\"type\": \"shplrnn\", \"A\": [0.5], \"W1\": \(matrix(1, 70000)), \"W2\": \(matrix(70000, 1)), \"h1\": [0.1], \"h2\": \(vector(70000))}"
        for (name, text, fragment) in [("wide.json", wide, "PLATLAS_MAX_DIMENSION"), ("deep.json", deep, "PLATLAS_MAX_HIDDEN")] {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try Self.expectModelRefused(path, label: name, directory: dir)
            let result = try CLI.run(["info", path])
            #expect(result.stderr.contains(fragment), "\(result.stderr)")
            // Raised, the limit lets the same file through.
            let raised = try CLI.run(["convert", path, dir + "/raised.h5"], environment: [fragment: "100000"])
            #expect(raised.status == 0, "\(name) with \(fragment) raised: \(raised.stderr)")
            try FileManager.default.removeItem(atPath: dir + "/raised.h5")
        }
    }

    /// Small HDF5 files whose datasets claim far more than they hold.
    @Test func hdf5FilesThatClaimHugeSizesAreRefusedBeforeReading() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func model(_ name: String, type: String = "plrnn", _ body: (borrowing Group) throws -> Void) throws -> String {
            let path = dir + "/" + name
            let file = try File.create(path)
            let g = try file.root.createGroup("model")
            try g.setAttribute("type", type)
            try body(g)
            try g.close()
            try file.close()
            return path
        }
        func claim(_ g: borrowing Group, _ name: String, _ shape: [Int]) throws {
            let chunk = shape.map { min($0, 64) }
            try g.createDataset(name, type: .float64, shape: shape, chunk: chunk).close()
        }
        let two: [Double] = [0.5, 0.5], square: [Double] = [0, 1, 1, 0]
        var paths: [String] = []
        paths.append(try model("claimed-w.h5") { g in
            try g.writeDataset("A", two, shape: [2]); try claim(g, "W", [100_000, 100_000]); try g.writeDataset("h", two, shape: [2])
        })
        paths.append(try model("claimed-everything.h5") { g in
            try claim(g, "A", [1_000_000_000]); try claim(g, "W", [1_000_000_000, 1_000_000_000]); try claim(g, "h", [1_000_000_000])
        })
        paths.append(try model("claimed-rank-three.h5") { g in
            try g.writeDataset("A", two, shape: [2]); try claim(g, "W", [2, 2, 1_000_000_000]); try g.writeDataset("h", two, shape: [2])
        })
        paths.append(try model("claimed-at-the-dimension-limit.h5", type: "shplrnn") { g in
            try claim(g, "A", [4096]); try claim(g, "W1", [4096, 65536]); try claim(g, "W2", [65536, 4096])
            try claim(g, "h1", [4096]); try claim(g, "h2", [65536])
        })
        paths.append(try model("claimed-p.h5", type: "alrnn") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", two, shape: [2])
            try claim(g, "P", [1_000_000_000])
        })
        paths.append(try model("p-attribute-fraction.h5", type: "alrnn") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", two, shape: [2])
            try g.setAttribute("P", 1.5)
        })
        paths.append(try model("p-dataset-fraction.h5", type: "alrnn") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", two, shape: [2])
            try g.writeDataset("P", [2.5], shape: [])
        })
        paths.append(try model("nan.h5") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", [0.1, .nan], shape: [2])
        })
        paths.append(try model("strings.h5") { g in
            try g.writeStrings("A", ["a", "b"]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", two, shape: [2])
        })
        paths.append(try model("empty-h.h5") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", [Double](), shape: [0])
        })
        paths.append(try model("type-number.h5") { g in
            try g.setAttribute("type", 3)
        })
        for (name, size) in [("stack-size-fraction.h5", 2.5), ("stack-size-huge.h5", 1e12), ("stack-size-beyond-members.h5", 3)] {
            let path = dir + "/" + name
            let file = try File.create(path)
            let g = try file.root.createGroup("model")
            if size == size.rounded() { try g.setAttribute("stack_size", Int(size)) } else { try g.setAttribute("stack_size", size) }
            let member = try g.createGroup("0")
            try member.setAttribute("type", "plrnn")
            try member.writeDataset("A", two, shape: [2]); try member.writeDataset("W", square, shape: [2, 2]); try member.writeDataset("h", two, shape: [2])
            try member.close()
            try g.close()
            try file.close()
            paths.append(path)
        }
        // A stack whose members are each within the limits, but not together: refused before
        // any member is read.
        let stack = dir + "/stack-too-large-together.h5"
        let stackFile = try File.create(stack)
        let members = try stackFile.root.createGroup("model")
        try members.setAttribute("stack_size", 9)
        for i in 0..<9 {
            let member = try members.createGroup(String(i))
            try member.setAttribute("type", "plrnn")
            try claim(member, "A", [4096]); try claim(member, "W", [4096, 4096]); try claim(member, "h", [4096])
            try member.close()
        }
        try members.close()
        try stackFile.close()
        paths.append(stack)
        // A good file cut in half.
        let whole = try model("whole.h5") { g in
            try g.writeDataset("A", two, shape: [2]); try g.writeDataset("W", square, shape: [2, 2]); try g.writeDataset("h", two, shape: [2])
        }
        #expect(try CLI.run(["info", whole]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dir + "/truncated.h5"))
        try FileManager.default.removeItem(atPath: whole)
        paths.append(dir + "/truncated.h5")

        for path in paths {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            #expect(size < 1 << 20, "\(path) should be small: \(size) bytes")
            try Self.expectModelRefused(path, label: (path as NSString).lastPathComponent, directory: dir)
        }
        let claimed = try CLI.run(["info", dir + "/claimed-w.h5"])
        #expect(claimed.stderr.contains("field 'W': wrong shape: expected 2x2, found 100000x100000"), "\(claimed.stderr)")
        let limit = try CLI.run(["info", dir + "/claimed-at-the-dimension-limit.h5"])
        #expect(limit.stderr.contains("field 'W1'") && limit.stderr.contains("PLATLAS_MAX_VALUES"), "\(limit.stderr)")
        let fraction = try CLI.run(["info", dir + "/p-attribute-fraction.h5"])
        #expect(fraction.stderr.contains("field 'P': expected an integer, found 1.5"), "\(fraction.stderr)")
    }

    /// Other files that are read: trajectories for `fit --data`, inputs of `collect`.
    @Test func otherHDF5InputsThatClaimHugeSizesAreRefused() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, shape) in [("wide-trajectory.h5", [1_000, 1_000_000]), ("long-trajectory.h5", [1_000_000_000, 3])] {
            let file = try File.create(dir + "/" + name)
            try file.root.setAttribute("dt", 0.1)
            try file.root.createDataset("x", type: .float64, shape: shape, chunk: [64, 3]).close()
            try file.close()
            try Self.expectRefused("fit \(name)", ["fit", "--data", dir + "/" + name, "--json-model", dir + "/out.json"], directory: dir)
        }
        let input = dir + "/task.h5"
        let file = try File.create(input)
        for attribute in ["platlas_version", "created", "command"] { try file.root.setAttribute(attribute, "x") }
        try file.root.setAttribute("schema_version", 1)
        try file.root.setAttribute("ranks", 1)
        try file.root.createDataset("huge", type: .float64, shape: [100_000, 100_000], chunk: [64, 64]).close()
        try file.close()
        try Self.expectRefused("collect", ["collect", dir + "/out.h5", input], directory: dir)
    }
}
