import ArgumentParser
import Foundation
import MPI
import PLAtlasCore

/// `platlas`: the root command.
struct Platlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platlas",
        abstract: "Map the state space of piecewise-linear RNNs: fixed points, cycles, manifolds, bifurcations.",
        discussion: reflow("""
        Models are PLRNN, shPLRNN, clipped shPLRNN and ALRNN files in JSON or HDF5
        (docs/model-format.md). Every computing command writes one JSON document to stdout with
        --json and an HDF5 file with --output (docs/hdf5-schema.md); logs and progress go to
        stderr. Computing commands run as one process, under mpirun, or under srun.

        Every size that comes from a file or an option is checked against a limit before
        anything of that size is allocated (docs/model-format.md, "Limits"): the environment
        variables PLATLAS_MAX_DIMENSION (M, default 4096), PLATLAS_MAX_HIDDEN (H, 65536),
        PLATLAS_MAX_VALUES (numbers in one array, 134217728), PLATLAS_MAX_POINTS (sweep points,
        models in a stack, 1000000) and PLATLAS_MAX_COUNT (steps, restarts, samples,
        1000000000) raise them. Counts accept 1000, 1_000 or 1e3.

        Outputs are written under a temporary name and renamed when complete. A file that
        another run is writing is refused before anything is computed (a lock file OUT.lock
        beside it); a full disk ends the run with "no space left writing OUT", the temporary
        file removed and an earlier OUT untouched (docs/cluster.md, "Outputs").

        Exit codes: 0 success, 1 failure while computing, 2 bad input (options, model files, an
        output another run is writing).
        """),
        version: platlasVersion,
        subcommands: [InfoCommand.self, CyclesCommand.self, ManifoldCommand.self, BasinsCommand.self,
                      IntersectionsCommand.self, SweepCommand.self, FTLECommand.self, ReduceCommand.self, FitCommand.self, RunCommand.self, SubmitCommand.self,
                      CollectCommand.self, ConvertCommand.self, BenchKernelsCommand.self, BenchPreimagesCommand.self, BenchFTLECommand.self]
    )
}

/// A command that loads and checks its inputs before any computation (and before MPI starts).
protocol PreparedCommand: ParsableCommand {
    mutating func prepare() throws
}

/// A command that computes under MPI (as one rank when started without mpirun).
protocol DistributedCommand: ParsableCommand {
    func run(world: Communicator) throws
}

/// Help text written with line breaks for reading in source, reflowed for ArgumentParser, which
/// wraps to the terminal itself: lines of a paragraph are joined, except in paragraphs with
/// indented lines (examples, tables), which keep their lines.
func reflow(_ text: String) -> String {
    text.components(separatedBy: "\n\n").map { paragraph in
        let lines = paragraph.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.contains(where: { $0.hasPrefix("  ") }) {
            // Keep a heading line ("Examples:") and the indented lines as they are.
            return paragraph
        }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }.joined(separator: "\n\n")
}
