import ArgumentParser
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas convert IN OUT`: between JSON and HDF5 model files.
struct ConvertCommand: ParsableCommand, PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model file between JSON and HDF5 (bit-identical parameters).",
        discussion: reflow("""
        The output format follows the extension of OUT: .json, or .h5/.hdf5. A stack of models
        converts as a stack.

        Examples:
          platlas convert model.json model.h5
          platlas convert results.h5 model.json --group /model
        """)
    )

    @Argument(help: ArgumentHelp("Model file to read (JSON or HDF5).", valueName: "in"))
    var inputPath: String

    @Argument(help: ArgumentHelp("File to write (.json, .h5 or .hdf5).", valueName: "out"))
    var outputPath: String

    @Option(help: "HDF5 group holding the model (reading), or receiving it (writing).")
    var group = "/model"

    var models: [Model] = []

    enum CodingKeys: CodingKey { case inputPath, outputPath, group }

    func validate() throws {
        let lower = outputPath.lowercased()
        guard lower.hasSuffix(".json") || lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") else {
            throw ValidationError("the output must end in .json, .h5 or .hdf5: \(outputPath)")
        }
        try OutputPath.check(outputPath, option: "output \(outputPath)")
    }

    mutating func prepare() throws {
        models = try ModelFile.load(inputPath, group: group)
    }

    func run() throws {
        try OutputClaim.whileWriting([outputPath], log: Log { Console.log($0) }) {
            if outputPath.lowercased().hasSuffix(".json") {
                try ModelFile.writeJSON(models, to: outputPath)
            } else {
                try ModelFile.writeHDF5(models, to: outputPath, group: group)
            }
        }
        Console.log("wrote \(models.count == 1 ? "the model" : "\(models.count) models") to \(outputPath)")
    }
}
