import ArgumentParser
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// The model argument every analysis takes.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Model file (JSON or HDF5; docs/model-format.md).", valueName: "model"))
    var modelPath: String

    @Option(help: "HDF5 group holding the model.")
    var group = "/model"

    @Option(help: ArgumentHelp("Which model of a stack file to use (0-based).", valueName: "i"))
    var modelIndex: Int?

    /// The model; with `maxOrder`, also checks that a cycle search up to that order fits the
    /// limits (before MPI starts, as every input check).
    func load(maxOrder: Int? = nil) throws -> Model {
        let model = try ModelFile.loadSingle(modelPath, group: group, index: modelIndex)
        if let maxOrder {
            do { try CycleSearch.checkSize(maxOrder: maxOrder, dimension: model.dimension) } catch { throw InputError(error.description) }
        }
        return model
    }
}

/// `--plot F.svg` of the manifold commands.
struct PlotOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Draw the first two coordinates (a projection for M > 2) into this SVG file.", valueName: "F.svg"))
    var plot: String?

    func validate() throws { try Self.check(plot) }

    /// An SVG file in a directory that can be written.
    static func check(_ plot: String?) throws {
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got '\(plot)'") }
        try OutputPath.check(plot, option: "--plot")
    }
}
