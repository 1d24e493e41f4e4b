import ArgumentParser
import Foundation
import HDF5
import MPI
import PLAtlasCluster
import PLAtlasCore
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
        them). Planned (refused as not available in this version): sweep.

        Under mpirun or srun the ranks share each analysis; the results do not depend on the
        number of ranks.

        Examples:
          platlas run jobs/duffing.toml --output duffing.h5
          platlas run jobs/survey.toml --model jobs/models/vanderpol.json --json
          srun --mpi=pmix platlas run jobs/lorenz63.toml --output lorenz.h5
        """)
    )

    @Argument(help: ArgumentHelp("Job spec (TOML; docs/jobs.md).", valueName: "spec"))
    var specPath: String

    @Option(help: ArgumentHelp("Use this model file instead of the spec's (relative to the current directory).", valueName: "file"))
    var model: String?

    @Flag(help: "Keep an output that is already complete for this spec and model instead of computing it again.")
    var resume = false

    @OptionGroup var output: OutputOptions

    var spec: JobSpec?
    var loaded: Model?
    var modelPath = ""
    var outputPath = ""
    var alreadyComplete = false

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
                loaded = try ModelFile.loadSingle(modelPath, group: "/model", index: nil)
            } catch {
                throw InputError("--model: \(error.description)")
            }
        } else if let path = spec.modelPath {
            modelPath = path
            do {
                loaded = try ModelFile.loadSingle(path, group: "/model", index: nil)
            } catch {
                throw InputError(JobSpecError(spec.path, line: spec.modelLine, "model: \(error.description)").description)
            }
        } else {
            throw InputError("\(spec.path): no model: add model = \"FILE\" to the spec or pass --model FILE")
        }
        outputPath = output.output ?? spec.name + ".h5"
        self.spec = spec
        if resume { alreadyComplete = Self.isComplete(outputPath, spec: spec, modelPath: modelPath) }
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
        let spec = spec!, model = loaded!
        let log = Console.rankLog(world)
        if alreadyComplete {
            log("\(outputPath) is already complete for \(spec.path) (--resume): nothing to do")
            if world.isRoot {
                Console.output(output.json ? JSONOutput.object([("output", .string(outputPath)), ("resumed", .bool(true))]).serialized()
                               : "\(outputPath): already complete, kept")
            }
            return
        }
        let started = ContinuousClock.now
        log("job \(spec.name): \(spec.analyses.count) analyses of \(modelPath) on \(world.size) rank(s), output \(JobSpec.absolute(outputPath))")
        let file = try ResultFile.create(outputPath, models: [model],
                                         provenance: Provenance(command: Provenance.commandLine(), ranks: world.size),
                                         communicator: world.size > 1 ? world : nil)
        var outcomes: [(AnalysisRequest, AnalysisOutcome, Double)] = []
        do {
            let job = try file.root.createGroup("job")
            try job.setAttribute("name", spec.name)
            try job.setAttribute("spec_path", spec.absolutePath)
            try job.setAttribute("spec", spec.text)
            try job.setAttribute("model_path", modelPath)
            try job.writeStrings("analyses", spec.analyses.map(\.group))
            try job.writeStrings("kinds", spec.analyses.map(\.kind))
            try job.close()
            let context = AnalysisRunContext(model: model, collective: MPICycleCollective(world), log: log)
            for (i, analysis) in spec.analyses.enumerated() {
                log("analysis \(i + 1)/\(spec.analyses.count): \(analysis.kind) (\(spec.path):\(analysis.line ?? 0)) -> /\(analysis.group)")
                let t0 = ContinuousClock.now
                let outcome = try analysis.configuration.run(context, into: file.root, group: analysis.group)
                let seconds = CycleSearch.seconds(since: t0)
                log("analysis \(i + 1)/\(spec.analyses.count) done: \(outcome.summary)")
                outcomes.append((analysis, outcome, seconds))
            }
        } catch let error as AnalysisInputError {
            file.abandon()
            throw InputError(error.description)
        } catch {
            file.abandon()
            throw error
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
                ("analyses", .array(outcomes.map { request, outcome, seconds in
                    .object([("kind", .string(request.kind)), ("group", .string("/" + request.group)),
                             ("seconds", .number(seconds)), ("result", outcome.json)])
                })),
            ]))
        } else {
            var lines = ["\(spec.name): \(outcomes.count) analyses on \(world.size) rank(s) in \(formatSeconds(seconds)) s -> \(outputPath)"]
            lines += outcomes.map { "  " + $0.1.summary }
            Console.output(lines.joined(separator: "\n"))
        }
    }
}
