import ArgumentParser
import Foundation
import HDF5
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas run SPEC`: every analysis of a job spec into one result file.
struct RunCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the analyses of a job spec (TOML) into one HDF5 file.",
        discussion: reflow("""
        A job spec names a model and the analyses to run on it, each a table with its options
        (docs/jobs.md):

          model = "models/duffing.json"   # relative to the spec's directory
          [[cycles]]
          max_order = 8

        The whole spec is checked and the model loaded before any computation; a mistake is
        reported as FILE:LINE: message, exit code 2. Results go to one HDF5 file (default:
        NAME.h5 in the current directory, NAME being the spec's name): provenance, the model,
        the spec under /job, and one group per analysis (docs/hdf5-schema.md, "Jobs").
        Analyses available: info, cycles, manifold, basins, intersections (manifolds go to
        /manifolds/NAME, intersection points to /intersections/NAME, as the commands write
        them), sweep (a parameter grid or, with stack = FILE, the models of a stack file, written
        to /sweep in the layout of `platlas sweep --output`).

        While it runs the file is OUT.h5.partial, renamed to OUT.h5 when every analysis is
        done; it records each finished analysis, and a sweep writes its points every
        flush_interval seconds. A run killed part-way (a time limit) and started again with
        --resume keeps the finished analyses, continues an interrupted sweep from its last
        written points and starts any other interrupted analysis again; the result is the same
        as that of an uninterrupted run. Without --resume a left-over OUT.h5.partial is
        overwritten. A second run on an output that a run is writing is refused (exit code 2)
        before it touches anything.

        Under mpirun or srun the ranks share each analysis; the results do not depend on the
        number of ranks.

        Examples:
          platlas run jobs/duffing.toml --output duffing.h5
          platlas run jobs/survey.toml --model jobs/models/vanderpol.json --json
          srun --mpi=pmix platlas run jobs/lorenz63.toml --output lorenz.h5
          mpirun -np 4 platlas run jobs/toymap-chart.toml --output chart.h5 --resume
        """)
    )

    @Argument(help: ArgumentHelp("Job spec (TOML; docs/jobs.md).", valueName: "spec"))
    var specPath: String

    @Option(help: ArgumentHelp("Use this model file instead of the spec's (relative to the current directory).", valueName: "file"))
    var model: String?

    @Flag(help: "Keep an output that is already complete for this spec and model, or continue its checkpoint (the output name plus .partial), instead of starting again.")
    var resume = false

    @OptionGroup var output: OutputOptions

    var spec: JobSpec?
    /// The models the run writes to `/model`: the spec's model (or --model), or the stack of a
    /// spec whose only analyses are stack sweeps.
    var models: [Model] = []
    var modelPath = ""
    var outputPath = ""

    enum CodingKeys: CodingKey { case specPath, model, resume, output }

    func validate() throws {
        try output.validate()
    }

    mutating func prepare() throws {
        let spec: JobSpec
        do {
            spec = try JobSpec.load(specPath)
        } catch {
            throw InputError(error.description)
        }
        if let model {
            modelPath = JobSpec.absolute(model)
            do {
                models = [try ModelFile.loadSingle(modelPath, group: "/model", index: nil)]
            } catch {
                throw InputError("--model: \(error.description)")
            }
        } else if let path = spec.modelPath {
            modelPath = path
            do {
                models = [try ModelFile.loadSingle(path, group: "/model", index: nil)]
            } catch {
                throw InputError(JobSpecError(spec.path, line: spec.modelLine, "model: \(error.description)").description)
            }
        } else if !spec.needsModel, let own = spec.ownModels {
            (modelPath, models) = own
        } else {
            throw InputError("\(spec.path): no model: add model = \"FILE\" to the spec or pass --model FILE")
        }
        do {
            try spec.check(models[0])
        } catch {
            throw InputError(error.description)
        }
        outputPath = output.output ?? spec.name + ".h5"
        if let problem = OutputPath.problem(with: outputPath) { throw InputError("output \(outputPath): \(problem)") }
        self.spec = spec
    }

    /// What is already there for this run: a complete output (kept with --resume) or a
    /// checkpoint to continue. Read once the output is claimed, so no other run changes it.
    func inspectOutput() -> (alreadyComplete: Bool, checkpoint: RunCheckpoint.Inspection) {
        let spec = spec!
        let partial = RunCheckpoint.path(for: outputPath)
        if resume {
            if Self.isComplete(outputPath, spec: spec, modelPath: modelPath) { return (true, .absent) }
            return (false, RunCheckpoint.inspect(partial, spec: spec, modelPath: modelPath, models: models))
        }
        return (false, FileManager.default.fileExists(atPath: partial) ? .unusable("--resume not given") : .absent)
    }

    /// Whether `path` is a finished result of this spec's text and this model.
    static func isComplete(_ path: String, spec: JobSpec, modelPath: String) -> Bool {
        guard File.isHDF5(path), let file = try? File.open(path) else { return false }
        var complete = false
        if let job = try? file.root.openGroup("job") {
            complete = (try? job.attributeString("spec")) == spec.text && (try? job.attributeString("model_path")) == modelPath
            try? job.close()
        }
        try? file.close()
        return complete
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        // The spec's MPI-IO hints, with those of PLATLAS_MPIIO_HINTS taking precedence.
        let fromEnvironment = MPIIOHints.current
        MPIIOHints.current = spec!.mpiIOHints.filter { hint in !fromEnvironment.contains { $0.key == hint.key } } + fromEnvironment
        try OutputClaim.whileWriting([outputPath], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        let spec = spec!
        let (alreadyComplete, checkpoint) = inspectOutput()
        if alreadyComplete {
            Console.reportAlreadyComplete(outputPath, json: output.json, world: world, log: log)
            return
        }
        let started = ContinuousClock.now
        let communicator: Communicator? = world.size > 1 ? world : nil
        let partial = RunCheckpoint.path(for: outputPath)
        log("job \(spec.name): \(spec.analyses.count) analyses of \(modelPath) on \(world.size) rank(s), output \(JobSpec.absolute(outputPath))")
        var completed = 0, continuing = false
        let file: ResultFile
        switch checkpoint {
        case .resumable(let done):
            completed = done
            continuing = true
            file = try ResultFile.reopen(outputPath, temporaryPath: partial, communicator: communicator)
            let removed = try RunCheckpoint.prepareToContinue(file.root, spec: spec, completed: done)
            log("continuing \(partial): \(done) of \(spec.analyses.count) analyses done"
                + (removed.isEmpty ? "" : "; removed what the interrupted analysis left: \(removed.joined(separator: ", "))"))
        case .unusable(let reason):
            log("not continuing \(partial) (\(reason)): starting again")
            fallthrough
        case .absent:
            file = try ResultFile.create(outputPath, models: models,
                                         provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                         communicator: communicator, temporaryPath: partial)
            try RunCheckpoint.writeJob(spec, modelPath: modelPath, into: file.root)
        }
        var outcomes: [(request: AnalysisRequest, summary: String, json: JSONOutput?, seconds: Double)] = []
        do {
            for (i, analysis) in spec.analyses.enumerated() {
                let position = "analysis \(i + 1)/\(spec.analyses.count)"
                if i < completed {
                    let earlier = try RunCheckpoint.outcome(of: analysis.group, in: file.root)
                    log("\(position): \(analysis.kind) -> /\(analysis.group): done by an earlier run: \(earlier.summary)")
                    outcomes.append((analysis, earlier.summary, nil, earlier.seconds))
                    continue
                }
                var context = AnalysisRunContext(model: models[0], world: world, log: log, resumingFrom: continuing && i == completed ? partial : nil)
                context.checkpointWritten = { FaultInjection.sweepCheckpointWritten(pointsDone: $0) }
                log("\(position): \(analysis.kind) (\(spec.path):\(analysis.line ?? 0)) -> /\(analysis.group)")
                let t0 = ContinuousClock.now
                let outcome = try analysis.configuration.run(context, into: file.root, group: analysis.group)
                let seconds = CycleSearch.seconds(since: t0)
                try RunCheckpoint.markCompleted(index: i, label: analysis.group, summary: outcome.summary, seconds: seconds, in: file.root)
                log("\(position) done: \(outcome.summary)")
                outcomes.append((analysis, outcome.summary, outcome.json, seconds))
            }
        } catch let error as InputError {
            file.abandon()
            throw error
        } catch {
            // Keep the checkpoint: `--resume` continues it once the cause is fixed (unless a
            // write was refused: a full disk may have left it inconsistent).
            throw file.abandon(after: error, keep: true)
        }
        try file.finish()
        let seconds = CycleSearch.seconds(since: started)
        log("wrote \(outputPath)")
        guard world.isRoot else { return }
        if output.json {
            Console.output(JSONOutput.object([
                ("spec", .string(spec.path)),
                ("name", .string(spec.name)),
                ("model", .string(modelPath)),
                ("output", .string(outputPath)),
                ("ranks", .integer(world.size)),
                ("seconds", .number(seconds)),
                ("analyses", .array(outcomes.map { o in
                    var fields: [(String, JSONOutput)] = [
                        ("kind", .string(o.request.kind)), ("group", .string("/" + o.request.group)),
                        ("seconds", .number(o.seconds)), ("result", o.json ?? .null),
                    ]
                    if o.json == nil { fields.append(("from_checkpoint", .bool(true))) }
                    return .object(fields)
                })),
            ]))
        } else {
            var lines = ["\(spec.name): \(outcomes.count) analyses on \(world.size) rank(s) in \(formatSeconds(seconds)) s -> \(outputPath)"]
            lines += outcomes.map { "  " + $0.summary + ($0.json == nil ? " (done by an earlier run)" : "") }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}
