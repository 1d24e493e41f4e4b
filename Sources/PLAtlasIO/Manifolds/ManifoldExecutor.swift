import PLAtlasCore

/// One manifold as a rank holds it after a distributed construction: its own sheets and points
/// in `manifold` (every other field global), the global counts, where its rows go in the file.
public struct ManifoldShare: Sendable {
    public var manifold: Manifold
    public var totals: ManifoldTotals
    public var part: ManifoldPart
    public var deltaSigma: DeltaSigma?

    public init(manifold: Manifold, totals: ManifoldTotals, part: ManifoldPart, deltaSigma: DeltaSigma?) {
        self.manifold = manifold
        self.totals = totals
        self.part = part
        self.deltaSigma = deltaSigma
    }
}

/// Builds manifolds over the job's ranks (the cluster layer's `MPIManifoldExecutor`, around
/// its DistributedManifoldRun); job-spec `[[manifold]]` analyses use it when the run provides
/// one. Every rank calls it with the same builders.
public protocol ManifoldExecutor {
    func build(_ builders: [ManifoldBuilder], log: Log) throws -> [ManifoldShare]
}
