import Foundation
import HDF5
import PLAtlasCore

/// A problem with the inputs of `platlas collect` (exit code 2).
public struct CollectError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Merges result files (the task files of an array job) into one (docs/hdf5-schema.md, "Jobs"):
/// input i's root objects and attributes go to `/tasks/<i>`, with its path as attribute `source`.
public enum ResultCollector {
    public struct Input: Sendable {
        public var path: String
        public var platlasVersion: String
        public var schemaVersion: Int
    }

    /// The root attributes every input must carry.
    static let provenanceAttributes = ["platlas_version", "schema_version", "created", "command", "ranks"]

    /// Checks that every input is a result file and that all share one `schema_version` and
    /// `platlas_version`; the first mismatch names both files.
    public static func check(_ paths: [String]) throws -> [Input] {
        guard !paths.isEmpty else { throw CollectError("no input files") }
        var inputs: [Input] = []
        var seen = Set<String>()
        for path in paths {
            let absolute = JobSpec.absolute(path)
            guard seen.insert(absolute).inserted else { throw CollectError("\(path) is named twice") }
            guard FileManager.default.fileExists(atPath: path) else { throw CollectError("\(path): no such file") }
            guard File.isHDF5(path) else { throw CollectError("\(path): not an HDF5 file") }
            let file = try File.open(path)
            let root = file.root
            for attribute in provenanceAttributes where !root.hasAttribute(attribute) {
                throw CollectError("\(path): not a platlas result file (no root attribute '\(attribute)')")
            }
            let input = Input(path: path, platlasVersion: try root.attributeString("platlas_version"),
                              schemaVersion: try root.attributeInt("schema_version"))
            try checkSizes(of: root, path: path)
            try file.close()
            if let first = inputs.first {
                if input.schemaVersion != first.schemaVersion {
                    throw CollectError("\(first.path) has schema_version \(first.schemaVersion) but \(path) has \(input.schemaVersion): collect only files of one schema")
                }
                if input.platlasVersion != first.platlasVersion {
                    throw CollectError("\(first.path) was written by platlas \(first.platlasVersion) but \(path) by \(input.platlasVersion): collect only files of one version")
                }
            }
            inputs.append(input)
        }
        return inputs
    }

    /// Fails on the first dataset under `group` whose claimed shape holds more values than one
    /// array may (`Limits.current`): each is copied whole.
    static func checkSizes(of group: borrowing Group, path: String) throws {
        for name in try group.childNames() {
            if group.isGroup(name) {
                let child = try group.openGroup(name)
                try checkSizes(of: child, path: path)
                try child.close()
            } else if group.isDataset(name) {
                let dataset = try group.openDataset(name)
                let shape = try dataset.extent().shape
                let location = dataset.path
                try dataset.close()
                do {
                    try Limits.current.check(Limits.product(shape), .values,
                                             "dataset '\(location)' claims \(shape.map(String.init).joined(separator: "x")) values, which")
                } catch {
                    throw CollectError("\(path): \(error.description)")
                }
            }
        }
    }

    /// Writes `output` (under a temporary name, renamed when complete) from the checked inputs;
    /// a failure to write removes the temporary file and throws `OutputWriteError`.
    public static func collect(_ inputs: [Input], into output: String, command: String) throws {
        try AtomicFile.writeHDF5(output) { root in
            try root.setAttribute("platlas_version", platlasVersion)
            try root.setAttribute("schema_version", inputs[0].schemaVersion)
            try root.setAttribute("created", ResultFile.utcNow())
            try root.setAttribute("command", command)
            try root.setAttribute("ranks", 1)
            try root.setAttribute("collected", inputs.count)
            try root.setAttribute("inputs_platlas_version", inputs[0].platlasVersion)
            let tasks = try root.createGroup("tasks")
            try tasks.setAttribute("count", inputs.count)
            try root.writeStrings("sources", inputs.map { JobSpec.absolute($0.path) })
            for (i, input) in inputs.enumerated() {
                let source = try File.open(input.path)
                let task = try tasks.createGroup(String(i))
                try GroupCopy.copyContents(of: source.root, into: task)
                try task.setAttribute("source", JobSpec.absolute(input.path))
                try task.close()
                try source.close()
            }
            try tasks.close()
        }
    }
}
