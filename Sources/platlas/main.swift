// The platlas command line: parse and validate everything first (on every rank, before MPI
// starts, so --help and bad input exit cleanly), then run the command, under MPI if it computes.
import PLAtlasAnalyses
import PLAtlasIO
import PLAtlasCore
import ArgumentParser
import Foundation
import HDF5
import MPI

// A parent may have blocked termination signals (some launchers and test runners do); a job
// killed at its time limit must stop when it is told to.
var termination = sigset_t()
sigemptyset(&termination)
sigaddset(&termination, SIGTERM)
sigaddset(&termination, SIGINT)
sigprocmask(SIG_UNBLOCK, &termination, nil)

// Sizes from files and options are checked against the limits (PLATLAS_MAX_*) before anything of
// that size is allocated; an HDF5 read claiming more than one array may hold fails before it
// allocates.
do {
    try Limits.checkEnvironment()
} catch {
    Console.error(error.description)
    Console.flushAndExit(2)
}
ReadLimit.elements = Limits.current[.values]
ReadLimit.advice = "set \(Limits.Kind.values.variable) to raise it"

// MPI-IO hints for parallel files from the environment (a job spec adds its own `mpiio_hints`;
// docs/cluster.md, "MPI-IO hints").
if let text = ProcessInfo.processInfo.environment["PLATLAS_MPIIO_HINTS"] {
    let (hints, problem) = MPIIOHints.parse(text)
    if let problem {
        Console.error("PLATLAS_MPIIO_HINTS: \(problem) (expected key=value,key=value, e.g. romio_cb_write=enable,striping_factor=8)")
        Console.flushAndExit(2)
    }
    MPIIOHints.current = hints
}

let command: ParsableCommand
do {
    var parsed = try Platlas.parseAsRoot()
    if var prepared = parsed as? PreparedCommand {
        try prepared.prepare()
        parsed = prepared
    }
    command = parsed
} catch {
    Console.exit(with: error)
}

if let distributed = command as? DistributedCommand {
    // MPI starts only when a launcher started the process; one process alone runs without it.
    let status = withRanks(launched: startedByLauncher(ProcessInfo.processInfo.environment), abortExitCode: 1) { world in
        let status: Int32
        do {
            try distributed.run(world: world)
            status = 0
        } catch let error as InputError {
            // Raised identically on every rank (they share the inputs), so no rank is left waiting.
            if world.isRoot { Console.error(error.description) }
            status = 2
        } catch let error as OutputWriteError where world.size == 1 {
            // A full disk: the temporary file is gone; one line, exit code 1. (With several
            // ranks the failure may be one rank's alone: withMPI aborts the job.)
            Console.error(error.description)
            status = 1
        } catch where world.size == 1 && !hdf5LibraryCanShutDown {
            Console.error("\(error)")
            status = 1
        }
        // A file that could not be closed leaves HDF5 unable to shut down in MPI_Finalize.
        if !hdf5LibraryCanShutDown { Console.flushAndExit(status) }
        return status
    }
    if status != 0 { Console.flushAndExit(status) }
} else if Launch.rank != 0 {
    // Another copy started by mpirun or srun: it has checked the inputs; the first copy does
    // the work, prints and writes.
    Console.flushAndExit(0)
} else {
    do {
        var runnable = command
        try runnable.run()
    } catch {
        Console.exit(with: error)
    }
}
if !hdf5LibraryCanShutDown { Console.flushAndExit(0) }
