import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// Whether `withMPI` has initialised MPI in this process and not yet finalised it.
public var mpiIsRunning: Bool {
    var initialised: Int32 = 0
    var finalised: Int32 = 0
    MPI_Initialized(&initialised)
    MPI_Finalized(&finalised)
    return initialised != 0 && finalised == 0
}

/// Runs `body` between `MPI_Init_thread` and `MPI_Finalize` with the world communicator, whose
/// errors return to the caller instead of aborting.
///
/// If `body` throws, the error is printed to standard error as `platlas: rank R: <error>`
/// and the whole job is aborted with `MPI_Abort(exitCode)`, so no rank waits forever in a
/// collective. A binary started without `mpirun` runs as a single rank.
public func withMPI<R>(abortExitCode: Int32 = 1, _ body: (Communicator) throws -> R) -> R {
    var argc: Int32 = 0
    var provided: Int32 = 0
    let code = MPI_Init_thread(&argc, nil, cmpi_thread_funneled(), &provided)
    if code != cmpi_success() {
        writeStandardError("platlas: MPI_Init failed: \(errorString(code))\n")
        exit(abortExitCode)
    }
    let world = Communicator(handle: cmpi_comm_world())
    MPI_Comm_set_errhandler(world.handle, cmpi_errors_return())
    do {
        let result = try body(world)
        MPI_Finalize()
        return result
    } catch {
        let rank = world.rank
        writeStandardError("platlas: rank \(rank): \(error)\n")
        if world.size == 1 {
            MPI_Finalize()
            exit(abortExitCode)
        }
        world.abort(code: abortExitCode)
    }
}

/// Runs `body` on every rank of a job: under MPI (`withMPI`) when a launcher started the
/// process (`launched`), else as one process with `Communicator.alone`, without initialising
/// MPI (which costs a few tenths of a second). Errors end the process as `withMPI` does.
public func withRanks<R>(launched: Bool, abortExitCode: Int32 = 1, _ body: (Communicator) throws -> R) -> R {
    if launched { return withMPI(abortExitCode: abortExitCode, body) }
    do {
        return try body(.alone)
    } catch {
        writeStandardError("platlas: rank 0: \(error)\n")
        exit(abortExitCode)
    }
}

/// Whether a launcher (mpirun, mpiexec, srun) started this process, from the variables it
/// sets: Open MPI's `OMPI_COMM_WORLD_SIZE`, PMIx's `PMIX_RANK`, PMI's `PMI_RANK` / `PMI_SIZE`,
/// or a Slurm job step of several tasks (`SLURM_STEP_ID` with `SLURM_NTASKS` > 1).
public func startedByLauncher(_ environment: [String: String]) -> Bool {
    if ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains(where: { environment[$0] != nil }) { return true }
    if environment["SLURM_STEP_ID"] != nil, let tasks = environment["SLURM_NTASKS"].flatMap(Int.init), tasks > 1 { return true }
    return false
}

/// Writes text to file descriptor 2 without buffering.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
