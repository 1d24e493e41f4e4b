import Foundation
import HDF5
import LinearAlgebra
import PLAtlasCore
import PLAtlasIO

/// The basins of a saddle's stable manifold (`platlas basins`, `[[basins]]`).
extension SaddleSetup {
    // MARK: - basins

    /// What a basins computation starts from: the cycles, the saddle's index, the box, the
    /// builder of the saddle's stable manifold and the attractors (the stable cycles).
    public struct BasinsPlan {
        public var cycles: [Cycle]
        public var index: Int?
        public var box: Box
        public var builder: ManifoldBuilder
        /// The cycle index of each attractor.
        public var attractorIndices: [Int]
        /// The manifold's group under `/manifolds`.
        public var name: String
    }

    public func basinsPlan(model: Model, log: Log) throws -> BasinsPlan {
        let form = model.shallowForm()
        let (cycles, chosen, index) = try resolve(model: model, log: log)
        let box = try box(for: chosen, cycles: cycles, form: form)
        guard chosen.unstableDimension == 1 else {
            throw InputError("the saddle has unstable dimension \(chosen.unstableDimension): its stable manifold is not a codimension-1 basin boundary")
        }
        return BasinsPlan(cycles: cycles, index: index, box: box,
                          builder: try builder(form: form, cycle: chosen, kind: .stable, box: box, method: nil, supportPoints: nil),
                          attractorIndices: cycles.indices.filter { cycles[$0].stability == .stable }, name: Self.manifoldName(index, .stable))
    }

    /// A basin boundary: what `platlas basins` computes. `manifold` is this rank's part of the
    /// stable manifold (every field but the sheets and points is global); everything else is
    /// the same on every rank.
    public struct BasinsRun: Sendable {
        public var cycles: [Cycle]
        public var index: Int?
        public var box: Box
        public var manifold: Manifold
        public var totals: ManifoldTotals
        public var part: ManifoldPart
        public var deltaSigma: DeltaSigma?
        public var coverage: Coverage?
        public var parentRows: [Int]
        public var report: BasinReport
        /// The cycle index of each attractor of `report`.
        public var attractorIndices: [Int]
        public var name: String

        public func destination(_ d: Destination) -> JSONOutput {
            switch d {
            case .attractor(let i): .integer(attractorIndices[i])
            case .divergence: .string("divergence")
            case .undecided: .string("undecided")
            }
        }

        /// What the grid compared: `compared`, `no attractor` (no stable cycle was found, so
        /// no side can be checked), or `nothing outside the band` (every decided point lies
        /// inside the band).
        public static func comparison(_ g: GridAgreement) -> String {
            !g.hasAttractors ? "no attractor" : (g.compared > 0 ? "compared" : "nothing outside the band")
        }

        /// Writes `/manifolds/<name>` (every rank its own rows) with the sides as attributes
        /// (`basin_plus`, `basin_minus`: a cycle index, -1 divergence, -2 undecided) and, with a
        /// grid, its counts (`grid_resolution`, `grid_points`, `grid_band`, `grid_compared`,
        /// `grid_agreeing`, `grid_inside_band`, `grid_undecided`, `grid_comparison`) and
        /// `grid_agreement` when something was compared.
        public func write(into root: borrowing Group, analysis: String) throws {
            try SaddleSetup.checkFree(root, "manifolds/\(name)")
            try ManifoldOutput.write(manifold, name: name, saddleIndex: index, deltaSigma: deltaSigma, coverage: coverage, parentRows: parentRows,
                                     part: part, into: root)
            let g = try root.openGroup("manifolds/\(name)")
            try g.setAttribute("basin_plus", code(report.plusDestination))
            try g.setAttribute("basin_minus", code(report.minusDestination))
            if let grid = report.grid {
                for (key, value) in [("grid_resolution", grid.resolution[0]), ("grid_points", grid.points), ("grid_compared", grid.compared),
                                     ("grid_agreeing", grid.agreeing), ("grid_inside_band", grid.insideBand), ("grid_undecided", grid.undecided)] {
                    try g.setAttribute(key, value)
                }
                try g.setAttribute("grid_band", grid.band)
                try g.setAttribute("grid_comparison", Self.comparison(grid))
                if let agreement = grid.agreement { try g.setAttribute("grid_agreement", agreement) }
            }
            try g.setAttribute("analysis", analysis)
            try g.close()
        }

        /// A destination in text: `attractor cycle I` (the cycle index, as in the attractor
        /// lines), `divergence` or `undecided`.
        public func describe(_ d: Destination) -> String {
            if case .attractor(let i) = d { return "attractor cycle \(attractorIndices[i])" }
            return d.description
        }

        /// The sides' destinations in text; when both go to the same place, the manifold
        /// separates no basins, and the text says so.
        public var sidesSummary: String {
            let (plus, minus) = (report.plusDestination, report.minusDestination)
            let same = plus == minus && plus != .undecided ? " (both sides go there: no basin boundary)" : ""
            return "side +: \(describe(plus)), side -: \(describe(minus))" + same
        }

