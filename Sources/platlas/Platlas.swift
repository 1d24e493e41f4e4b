import ArgumentParser
import MPI
import PLAtlasCore

/// `platlas`: the root command.
struct Platlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platlas",
        abstract: "Map the state space of piecewise-linear RNNs: fixed points, cycles, manifolds, bifurcations.",
        discussion: """
        Models are PLRNN, shPLRNN, clipped shPLRNN and ALRNN files in JSON or HDF5
        (docs/model-format.md). Every computing command writes one JSON document to stdout with
        --json and an HDF5 file with --output (docs/hdf5-schema.md); logs and progress go to
        stderr. Computing commands run as one process, under mpirun, or under srun.

        Exit codes: 0 success, 1 failure while computing, 2 bad input (options, model files).
        """,
        version: platlasVersion,
        subcommands: [InfoCommand.self, CyclesCommand.self, FitCommand.self, ConvertCommand.self, SweepCommand.self]
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
