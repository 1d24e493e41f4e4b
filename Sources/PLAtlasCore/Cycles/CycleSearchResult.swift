import ComplexModule
import LinearAlgebra
import RealModule

/// Statistics of one order of a cycle search.
public struct CycleOrderStatistics: Sendable, Equatable {
    public var order: Int
    /// Distinct cycles of this minimal period found.
    public var cyclesFound = 0
    /// Restarts run (heuristic) or sequences enumerated (exhaustive), over all ranks.
    public var restarts = 0
    /// The smallest restart index by which every cycle found had been found (heuristic).
    public var restartsUntilLastFind = 0
    public var candidatesEvaluated = 0
    /// Candidates skipped because I - P was singular (or the solution not finite).
    public var singularSystems = 0
    /// Real solutions whose region sequence repeats with a shorter period (lower-order cycles).
    public var nonMinimal = 0
    public var seconds = 0.0
    /// Whether every sequence of this order was enumerated (exact) rather than sampled.
    public var exhaustive = false
    /// m x m products composed (prefixes shared between consecutive sequences are not redone).
    public var products = 0
}

/// The result of a cycle search: every cycle found, ordered by order then region sequence.
public struct CycleSearchResult: Sendable {
    public var cycles: [Cycle]
    public var statistics: [CycleOrderStatistics]
    /// For shallow models: the cells found by the survey and whether that is all of them.
    public var cellsSurveyed: Int?
    public var cellSurveyComplete: Bool?
    /// Time spent finding the cells (shallow models), before any candidate.
    public var cellSurveySeconds = 0.0
    public var exhaustive: Bool

    public var candidatesEvaluated: Int { statistics.reduce(0) { $0 + $1.candidatesEvaluated } }
}

/// Errors that stop a cycle search before it starts.
public enum CycleSearchError: Error, CustomStringConvertible, Equatable {
    case invalidOrder(String)
    case exhaustiveTooLarge(sequences: Double, limit: Int)
    case exhaustiveNeedsAllCells(found: Int, expected: Double)

    public var description: String {
        switch self {
        case .invalidOrder(let s): return s
        case .exhaustiveTooLarge(let n, let limit):
            return "exhaustive search would evaluate \(Self.format(n)) region sequences, more than the limit of \(limit) sequences; raise the exhaustive limit or lower the highest order"
        case .exhaustiveNeedsAllCells(let found, let expected):
            return "exhaustive search needs every linear region, but the cell survey found \(found) of \(Self.format(expected)); the model's hyperplanes may not be in general position (survey more lines)"
        }
    }

    static func format(_ x: Double) -> String { x < 1e15 ? String(Int(x)) : "\(x)" }
}

/// Fixed points and cycles of a piecewise-affine map (science.md section 2).
///
/// The heuristic (`exhaustive == false`) is SCYFI: from a random region sequence, solve for the
/// candidate, and while it is virtual jump to the sequence it actually visits; a restart runs
/// `innerIterations` such evaluations, drawing a fresh sequence after every real cycle or dead
/// end. Fresh sequences are random codes (all codes are regions of a PLRNN or ALRNN), random
/// cells from the cell survey (shallow models), or, every other time, the regions visited by a
/// trajectory from a random state. Restarts run in batches; an order is done after the first
/// batch that finds nothing new. Restart i of order k uses random stream (k, i) whatever rank
/// runs it, and cycles are reported from their canonical rotation, so the result for a seed does
/// not depend on the number of ranks.
///
/// The exhaustive search evaluates every aperiodic region sequence up to rotation (Lyndon words
/// over the regions) with shared prefixes computed once.
