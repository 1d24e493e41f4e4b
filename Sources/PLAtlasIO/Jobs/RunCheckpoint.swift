import Foundation
import HDF5
import PLAtlasCore

/// The unfinished file of `platlas run` (`OUT.h5.partial`), which is also its checkpoint.
///
/// A run writes its result file under this name and renames it to `OUT.h5` when every analysis
/// is done. After each analysis it records the analysis as done in `/job` (`completed`, and
/// `/job/outcomes/<label>` with its summary) and flushes the file; a sweep also flushes after
/// every round of points. A run killed part-way (a time limit) leaves the file behind, and
/// `platlas run --resume` continues it: finished analyses are kept, anything the interrupted
/// analysis wrote is removed, except the group of an analysis with checkpoints (a sweep), which
/// continues from its last round (docs/jobs.md, "Resume").
public enum RunCheckpoint {
    /// The name a run writes `output` under until it is complete.
    public static func path(for output: String) -> String { output + ".partial" }

    /// What `inspect` finds.
    public enum Inspection: Sendable, Equatable {
        /// No file there.
        case absent
        /// A checkpoint of this spec and model in which the first `completed` analyses are done.
        case resumable(completed: Int)
        /// A file that cannot be continued, and why.
        case unusable(String)
    }

    /// Whether the file at `path` is a checkpoint of `spec` run on `models` (read from
    /// `modelPath`) that this version of platlas can continue. Serial and read-only, for use
    /// before MPI starts.
    public static func inspect(_ path: String, spec: JobSpec, modelPath: String, models: [Model]) -> Inspection {
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        guard File.isHDF5(path), let file = try? File.open(path) else { return .unusable("not a readable HDF5 file") }
        let root = file.root
        let labels = spec.analyses.map(\.group)
        func check() -> Inspection? {
            guard (try? root.attributeString("platlas_version")) == platlasVersion,
                  (try? root.attributeInt("schema_version")) == resultSchemaVersion else {
                return .unusable("written by another version of platlas")
            }
            guard root.isGroup("job"), let job = try? root.openGroup("job") else { return .unusable("it holds no /job") }
            let text = try? job.attributeString("spec"), model = try? job.attributeString("model_path")
            let analyses = try? job.readStrings("analyses"), completed = try? job.attributeInt("completed")
            try? job.close()
            guard text == spec.text else { return .unusable("written from another spec text") }
            guard model == modelPath else { return .unusable("written for another model file") }
            guard analyses == labels, let completed, (0...labels.count).contains(completed) else {
                return .unusable("its /job does not record which analyses are done")
            }
            return .resumable(completed: completed)
        }
        let inspection = check()
        try? file.close()
        guard case .resumable = inspection else { return inspection ?? .unusable("unreadable") }
        // The models it analysed must be the ones this run would analyse.
        guard (try? ModelFile.load(path, group: "/model")) == models else { return .unusable("the model file changed since") }
        for (label, analysis) in zip(labels, spec.analyses) {
            guard let own = analysis.configuration.ownModels else { continue }
            if let stored = try? ModelFile.load(path, group: "/\(label)/model"), stored != own.models {
                return .unusable("\(own.path) changed since")
            }
        }
        return inspection!
    }

    /// Writes `/job` of a new run file: the spec, the model file, the analyses' labels and
    /// kinds, and `completed` = 0.
    public static func writeJob(_ spec: JobSpec, modelPath: String, into root: borrowing Group) throws {
        let job = try root.createGroup("job")
        try job.setAttribute("name", spec.name)
        try job.setAttribute("spec_path", spec.absolutePath)
        try job.setAttribute("spec", spec.text)
        try job.setAttribute("model_path", modelPath)
        try job.setAttribute("completed", 0)
        try job.setAttribute("resumed", 0)
        try job.writeStrings("analyses", spec.analyses.map(\.group))
        try job.writeStrings("kinds", spec.analyses.map(\.kind))
        try job.close()
        try root.flushFile()
    }

    /// Records analysis `index` (of label `label`) as done: `/job/outcomes/<label>` with its
    /// summary and seconds, then `/job` attribute `completed` = index + 1; flushes the file.
    /// Collective in a parallel file.
    public static func markCompleted(index: Int, label: String, summary: String, seconds: Double, in root: borrowing Group) throws {
        let outcome = try root.createGroup("job/outcomes/\(label)")
        try outcome.setAttribute("summary", summary)
        try outcome.setAttribute("seconds", seconds)
        try outcome.close()
        try root.flushFile()
        let job = try root.openGroup("job")
        try job.setAttribute("completed", index + 1)
        try job.close()
        try root.flushFile()
    }

    /// The summary and seconds of a done analysis, as `markCompleted` recorded them.
    public static func outcome(of label: String, in root: borrowing Group) throws -> (summary: String, seconds: Double) {
        let g = try root.openGroup("job/outcomes/\(label)")
        let outcome = (summary: try g.attributeString("summary"), seconds: try g.attributeDouble("seconds"))
        try g.close()
        return outcome
    }

    /// Prepares a reopened checkpoint for the rest of the run (collective): removes every group
    /// that does not belong to the first `completed` analyses of `spec` (what the interrupted
    /// analysis had written, judged by the attribute `analysis` every analysis group carries),
    /// except the group of the next analysis when it has checkpoints, and counts the run in
    /// `/job` attribute `resumed`. Returns the paths removed.
    public static func prepareToContinue(_ root: borrowing Group, spec: JobSpec, completed: Int) throws -> [String] {
        let labels = spec.analyses.map(\.group)
        let done = Set(labels.prefix(completed))
        let next = completed < labels.count && spec.analyses[completed].configuration.checkpoints ? labels[completed] : nil
        var removed: [String] = []
        func label(of path: String) -> String? {
            guard root.isGroup(path), let g = try? root.openGroup(path) else { return nil }
            let label = try? g.attributeString("analysis")
            try? g.close()
            return label
        }
        func removeUnless(_ path: String, keep: (String?) -> Bool) throws {
            if !keep(label(of: path)) {
                try root.remove(path)
                removed.append("/" + path)
            }
        }
        for name in try root.childNames() where name != "model" && name != "job" {
            if AnalysisRegistry.sharedGroups.contains(name) && root.isGroup(name) && label(of: name) == nil {
                let shared = try root.openGroup(name)
                let children = try shared.childNames()
                try shared.close()
                for child in children {
                    try removeUnless("\(name)/\(child)") { $0.map(done.contains) ?? false }
                }
            } else {
                try removeUnless(name) { $0.map { done.contains($0) || $0 == next } ?? false }
            }
        }
        if root.isGroup("job/outcomes") {
            let outcomes = try root.openGroup("job/outcomes")
            let names = try outcomes.childNames()
            try outcomes.close()
            for name in names where !done.contains(name) {
                try root.remove("job/outcomes/\(name)")
                removed.append("/job/outcomes/\(name)")
            }
        }
        let job = try root.openGroup("job")
        try job.setAttribute("resumed", ((try? job.attributeInt("resumed")) ?? 0) + 1)
        try job.close()
        try root.flushFile()
        return removed
    }
}
