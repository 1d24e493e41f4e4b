import ArgumentParser
import PLAtlasCore
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

        Examples:
          platlas info model.json
          platlas info results.h5 --group /model --json
        """)
    )

    @Argument(help: ArgumentHelp("Model file (JSON or HDF5).", valueName: "model"))
    var modelPath: String

    @Option(help: "HDF5 group holding the model.")
    var group = "/model"

    @Flag(help: "Print one JSON document to stdout.")
    var json = false

    @Option(help: "Seed for sampling regions when they are too many to enumerate.")
    var seed: UInt64 = 1

    var models: [Model] = []

    enum CodingKeys: CodingKey { case modelPath, group, json, seed }

    mutating func prepare() throws {
        models = try ModelFile.load(modelPath, group: group)
    }

    func run() throws {
        var entries: [JSONOutput] = []
        var lines: [String] = []
        for (i, model) in models.enumerated() {
            let form = model.shallowForm()
            let signs = form.determinantSigns(expectedCellCount: model.regionCountUpperBound, seed: seed)
            let fields = ModelFacts.modelFields(model, form) + [("invertibility", .object(ModelFacts.invertibilityFields(signs)))]
            entries.append(.object(fields))
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
        if json {
            let document: JSONOutput = models.count == 1
                ? entries[0]
                : .object([("stack", .array(entries))])
            Console.output(document)
        } else {
            Console.output("\(modelPath)\n" + lines.joined(separator: "\n"))
        }
    }

    static func formatCount(_ x: Double) -> String {
        x < 1e15 ? String(Int(x)) : "2^\(Int(x.exponent))"
    }
}
