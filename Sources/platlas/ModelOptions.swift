import ArgumentParser
import PLAtlasCore
import PLAtlasIO

/// The model argument every analysis takes.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Model file (JSON or HDF5; docs/model-format.md).", valueName: "model"))
    var modelPath: String

    @Option(help: "HDF5 group holding the model.")
    var group = "/model"

    @Option(help: ArgumentHelp("Which model of a stack file to use (0-based).", valueName: "i"))
    var modelIndex: Int?

    func load() throws -> Model {
        try ModelFile.loadSingle(modelPath, group: group, index: modelIndex)
    }
}
