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

/// Writes text to file descriptor 2 without buffering.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
