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

/// `--plot F.svg` of the manifold commands.
struct PlotOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Draw the first two coordinates (a projection for M > 2) into this SVG file.", valueName: "F.svg"))
    var plot: String?

    func validate() throws {
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got '\(plot)'") }
        try OutputPath.check(plot, option: "--plot")
    }
}
