import ArgumentParser
import Foundation
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas collect OUT IN...`: merges result files into one.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Merge result files (e.g. the task files of an array job) into one HDF5 file.",
        discussion: reflow("""
        Copies everything of input i (its groups, datasets and root attributes, i.e. its
        provenance) to /tasks/<i> of OUT, in the order given, and records the inputs' paths.
        All inputs must be platlas result files with the same schema_version and
        platlas_version; otherwise nothing is written and the message names the two files that
        differ (exit code 2). An input containing * ? or [ that is not a file is expanded as a
        glob, sorted by the number in the name (task-2 before task-10).

        Examples:
          platlas collect all.h5 tasks/task-0.h5 tasks/task-1.h5 tasks/task-2.h5
          platlas collect all.h5 'tasks/task-*.h5'
        """)
    )

    @Argument(help: ArgumentHelp("The merged result file.", valueName: "out.h5"))
    var outputPath: String

    @Argument(help: ArgumentHelp("Result files to merge (or glob patterns).", valueName: "in.h5"))
    var inputs: [String] = []

    @Flag(help: "Print one JSON document with what was collected.")
    var json = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("name at least one input file") }
        let lower = outputPath.lowercased()
        guard lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") else {
            throw ValidationError("the output must name an HDF5 file ending in .h5 or .hdf5: \(outputPath)")
        }
        try OutputPath.check(outputPath, option: "output \(outputPath)")
    }

    func run() throws {
        var paths: [String] = []
        for input in inputs {
            if !FileManager.default.fileExists(atPath: input), input.contains(where: { "*?[".contains($0) }) {
                let matches = Self.glob(input)
                guard !matches.isEmpty else { throw InputError("\(input): no file matches") }
                paths += matches
            } else {
                paths.append(input)
            }
        }
        if paths.contains(where: { JobSpec.absolute($0) == JobSpec.absolute(outputPath) }) {
            throw InputError("\(outputPath) is both the output and an input")
        }
        let checked: [ResultCollector.Input]
        do {
            checked = try ResultCollector.check(paths)
        } catch let error as CollectError {
            throw InputError(error.description)
        }
        try OutputClaim.whileWriting([outputPath], log: Log { Console.log($0) }) {
            try ResultCollector.collect(checked, into: outputPath, command: Provenance.commandLine())
        }
        if json {
            Console.output(JSONOutput.object([
                ("output", .string(outputPath)),
                ("inputs", .array(checked.map { .string($0.path) })),
                ("schema_version", .integer(checked[0].schemaVersion)),
            ]))
        } else {
            Console.output("collected \(checked.count) files into \(outputPath) (/tasks/0 ... /tasks/\(checked.count - 1))")
        }
    }

    /// Files matching `pattern`, ordered by name with digit runs compared as numbers.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }
}
