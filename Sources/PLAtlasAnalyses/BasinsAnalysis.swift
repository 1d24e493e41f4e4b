import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

/// Which attractor lies on which side of a saddle's codimension-1 stable manifold, for
/// `platlas basins` and `[[basins]]`: the manifold and the grid shared over the run's ranks; the
/// manifold goes to `/manifolds/cycleI-stable` with the sides as attributes.
public struct BasinsAnalysis: Analysis {
    public var setup: SaddleSetup
    public var grid: Int?
    public var band: Double?
    public var allowNonInvertible: Bool
    /// Keep the grid's cells and gather the whole manifold on every rank (for a figure).
    public var forFigure = false

    public init(setup: SaddleSetup, grid: Int?, band: Double?, allowNonInvertible: Bool) {
        self.setup = setup
        self.grid = grid
        self.band = band
        self.allowNonInvertible = allowNonInvertible
    }

    /// The checks of `grid` and `band`.
    public static func check(grid: Int?, band: Double?, naming: OptionNaming) throws(OptionValueError) {
        try naming.check("grid", grid, atLeast: 2, atMost: 5000)
        try naming.check("band", band, atLeast: 0, "a non-negative number")
    }

    public static let kind = AnalysisKind(
        name: "basins",
        summary: "the sides of a saddle's stable manifold (a basin boundary) and where they go",
        keys: SaddleKeys.keys + [
            .init("grid", "classify an N x N grid of initial conditions by brute force and compare"),
            .init("band", "grid points closer than this to the manifold are not compared (default 1% of the box diagonal)"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in
            let setup = try SaddleKeys.parse(table, context, defaultIterations: 200)
            if setup.point != nil { throw table.error("point", "[[basins]] takes the saddle as 'saddle' (a cycle index), not 'point'") }
            let grid = try table.int("grid"), band = try table.double("band")
            try table.checking { naming throws(OptionValueError) in try check(grid: grid, band: band, naming: naming) }
            return BasinsAnalysis(setup: setup, grid: grid, band: band, allowNonInvertible: try table.bool("allow_non_invertible") ?? false)
        })

    public struct Result: Sendable {
        public var run: SaddleSetup.BasinsRun
        /// The whole manifold on every rank, with `forFigure`.
        public var whole: Manifold?
    }

    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let plan = try setup.basinsPlan(model: context.model, log: context.log)
        let share = try context.buildManifolds([plan.builder])[0]
        let run = try setup.basins(plan, share: share, grid: grid, band: band, keepCells: forFigure, allowNonInvertible: allowNonInvertible,
                                   collective: context.collective, log: context.log)
        return Result(run: run, whole: forFigure ? try share.gathered(context.collective) : nil)
    }

    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        try result.run.write(into: root, analysis: group)
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        let computed = result.run
        var summary = "/manifolds/\(computed.name): \(computed.totals.sheets) sheets in \(computed.totals.regions) regions; " + computed.sidesSummary
        if let g = computed.gridSummary() { summary += "; " + g }
        return AnalysisOutcome(summary: summary, json: computed.json())
    }
}

// The cycle search that finds the saddle (none when the cycles come from a file).
extension BasinsAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
