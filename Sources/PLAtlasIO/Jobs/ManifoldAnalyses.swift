import Foundation
import HDF5
import PLAtlasCore

/// The keys that pick the saddle and the box, shared by `[[manifold]]`, `[[basins]]` and
/// `[[intersections]]` (the options of `SaddleSetup`, as `platlas manifold` has them).
enum SaddleKeys {
    static let keys: [AnalysisKind.Key] = [
        .init("cycle", "index of the saddle among the cycles found, 0-based (or 'saddle')"),
        .init("saddle", "the same as 'cycle'"),
        .init("point", "\"x,y,...\": a point in the region of a saddle fixed point, instead of 'cycle'"),
        .init("cycles_file", "read the cycles from /cycles of this result file (relative to the spec) instead of searching"),
        .init("max_order", "search cycles of orders 1..max_order (default 1)"),
        .init("bounds", "\"lo:hi\" or \"lo1:hi1,lo2:hi2,...\" (default: the box of docs/manifolds.md)"),
        .init("max_iterations", "at most this many applications of F or F^-1"),
        .init("seed", "seed of every random choice (default: the spec's seed)"),
        .init("allow_non_invertible", "keep a stable manifold where the backward step found no or several preimages"),
    ]

    static func parse(_ table: SpecTable, _ context: SpecContext, defaultIterations: Int) throws(JobSpecError) -> SaddleSetup {
        var s = SaddleSetup { key in key == "cycles" ? "cycles_file" : key }
        let cycle = try table.int("cycle", atLeast: 0), saddle = try table.int("saddle", atLeast: 0)
        if cycle != nil && saddle != nil { throw table.error("saddle", "give either 'cycle' or 'saddle', not both") }
        s.cycle = cycle ?? saddle
        if let text = try table.string("point") {
            guard let x = SaddleSetup.parseNumbers(text) else { throw table.error("point", "'point' must be numbers separated by commas, got '\(text)'") }
            s.point = x
        }
        if s.cycle == nil && s.point == nil { throw table.error(nil, "[[\(table.name)]] needs the saddle: 'cycle' (or 'saddle') or 'point'") }
        if s.cycle != nil && s.point != nil { throw table.error("point", "give either 'cycle' or 'point', not both") }
        if let f = try table.string("cycles_file") {
            s.cyclesFile = f.hasPrefix("/") ? f : ((context.directory as NSString).appendingPathComponent(f) as NSString).standardizingPath
        }
        s.maxOrder = try table.int("max_order", atLeast: 1, atMost: 10_000) ?? 1
        if let b = try table.string("bounds") {
            guard SaddleSetup.parseBounds(b, dimension: nil) != nil else {
                throw table.error("bounds", "'bounds' must be lo:hi or lo1:hi1,lo2:hi2,... with lo < hi, got '\(b)'")
            }
            s.bounds = b
        }
        s.maxIterations = try table.int("max_iterations", atLeast: 1, limit: .count)
        s.defaultIterations = defaultIterations
        s.seed = try table.seed() ?? context.seed
        return s
    }
}

/// `[[manifold]]`: stable and unstable manifolds of a saddle with Delta_sigma, as `platlas
/// manifold` computes them, written to `/manifolds/<cycleI-kind>`.
public struct ManifoldAnalysis: AnalysisConfiguration {
    public var setup: SaddleSetup
    public var kinds: [ManifoldKind]
    public var method: ManifoldMethod?
    public var supportPoints: Int?
    public var allowNonInvertible: Bool
    /// The spec and the line of `support_points`, for errors found by `check`.
    var specPath = ""
    var supportPointsLine: Int?

    public static let kind = AnalysisKind(
        name: "manifold",
        summary: "stable and unstable manifolds of a saddle, with Delta_sigma",
        keys: SaddleKeys.keys + [
            .init("kind", "stable, unstable or both (default both)"),
            .init("method", "polyline (1-dimensional manifolds only) or sheets (default: polyline where possible)"),
            .init("support_points", "support points per new sheet (default k_neigh * d)"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in
            let setup = try SaddleKeys.parse(table, context, defaultIterations: 200)
            let kind = try table.string("kind") ?? "both"
            guard ["stable", "unstable", "both"].contains(kind) else { throw table.error("kind", "'kind' must be stable, unstable or both, got '\(kind)'") }
            var method: ManifoldMethod?
            if let m = try table.string("method") {
                guard let parsed = ManifoldMethod(rawValue: m) else { throw table.error("method", "'method' must be polyline or sheets, got '\(m)'") }
                method = parsed
            }
            return ManifoldAnalysis(setup: setup, kinds: kind == "both" ? [.unstable, .stable] : [ManifoldKind(rawValue: kind)!],
                                    method: method, supportPoints: try table.int("support_points", atLeast: 1, limit: .count),
                                    allowNonInvertible: try table.bool("allow_non_invertible") ?? false,
                                    specPath: table.path, supportPointsLine: table.line(of: "support_points"))
        })

    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        // Regions spread over the job's ranks, each writing its own rows.
        let shared = try setup.sharedManifolds(model: context.model, kinds: kinds, method: method, supportPoints: supportPoints,
                                               allowNonInvertible: allowNonInvertible, executor: context.manifolds, log: context.log)
        try shared.write(into: root, analysis: group)
        let lines = shared.results.map { r in
            "/manifolds/\(r.name): dimension \(r.share.manifold.dimension), \(r.share.totals.regions) regions, \(r.share.totals.sheets) sheets, "
                + "Delta_sigma \(r.share.deltaSigma.map { String(format: "%.4f", $0.value) } ?? "-"), stopped: \(r.share.manifold.stopReason.rawValue)"
        }
        return AnalysisOutcome(summary: lines.joined(separator: "\n  "), json: .object([("manifolds", shared.json())]))
    }

