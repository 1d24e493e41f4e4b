import Foundation
import MPI
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasCluster
import PLAtlasIO

/// The files a command run writes, claimed before it touches any of them (docs/cluster.md,
/// "One run per output"): rank 0 locks them (`OutputLock`, `OUT.lock` beside each) and
/// removes the temporary files of earlier runs of them that were killed; a file another run is
/// writing refuses the run with exit code 2 on every rank, before anything is written. So does
/// a directory that some rank cannot see (`SharedStorage`: node-local storage in a job over
/// several nodes).
enum OutputClaim {
    /// Claims `outputs` (nil entries ignored) for `body` and releases them after it, also when
    /// it throws. With a communicator of several ranks, rank 0 claims and tells the others.
    static func whileWriting<R>(_ outputs: [String?], world: Communicator? = nil, log: Log,
                                _ body: () throws -> R) throws -> R {
        let paths = outputs.compactMap { $0 }
        guard !paths.isEmpty else { return try body() }
        var lock: OutputLock?
        var refusal: String?
        if world?.isRoot ?? true {
            do {
                lock = try OutputLock.acquire(paths)
            } catch {
                refusal = error.description
            }
        }
        if let world, world.size > 1, try world.broadcast(refusal == nil ? 0 : 1) != 0 {
            throw InputError(refusal ?? "an output is being written by another run")
        }
        if let refusal { throw InputError(refusal) }
        defer { lock?.release() }
        if let world { try SharedStorage.requireShared(paths, world: world) }
        if let lock {
            FaultInjection.outputsClaimed()
            for (output, reason) in lock.unlocked {
                log("\(output): written without a lock (\(OutputLock.path(for: output)): \(reason))")
            }
            for path in paths {
                for stale in AtomicFile.removeStaleTemporaries(of: path) {
                    log("removed \(stale), left by a run that was stopped")
                }
            }
        }
        return try body()
    }
}

/// Which process of a launch this is, for commands that do not use MPI: `mpirun` and `srun`
/// start one copy per rank, and only the first may print or write (the others have checked
/// their inputs as well, so bad input still exits 2 on every rank, and then stop).
enum Launch {
    /// The rank the launcher gave this process (Open MPI, PMIx, MPICH/PMI, Slurm), 0 without one.
    static var rank: Int {
        let environment = ProcessInfo.processInfo.environment
        for name in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"] {
            if let value = environment[name], let rank = Int(value) { return rank }
        }
        return 0
    }
}