        /// A destination as a JSON key: the attractor's cycle index, `divergence` or `undecided`.
        func key(of d: Destination) -> String {
            if case .attractor(let i) = d { return String(attractorIndices[i]) }
            return d == .divergence ? "divergence" : "undecided"
        }

        func code(_ d: Destination) -> Int {
            if case .attractor(let i) = d { return attractorIndices[i] }
            return d.code
        }

        public func json() -> JSONOutput {
            var fields: [(String, JSONOutput)] = [
                ("saddle", index.map { .integer($0) } ?? .null),
                ("manifold", ManifoldOutput.json(manifold, name: name, saddleIndex: index, deltaSigma: deltaSigma, coverage: coverage, totals: totals)),
                ("sides", .object([("plus", destination(report.plusDestination)), ("minus", destination(report.minusDestination))])),
                ("attractors", .array(report.attractors.map { a in
                    .object([("cycle", .integer(attractorIndices[a.index])), ("order", .integer(cycles[attractorIndices[a.index]].order)),
                             ("side", .integer(a.side)), ("distance", .number(a.distance)), ("consistent", .bool(a.consistent))])
                })),
            ]
            if let g = report.grid {
                fields.append(("grid", .object([
                    ("resolution", .integers(g.resolution)), ("points", .integer(g.points)), ("band", .number(g.band)),
                    ("inside_band", .integer(g.insideBand)), ("undecided", .integer(g.undecided)), ("compared", .integer(g.compared)),
                    ("agreeing", .integer(g.agreeing)), ("agreement", g.agreement.map { .number($0) } ?? .null),
                    ("comparison", .string(Self.comparison(g))),
                    ("destinations", .object(g.destinations.map { (key(of: $0.key), $0.value) }.sorted { $0.0 < $1.0 }.map { ($0.0, .integer($0.1)) })),
                    ("seconds", .number(g.seconds)),
                ])))
            }
            return .object(fields)
        }

        /// The grid's summary: the agreement, or why there is none.
        public func gridSummary() -> String? {
            guard let g = report.grid else { return nil }
            let size = "grid \(g.resolution[0])^\(g.resolution.count)"
            if let a = g.agreement {
                return String(format: "%@: agreement %.4f over %d points (%d in the band, %d undecided)", size, a, g.compared, g.insideBand, g.undecided)
            }
            if !g.hasAttractors {
                return "\(size): no attractor to compare (\(g.points) points: \(g.destinations[.divergence] ?? 0) diverge, \(g.undecided) undecided)"
            }
            return "\(size): nothing to compare (\(g.insideBand) in the band, \(g.undecided) undecided)"
        }
    }

    /// The sides and the grid, from the saddle's stable manifold built over the ranks of
    /// `collective` (`share`: this rank's part). The boundary pieces of every rank are
    /// all-gathered (a few words per piece), so that every rank can tell sides; the grid
    /// points are shared over the ranks (`Collective.map`).
    public func basins(_ plan: BasinsPlan, share: ManifoldResult, grid: Int?, band: Double?, keepCells: Bool, allowNonInvertible: Bool,
                       collective: any Collective, log: Log) throws -> BasinsRun {
        try checkInvertible(share.manifold, allowNonInvertible: allowNonInvertible)
        let manifold = share.manifold, m = plan.box.dimension
        // The same decision on every rank (the normals flag is global).
        guard manifold.dimension == m - 1, share.part.normals || share.totals.sheets == 0 else {
            throw InputError(ManifoldError.notCodimensionOne(dimension: manifold.dimension, stateDimension: m).description)
        }
        let mine = try BoundaryPieces(manifold)
        let words = try collective.allGather(mine.words.map(\.bitPattern))
        let pieces = BoundaryPieces(dimension: m, polyline: mine.polyline, words: words.map { Double(bitPattern: $0) })
        let indexed = ContinuousClock.now
        let sides = BoundarySides(pieces: pieces, bounds: plan.box)
        log(String(format: "basins: side index of %d pieces (%d indexed items) built in %.3f s", pieces.count, sides.indexedItems,
                   CycleSearch.seconds(since: indexed)))
        let report = try Basins.analyse(manifold, sides: sides, form: plan.builder.form,
                                        attractors: plan.attractorIndices.map { plan.cycles[$0] },
                                        grid: grid.map { BasinGridOptions(resolution: $0, band: band, keepCells: keepCells) },
                                        sharing: collective)
        if let g = report.grid {
            log(String(format: "basins: %d grid points classified on %d ranks in %.3f s (%.3g ms per point)", g.points, collective.size, g.seconds,
                       1e3 * g.seconds / Double(max(g.points, 1))))
        }
        return BasinsRun(cycles: plan.cycles, index: plan.index, box: plan.box, manifold: manifold, totals: share.totals, part: share.part,
                         deltaSigma: share.deltaSigma, coverage: share.coverage, parentRows: share.parentRows, report: report,
                         attractorIndices: plan.attractorIndices, name: plan.name)
    }
}