    public func check(_ model: Model) throws(JobSpecError) {
        guard let supportPoints else { return }
        do { try ManifoldBuilder.checkSize(supportPoints: supportPoints, dimension: model.dimension) } catch {
            throw JobSpecError(specPath, line: supportPointsLine, "'support_points': \(error)")
        }
    }
}

/// `[[basins]]`: which attractor lies on which side of a saddle's codimension-1 stable
/// manifold, as `platlas basins` computes it (the manifold and the grid shared over the job's
/// ranks); the manifold goes to `/manifolds/cycleI-stable` with the sides as attributes.
public struct BasinsAnalysis: AnalysisConfiguration {
    public var setup: SaddleSetup
    public var grid: Int?
    public var band: Double?
    public var allowNonInvertible: Bool

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
            let grid = try table.int("grid", atLeast: 2, atMost: 5000)
            let band = try table.double("band")
            if let band, !(band >= 0 && band.isFinite) { throw table.error("band", "'band' must be a non-negative number") }
            return BasinsAnalysis(setup: setup, grid: grid, band: band, allowNonInvertible: try table.bool("allow_non_invertible") ?? false)
        })

    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        // The manifold's regions and the grid points spread over the job's ranks.
        let computed = try setup.basins(model: context.model, grid: grid, band: band, allowNonInvertible: allowNonInvertible,
                                        executor: context.manifolds, collective: context.collective, log: context.log)
        try computed.write(into: root, analysis: group)
        var summary = "/manifolds/\(computed.name): \(computed.totals.sheets) sheets in \(computed.totals.regions) regions; "
            + computed.sidesSummary
        if let g = computed.gridSummary() { summary += "; " + g }
        return AnalysisOutcome(summary: summary, json: computed.json())
    }
}

/// `[[intersections]]`: transversal homoclinic or heteroclinic points, as `platlas
/// intersections` computes them: both manifolds to `/manifolds`, the points to
/// `/intersections/cycleI-cycleJ`.
public struct IntersectionsAnalysis: AnalysisConfiguration {
    public var setup: SaddleSetup
    public var to: Int?
    public var tolerance: Double
    public var allowNonInvertible: Bool

    public static let kind = AnalysisKind(
        name: "intersections",
        summary: "transversal homoclinic and heteroclinic points, with the chaos certificate",
        keys: SaddleKeys.keys + [
            .init("to", "the saddle whose stable manifold is intersected (default: the same, homoclinic)"),
            .init("tolerance", "relative distance from the local subspace that counts as arrived (default 1e-6)"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in
            let setup = try SaddleKeys.parse(table, context, defaultIterations: 12)
            if setup.point != nil { throw table.error("point", "[[intersections]] takes the saddle as 'saddle' (a cycle index), not 'point'") }
            let to = try table.int("to", atLeast: 0)
            let tolerance = try table.double("tolerance") ?? 1e-6
            guard tolerance > 0 && tolerance < 1 else { throw table.error("tolerance", "'tolerance' must be between 0 and 1") }
            return IntersectionsAnalysis(setup: setup, to: to, tolerance: tolerance, allowNonInvertible: try table.bool("allow_non_invertible") ?? false)
        })

    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        let started = ContinuousClock.now
        let computed = try setup.intersections(model: context.model, to: to, tolerance: tolerance, allowNonInvertible: allowNonInvertible, log: context.log)
        try computed.write(into: root, analysis: group)
        let summary = "/intersections/\(computed.name): \(computed.homoclinic ? "homoclinic" : "heteroclinic"), \(computed.points.count) transversal points, "
            + "\(computed.verified) verified" + (computed.chaosCertificate ? ", chaos certificate" : "")
        return AnalysisOutcome(summary: summary, json: computed.json(seconds: CycleSearch.seconds(since: started), ranks: context.collective.size))
    }
}

// The cycle search that finds the saddle (none when the cycles come from a file).
extension ManifoldAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
extension BasinsAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
extension IntersectionsAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
