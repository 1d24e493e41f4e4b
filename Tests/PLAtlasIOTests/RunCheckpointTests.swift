import Foundation
import HDF5
import Testing
@testable import PLAtlasCore
@testable import PLAtlasIO
import PLAtlasAnalyses

/// The checkpoint of `platlas run` (`OUT.h5.partial`): what a resumed run keeps and removes,
/// and when it refuses to continue a file.
@Suite(.serialized)
struct RunCheckpointTests {
    static let modelText = #"{"type": "plrnn", "A": [0.5, 0.25], "W": [[0, 0.1], [0.2, 0]], "h": [0.1, -0.2]}"#

    static let specText = """
    model = "model.json"
    [[info]]
    [[manifold]]
    cycle = 0
    [[sweep]]
    param = "A[0]"
    range = "0:1:3"
    max_order = 1
    [[manifold]]
    cycle = 1
    """

    /// A directory with the model and the spec, and the parsed spec.
    func setUp(_ text: String = specText) throws -> (dir: String, spec: JobSpec, model: Model) {
        let dir = NSTemporaryDirectory() + "platlas-checkpoint-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.modelText.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try text.write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        return (dir, try JobSpec.load(dir + "/spec.toml"), try ModelFile.loadSingle(dir + "/model.json"))
    }

    /// A run file as a run killed during analysis `completed` + 1 could leave it: the first
    /// `completed` analyses recorded as done, and groups of finished, interrupted and later
    /// analyses (a later one cannot have written anything, but the removal must not care).
    func writeInterrupted(_ path: String, spec: JobSpec, model: Model, completed: Int) throws {
        let file = try File.create(path)
        let root = file.root
        try root.setAttribute("platlas_version", platlasVersion)
        try root.setAttribute("schema_version", resultSchemaVersion)
        try ModelFile.write([model], into: root, group: "/model")
        try RunCheckpoint.writeJob(spec, modelPath: spec.modelPath!, into: root)
        for (i, label) in spec.analyses.map(\.group).prefix(completed).enumerated() {
            try RunCheckpoint.markCompleted(index: i, label: label, summary: "summary of \(label)", seconds: Double(i), in: root)
        }
        func group(_ path: String, label: String?) throws {
            let g = try root.createGroup(path)
            if let label { try g.setAttribute("analysis", label) }
            try g.writeDataset("x", [1.0], shape: [1])
            try g.close()
        }
        try group("info", label: "info")
        try group("manifolds/cycle0-stable", label: "manifold_1")
        try group("manifolds/cycle1-unstable", label: "manifold_2")
        try group("manifolds/partial", label: nil)
        try group("sweep", label: "sweep")
        try group("stray", label: nil)
        if !root.exists("job/outcomes/sweep") { try root.createGroup("job/outcomes/sweep").close() }
        try file.close()
    }

    /// Every group path of the file but those of the model, sorted.
    func groups(_ path: String) throws -> [String] {
        let file = try File.open(path)
        var found: [String] = []
        try Self.walk(file.root, "", into: &found)
        try file.close()
        return found.filter { !$0.hasPrefix("/model") }.sorted()
    }

    static func walk(_ root: borrowing Group, _ prefix: String, into found: inout [String]) throws {
        let g = try root.openGroup(prefix.isEmpty ? "/" : prefix)
        let children = try g.childNames().filter { g.isGroup($0) }
        try g.close()
        for child in children {
            found.append(prefix + "/" + child)
            try walk(root, prefix + "/" + child, into: &found)
        }
    }

    @Test func continuingKeepsFinishedAnalysesAndTheInterruptedSweep() throws {
        let (dir, spec, model) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(spec.analyses.map(\.group) == ["info", "manifold_1", "sweep", "manifold_2"])
        let path = dir + "/out.h5.partial"
        try writeInterrupted(path, spec: spec, model: model, completed: 2)
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [model]) == .resumable(completed: 2))

        let file = try File.open(path, mode: .readWrite)
        let removed = try RunCheckpoint.prepareToContinue(file.root, spec: spec, completed: 2)
        #expect(try RunCheckpoint.outcome(of: "manifold_1", in: file.root) == ("summary of manifold_1", 1.0))
        try file.close()
        #expect(removed == ["/manifolds/cycle1-unstable", "/manifolds/partial", "/stray", "/job/outcomes/sweep"])
        #expect(try groups(path) == ["/info", "/job", "/job/outcomes", "/job/outcomes/info", "/job/outcomes/manifold_1",
                                     "/manifolds", "/manifolds/cycle0-stable", "/sweep"])
        let again = try File.open(path)
        #expect(try again.root.openGroup("job").attributeInt("resumed") == 1)
        #expect(try again.root.readDoubles("sweep/x").values == [1.0])
        try again.close()
    }

    @Test func anInterruptedAnalysisWithoutCheckpointsStartsAgain() throws {
        let (dir, spec, model) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.h5.partial"
        try writeInterrupted(path, spec: spec, model: model, completed: 1)
        let file = try File.open(path, mode: .readWrite)
        let removed = try RunCheckpoint.prepareToContinue(file.root, spec: spec, completed: 1)
        try file.close()
        // manifold_1 was interrupted and has no checkpoints: its group goes, and so does the
        // sweep's, which had not started.
        #expect(removed == ["/manifolds/cycle0-stable", "/manifolds/cycle1-unstable", "/manifolds/partial", "/stray", "/sweep",
                            "/job/outcomes/sweep"])
        #expect(try groups(path) == ["/info", "/job", "/job/outcomes", "/job/outcomes/info", "/manifolds"])
    }

    @Test func inspectRefusesAnotherSpecModelOrVersion() throws {
        let (dir, spec, model) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.h5.partial"
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [model]) == .absent)
        try writeInterrupted(path, spec: spec, model: model, completed: 3)
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [model]) == .resumable(completed: 3))

        let other = try JobSpec.parse(Self.specText + "\nseed = 3\n", path: dir + "/spec.toml")
        #expect(RunCheckpoint.inspect(path, spec: other, modelPath: spec.modelPath!, models: [model])
                == .unusable("written from another spec text"))
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: dir + "/elsewhere.json", models: [model])
                == .unusable("written for another model file"))
        let changed = model.replacing("h", values: [0.3, -0.2])
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [changed])
                == .unusable("the model file changed since"))

        let file = try File.open(path, mode: .readWrite)
        try file.root.setAttribute("platlas_version", "0.0.0-other")
        try file.close()
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [model])
                == .unusable("written by another version of platlas"))
        try "not HDF5".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(RunCheckpoint.inspect(path, spec: spec, modelPath: spec.modelPath!, models: [model]) == .unusable("not a readable HDF5 file"))
    }
}
