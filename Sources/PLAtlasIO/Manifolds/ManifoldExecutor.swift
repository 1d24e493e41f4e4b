import PLAtlasCore

/// One manifold as a rank holds it after a distributed construction: its own sheets and points
/// in `manifold` (every other field global), the global counts, where its rows go in the file.
public struct ManifoldShare: Sendable {
    public var manifold: Manifold
    public var totals: ManifoldTotals
    public var part: ManifoldPart
    public var parentRows: [Int]
    public var deltaSigma: DeltaSigma?
    public var coverage: Coverage?

    public init(_ result: ManifoldResult) {
        manifold = result.manifold
        totals = result.totals
        part = result.part
        parentRows = result.parentRows
        deltaSigma = result.deltaSigma
        coverage = result.coverage
    }
}

/// Builds manifolds over the job's ranks (the cluster layer's `MPIManifoldExecutor`, a
/// `ManifoldConstruction` over MPI); job-spec `[[manifold]]` analyses use it. Every rank calls it
/// with the same builders.
public protocol ManifoldExecutor {
    /// Builds with `options` (what is measured at the end: Delta_sigma, coverage; the
    /// distribution's settings).
    func build(_ builders: [ManifoldBuilder], options: DistributionOptions, log: Log) throws -> [ManifoldShare]
}

extension ManifoldExecutor {
    /// Builds with the default distribution, Delta_sigma and coverage.
    public func build(_ builders: [ManifoldBuilder], log: Log) throws -> [ManifoldShare] {
        try build(builders, options: DistributionOptions(), log: log)
    }
}
