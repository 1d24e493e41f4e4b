import ArgumentParser
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas info MODEL`: what a model file holds.
struct InfoCommand: ParsableCommand, PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: type, dimensions, number of linear regions, invertibility.",
        discussion: reflow("""
        Reports the model type, the state dimension M, the hidden units H (hyperplanes of the
        generic form F(z) = A z + W1 relu(N z + b) + h1), an upper bound on the number of linear
        regions, and the signs of det J over the regions (all regions when there are at most
        4096 region codes, otherwise 4096 random codes; for shallow models the cells found along
        4000 random lines, which is all of them when their count reaches the bound). One sign everywhere means the
        map is invertible, which stable manifolds need. Models beyond M = PLATLAS_MAX_DIMENSION
        (default 4096) or H = PLATLAS_MAX_HIDDEN (65536) are refused (docs/model-format.md,
        "Limits").

        --output F.h5 writes the facts as attributes of /info, as [[info]] in a job spec does
        (one model; docs/hdf5-schema.md). --json prints them, the invertibility fields both
        flat and under "invertibility" (a stack file: {"stack": [...]}).

        Examples:
          platlas info model.json
          platlas info results.h5 --group /model --json
          platlas info model.json --output info.h5
        """)
    )

    @Argument(help: ArgumentHelp("Model file (JSON or HDF5).", valueName: "model"))
    var modelPath: String

    @Option(help: "HDF5 group holding the model.")
    var group = "/model"

    @Option(help: "Seed for sampling regions when they are too many to enumerate.")
    var seed: UInt64 = 1

    @OptionGroup var output: OutputOptions

    var models: [Model] = []

    enum CodingKeys: CodingKey { case modelPath, group, seed, output }

    func validate() throws { try output.validate() }

    mutating func prepare() throws {
        models = try ModelFile.load(modelPath, group: group)
        if output.output != nil && models.count > 1 {
            throw InputError("--output writes /info of one model; \(modelPath) holds a stack of \(models.count)")
        }
    }

    /// One process: under a launcher only the first copy runs (it needs no MPI).
    func run() throws {
        let world = Communicator.alone
        let log = Console.rankLog(world)
        try OutputClaim.whileWriting([output.output], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        var entries: [JSONOutput] = []
        var lines: [String] = []
        for (i, model) in models.enumerated() {
            let (signs, outcome) = try AnalysisCommand.run(InfoAnalysis(seed: seed), group: "info",
                                                           context: AnalysisRunContext(model: model, world: world, log: log),
                                                           output: output.output, models: [model])
            entries.append(outcome.json)
            let prefix = models.count > 1 ? "[\(i)] " : ""
            var line = "\(prefix)\(model.kind.rawValue): M = \(model.dimension), H = \(model.hiddenUnits)"
            if let p = model.activeUnits { line += ", P = \(p)" }
            line += "; at most \(Self.formatCount(model.regionCountUpperBound)) linear regions"
            lines.append(line)
            let scope = ModelFacts.scope(signs)
            if signs.hasOneSign {
                lines.append("\(prefix)det J has one sign (\(signs.positive > 0 ? "+" : "-")) over \(scope): invertible there")
            } else {
                lines.append("\(prefix)det J: \(signs.positive) positive, \(signs.negative) negative, \(signs.zero) zero over \(scope): NOT invertible")
            }
        }
        guard world.isRoot else { return }
        if output.json {
            Console.output(models.count == 1 ? entries[0] : .object([("stack", .array(entries))]))
        } else {
            Console.output("\(modelPath)\n" + lines.joined(separator: "\n"))
        }
    }

    static func formatCount(_ x: Double) -> String {
        x < 1e15 ? String(Int(x)) : "2^\(Int(x.exponent))"
    }
}
