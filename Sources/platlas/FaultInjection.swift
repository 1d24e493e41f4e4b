import Foundation

/// Stops the process at a chosen point, as a node failure, a time limit or a slow run would, so
/// that tests of recovery and of concurrent runs do not depend on timing (docs/cluster.md,
/// "Testing recovery"). Set by environment variables that no user needs:
///
///     PLATLAS_HALT_AFTER_POINTS=N   a sweep (`platlas sweep`, or a [[sweep]] of `platlas run`)
///                                   kills itself with SIGKILL right after the checkpoint write
///                                   that brings the points done in its file to N or more
///     PLATLAS_PAUSE_AFTER_POINTS=N  the same, but stops itself with SIGSTOP (SIGCONT resumes it)
///     PLATLAS_PAUSE_AFTER_CLAIM=1   any command stops itself with SIGSTOP once it has claimed
///                                   its outputs (OutputClaim), before computing
///     PLATLAS_HALT_AFTER_CHECKPOINTS=N  `platlas manifold` kills itself (every rank, SIGKILL)
///                                   right after its N-th checkpoint write
enum FaultInjection {
    static let environment = ProcessInfo.processInfo.environment
    static let haltAfterPoints: Int? = environment["PLATLAS_HALT_AFTER_POINTS"].flatMap { Int($0) }
    static let pauseAfterPoints: Int? = environment["PLATLAS_PAUSE_AFTER_POINTS"].flatMap { Int($0) }
    static let pauseAfterClaim = environment["PLATLAS_PAUSE_AFTER_CLAIM"] == "1"
    static let haltAfterCheckpoints: Int? = environment["PLATLAS_HALT_AFTER_CHECKPOINTS"].flatMap { Int($0) }

    /// Called on every rank after each checkpoint write of a manifold construction.
    static func manifoldCheckpointWritten() {
        checkpointsWritten += 1
        if let limit = haltAfterCheckpoints, checkpointsWritten >= limit { kill(getpid(), SIGKILL) }
    }

    /// Checkpoints written so far. Set from the main thread only.
    nonisolated(unsafe) static var checkpointsWritten = 0

    /// Called on every rank after each checkpoint write of a sweep, with the points now done.
    static func sweepCheckpointWritten(pointsDone: Int) {
        if let limit = haltAfterPoints, pointsDone >= limit { kill(getpid(), SIGKILL) }
        if let limit = pauseAfterPoints, pointsDone >= limit, !paused {
            paused = true
            kill(getpid(), SIGSTOP)
        }
    }

    /// Called by the rank that claimed a command's outputs.
    static func outputsClaimed() {
        if pauseAfterClaim { kill(getpid(), SIGSTOP) }
    }

    /// Whether the sweep has paused (once only). Set from the main thread only.
    nonisolated(unsafe) static var paused = false
}
