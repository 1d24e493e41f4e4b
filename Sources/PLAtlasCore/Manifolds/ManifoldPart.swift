/// Global counts of a manifold whose sheets may be spread over ranks.
public struct ManifoldTotals: Sendable, Equatable {
    public var regions: Int
    public var sheets: Int
    public var supportPoints: Int
    public var points: Int

    public init(regions: Int, sheets: Int, supportPoints: Int, points: Int) {
        self.regions = regions
        self.sheets = sheets
        self.supportPoints = supportPoints
        self.points = points
    }

    /// The counts of a whole manifold.
    public init(_ manifold: Manifold) {
        self.init(regions: manifold.regions.count, sheets: manifold.sheets.count,
                  supportPoints: manifold.sheets.reduce(0) { $0 + $1.supportPoints.count }, points: manifold.points.count)
    }
}

/// Where one rank's part of a distributed manifold goes in the datasets of `/manifolds/<name>`:
/// its first sheet, support point and sample point (exclusive scans of the ranks' counts).
public struct ManifoldPart: Sendable {
    public var totals: ManifoldTotals
    public var sheetOffset: Int
    public var supportOffset: Int
    public var pointOffset: Int
    /// The last rank also writes the closing entry of `support_offsets`.
    public var isLast: Bool
    /// Every sheet on every rank has a normal (codimension-1 stable manifolds).
    public var normals: Bool

    public init(totals: ManifoldTotals, sheetOffset: Int, supportOffset: Int, pointOffset: Int, isLast: Bool, normals: Bool) {
        self.totals = totals
        self.sheetOffset = sheetOffset
        self.supportOffset = supportOffset
        self.pointOffset = pointOffset
        self.isLast = isLast
        self.normals = normals
    }

    /// A whole manifold on one writer.
    public init(whole manifold: Manifold) {
        self.init(totals: ManifoldTotals(manifold), sheetOffset: 0, supportOffset: 0, pointOffset: 0, isLast: true,
                  normals: !manifold.sheets.isEmpty && manifold.sheets.allSatisfy { $0.normal != nil })
    }
}
