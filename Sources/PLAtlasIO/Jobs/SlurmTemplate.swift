import Foundation

/// A problem with what `platlas submit` was asked to fill in (exit code 2).
public struct SubmitError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The sbatch templates in `slurm/` and how `platlas submit` fills them (docs/cluster.md).
public enum SlurmTemplate {
    public static let single = "platlas.sbatch"
    public static let array = "platlas-array.sbatch"
    public static let collect = "collect.sbatch"

    /// Placeholders inserted inside double quotes in the templates (paths).
    static let quoted: Set<String> = ["PLATLAS", "SPEC", "OUTPUT", "MODEL_LIST", "OUTDIR"]

    /// The directory holding the templates: `explicit` if given, else `$PLATLAS_TEMPLATES`,
    /// else the first `slurm/` beside the executable or in one of its parent directories (a
    /// build inside the repository finds the repository's), else `share/platlas/slurm` beside
    /// the executable's parent (an installed layout `PREFIX/bin`, `PREFIX/share/platlas/slurm`).
    public static func directory(explicit: String?, executable: String) throws -> String {
        let manager = FileManager.default
        func holds(_ dir: String) -> Bool { manager.fileExists(atPath: (dir as NSString).appendingPathComponent(single)) }
        if let explicit {
            guard holds(explicit) else { throw SubmitError("--templates: no \(single) in \(explicit)") }
            return JobSpec.absolute(explicit)
        }
        if let env = ProcessInfo.processInfo.environment["PLATLAS_TEMPLATES"], !env.isEmpty {
            guard holds(env) else { throw SubmitError("PLATLAS_TEMPLATES: no \(single) in \(env)") }
            return JobSpec.absolute(env)
        }
        var dir = (executable as NSString).deletingLastPathComponent
        while dir != "/" && !dir.isEmpty {
            let candidate = (dir as NSString).appendingPathComponent("slurm")
            if holds(candidate) { return candidate }
            let installed = (dir as NSString).appendingPathComponent("share/platlas/slurm")
            if holds(installed) { return installed }
            dir = (dir as NSString).deletingLastPathComponent
        }
        throw SubmitError("cannot find the sbatch templates (\(single)) near \(executable); pass --templates DIR or set PLATLAS_TEMPLATES")
    }

    /// `template` with every `@NAME@` replaced by `values[NAME]`. A nil partition comments the
    /// `--partition` line out (the cluster's default partition is used). Fails on a placeholder
    /// left unfilled, and on a path containing a character that breaks double quotes.
    public static func fill(_ template: String, _ values: [String: String], partition: String?) throws -> String {
        var text = template
        if partition == nil {
            text = text.replacingOccurrences(of: "#SBATCH --partition=@PARTITION@",
                                             with: "##SBATCH --partition=   (none given: the cluster's default partition)")
                .replacingOccurrences(of: "@PARTITION@", with: "(default)")
        } else {
            text = text.replacingOccurrences(of: "@PARTITION@", with: partition!)
        }
        for (name, value) in values {
            if quoted.contains(name), let bad = value.first(where: { "\"$`\\".contains($0) }) {
                throw SubmitError("\(value): a path for the job script must not contain \(bad)")
            }
            if value.contains("\n") { throw SubmitError("a value for @\(name)@ must not contain a line break") }
            text = text.replacingOccurrences(of: "@\(name)@", with: value)
        }
        if let range = text.range(of: #"@[A-Z_]+@"#, options: .regularExpression) {
            throw SubmitError("the template still has \(text[range]) after filling")
        }
        return text
    }

    /// Whether `text` is a Slurm time limit: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
    public static func isTimeLimit(_ text: String) -> Bool {
        text.range(of: #"^([0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}){0,2})$"#,
                   options: .regularExpression) != nil
    }

    /// Reads a model list (one model file per line; blank lines and `#` comments skipped),
    /// resolving relative paths against the list's directory, and checks every file exists.
    public static func modelList(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SubmitError("--array: cannot read the model list \(path)")
        }
        let directory = (JobSpec.absolute(path) as NSString).deletingLastPathComponent
        var models: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let model = ((line.hasPrefix("/") ? line : (directory as NSString).appendingPathComponent(line)) as NSString).standardizingPath
            guard FileManager.default.fileExists(atPath: model) else {
                throw SubmitError("\(path):\(i + 1): no model file \(model)")
            }
            models.append(model)
        }
        guard !models.isEmpty else { throw SubmitError("\(path): no models listed") }
        return models
    }
}
