import ArgumentParser
import Foundation
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas submit SPEC`: fills an sbatch template for a job spec and submits it.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job spec to Slurm: fill an sbatch template from slurm/ and call sbatch.",
        discussion: reflow("""
        Checks the spec and its model, fills slurm/platlas.sbatch (one MPI job of NODES x
        NTASKS-PER-NODE ranks running `platlas run SPEC --output OUT` under srun), writes it
        beside the output as JOB-NAME.sbatch and submits it from the output's directory, where
        Slurm writes the logs JOB-NAME-ID.out and .err. Paths in the script are absolute.
        --dry-run prints the script instead. --wait waits for the job, prints where its log
        and output are, and exits with the job's exit code.

        With --array MODELS (a text file, one model file per line, relative to the list's
        directory) it fills slurm/platlas-array.sbatch instead, one array task per model, each
        writing TASK-DIR/task-N.h5, and slurm/collect.sbatch, submitted with
        --dependency=afterok on the array, which merges the task files into OUT with `platlas
        collect`. --wait then waits for the collect job.

        Templates are taken from --templates DIR, else $PLATLAS_TEMPLATES, else the first
        slurm/ directory found beside the platlas executable or above it (a build in the
        repository uses the repository's), else PREFIX/share/platlas/slurm for an executable
        in PREFIX/bin.

        Examples:
          platlas submit jobs/duffing.toml --nodes 1 --ntasks-per-node 2 --time 00:10:00 --wait
          platlas submit jobs/lorenz63.toml --nodes 4 --ntasks-per-node 32 --partition compute --dry-run
          platlas submit jobs/survey.toml --array jobs/survey-models.txt --output survey.h5
        """)
    )

    @Argument(help: ArgumentHelp("Job spec (TOML; docs/jobs.md).", valueName: "spec"))
    var specPath: String

    @Option(help: "Nodes (per array task with --array).")
    var nodes = 1

    @Option(help: "MPI ranks per node.")
    var ntasksPerNode = 1

    @Option(help: ArgumentHelp("Wall-clock limit: MM, HH:MM:SS or D-HH:MM:SS (per array task with --array).", valueName: "time"))
    var time = "00:30:00"

    @Option(help: "Slurm partition (default: the cluster's default partition).")
    var partition: String?

    @Option(help: "Job name, which also names the logs (default: the spec's name).")
    var jobName: String?

    @Option(help: ArgumentHelp("Result file (default: NAME.h5 in the current directory).", valueName: "file.h5"))
    var output: String?

    @Option(help: ArgumentHelp("Run the spec once per model listed in this file, as a job array, then collect.", valueName: "models.txt"))
    var array: String?

    @Option(help: ArgumentHelp("With --array: directory for the task files (default: OUT without .h5, plus -tasks).", valueName: "dir"))
    var taskDir: String?

    @Option(help: ArgumentHelp("With --array: at most this many array tasks at a time.", valueName: "n"))
    var maxConcurrent: Int?

    @Flag(help: "Pass --resume to platlas run (keep outputs that are already complete, continue interrupted ones).")
    var resume = false

    @Option(help: ArgumentHelp("The platlas executable the job runs, as the compute nodes see it (default: this one).", valueName: "path"))
    var platlas: String?

    @Option(help: ArgumentHelp("Directory holding the sbatch templates.", valueName: "dir"))
    var templates: String?

    @Flag(help: "Print the filled-in script(s) instead of submitting.")
    var dryRun = false

    @Flag(help: "Wait for the job to finish; exit with its exit code.")
    var wait = false

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1, got \(nodes)") }
        guard ntasksPerNode >= 1 else { throw ValidationError("--ntasks-per-node must be at least 1, got \(ntasksPerNode)") }
        guard SlurmTemplate.isTimeLimit(time) else {
            throw ValidationError("--time must be MM, HH:MM:SS or D-HH:MM:SS, got '\(time)'")
        }
        if let output {
            let lower = output.lowercased()
            guard lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") else {
                throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5: \(output)")
            }
        }
        if let maxConcurrent, maxConcurrent < 1 { throw ValidationError("--max-concurrent must be at least 1") }
        if array == nil && (taskDir != nil || maxConcurrent != nil) {
            throw ValidationError("--task-dir and --max-concurrent need --array")
        }
        if dryRun && wait { throw ValidationError("--dry-run and --wait exclude each other") }
        if let jobName, jobName.isEmpty || jobName.contains(where: { $0.isWhitespace || "/\"$`\\".contains($0) }) {
            throw ValidationError("--job-name must be one word without / \" $ ` or \\")
        }
    }

    /// The path of the running executable.
    static var executablePath: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return JobSpec.absolute(CommandLine.arguments[0])
    }

    func run() throws {
        // Everything is checked before anything is written or submitted.
        let spec: JobSpec
        do {
            spec = try JobSpec.load(specPath)
        } catch {
            throw InputError(error.description)
        }
        let models: [String]
        do {
            if let array {
                models = try SlurmTemplate.modelList(array)
            } else if let model = spec.modelPath {
                models = [model]
            } else if !spec.needsModel {
                models = []  // every analysis brings its own models (stack sweeps), loaded with the spec
            } else {
                throw InputError("\(spec.path): no model: add model = \"FILE\" to the spec (or use --array)")
            }
        } catch let error as SubmitError {
            throw InputError(error.description)
        }
        for model in models {
            let loaded: Model
            do {
                loaded = try ModelFile.loadSingle(model, group: "/model", index: nil)
            } catch {
                throw InputError(array == nil ? JobSpecError(spec.path, line: spec.modelLine, "model: \(error.description)").description
                                 : "\(array!): \(error.description)")
            }
            do {
                try spec.check(loaded)
            } catch {
                throw InputError(error.description + (array == nil ? "" : " (model \(model))"))
            }
        }
        let outputPath = JobSpec.absolute(output ?? spec.name + ".h5")
        let directory = (outputPath as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("--output: directory '\(directory)' does not exist")
        }
        let executable = platlas.map(JobSpec.absolute) ?? Self.executablePath
        let templateDirectory: String
        do {
            templateDirectory = try SlurmTemplate.directory(explicit: templates, executable: executable)
        } catch let error as SubmitError {
            throw InputError(error.description)
        }
        func template(_ name: String) throws -> String {
            try String(contentsOfFile: (templateDirectory as NSString).appendingPathComponent(name), encoding: .utf8)
        }
        let name = jobName ?? spec.name
        var common = [
            "JOB_NAME": name, "NODES": String(nodes), "NTASKS_PER_NODE": String(ntasksPerNode), "TIME": time,
            "PLATLAS": executable, "SPEC": spec.absolutePath, "EXTRA_ARGS": resume ? "--resume" : "",
        ]
        // The scripts this writes, claimed so that two submissions of one job never mix them.
        let scripts = dryRun ? [] : [(directory as NSString).appendingPathComponent(name + ".sbatch")]
            + (array == nil ? [] : [(directory as NSString).appendingPathComponent(name + "-collect.sbatch")])
        let exitCode: Int32
        do {
            exitCode = try OutputClaim.whileWriting(scripts, log: Log { Console.log($0) }) { () throws -> Int32 in
                if array == nil {
                    common["OUTPUT"] = outputPath
                    let script = try SlurmTemplate.fill(try template(SlurmTemplate.single), common, partition: partition)
                    if dryRun { Console.output(script); return 0 }
                    let scriptPath = (directory as NSString).appendingPathComponent(name + ".sbatch")
                    try AtomicFile.write(Data(script.utf8), to: scriptPath)
                    let (id, status) = try Self.sbatch(scriptPath, in: directory, wait: wait)
                    let log = (directory as NSString).appendingPathComponent("\(name)-\(id).out")
                    Console.log("submitted job \(id) (\(scriptPath))")
                    Console.output("job \(id): log \(log), output \(outputPath)")
                    return wait ? finish(id: id, status: status, log: log, output: outputPath) : 0
                }
                let taskDirectory = JobSpec.absolute(taskDir ?? String(outputPath.dropLast(outputPath.lowercased().hasSuffix(".hdf5") ? 5 : 3)) + "-tasks")
                var arrayValues = common
                arrayValues["ARRAY"] = "0-\(models.count - 1)" + (maxConcurrent.map { "%\($0)" } ?? "")
                arrayValues["MODEL_LIST"] = (taskDirectory as NSString).appendingPathComponent("models.txt")
                arrayValues["OUTDIR"] = taskDirectory
                let arrayScript = try SlurmTemplate.fill(try template(SlurmTemplate.array), arrayValues, partition: partition)
                var collectValues = ["JOB_NAME": name + "-collect", "TIME": time, "PLATLAS": executable,
                                     "OUTDIR": taskDirectory, "OUTPUT": outputPath]
                if dryRun {
                    collectValues["ARRAY_JOB_ID"] = "ARRAY_JOB_ID"
                    let collectScript = try SlurmTemplate.fill(try template(SlurmTemplate.collect), collectValues, partition: partition)
                    Console.output(arrayScript + "\n# ---- \(name)-collect.sbatch, submitted after the array job (ARRAY_JOB_ID: its id) ----\n" + collectScript)
                    Console.log("models (\(arrayValues["MODEL_LIST"]!)):\n" + models.joined(separator: "\n"))
                    return 0
                }
                try FileManager.default.createDirectory(atPath: taskDirectory, withIntermediateDirectories: true)
                try AtomicFile.write(Data((models.joined(separator: "\n") + "\n").utf8), to: arrayValues["MODEL_LIST"]!)
                let arrayPath = (directory as NSString).appendingPathComponent(name + ".sbatch")
                try AtomicFile.write(Data(arrayScript.utf8), to: arrayPath)
                let (arrayID, _) = try Self.sbatch(arrayPath, in: directory, wait: false)
                Console.log("submitted array job \(arrayID) (\(models.count) tasks, \(arrayPath))")
                collectValues["ARRAY_JOB_ID"] = arrayID
                let collectScript = try SlurmTemplate.fill(try template(SlurmTemplate.collect), collectValues, partition: partition)
                let collectPath = (directory as NSString).appendingPathComponent(name + "-collect.sbatch")
                try AtomicFile.write(Data(collectScript.utf8), to: collectPath)
                let (collectID, status) = try Self.sbatch(collectPath, in: directory, wait: wait)
                let log = (directory as NSString).appendingPathComponent("\(name)-collect-\(collectID).out")
                Console.log("submitted collect job \(collectID) after array job \(arrayID) (\(collectPath))")
                Console.output("array job \(arrayID): logs \(directory)/\(name)-\(arrayID)_N.out, task files \(taskDirectory)/task-N.h5\n"
                               + "collect job \(collectID): log \(log), output \(outputPath)")
                return wait ? finish(id: collectID, status: status, log: log, output: outputPath) : 0
            }
        } catch let error as SubmitError {
            throw InputError(error.description)
        }
        if exitCode != 0 { Console.flushAndExit(exitCode) }
    }

    /// Reports the end of the job waited for; the exit code to end with (the job's).
    func finish(id: String, status: Int32, log: String, output: String) -> Int32 {
        if status == 0 {
            Console.output("job \(id) finished: exit code 0; log \(log); output \(output)")
        } else {
            Console.output("job \(id) failed: exit code \(status); log \(log) (and .err)")
        }
        return status
    }

    /// Runs `sbatch --parsable [--wait] SCRIPT` in `directory`; the job id and sbatch's exit
    /// status (with --wait: the job's exit code).
    static func sbatch(_ script: String, in directory: String, wait: Bool) throws -> (String, Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + (wait ? ["--wait"] : []) + [script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        do {
            try process.run()
        } catch {
            throw SubmitError("cannot start sbatch: \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = text.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SubmitError("sbatch did not submit \(script) (exit code \(process.terminationStatus))" + (text.isEmpty ? "" : ": \(text)"))
        }
        return (id, process.terminationStatus)
    }
}
