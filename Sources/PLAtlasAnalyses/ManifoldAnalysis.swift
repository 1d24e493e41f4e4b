import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

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
        let cycle = try table.int("cycle"), saddle = try table.int("saddle")
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
        s.maxOrder = try table.int("max_order") ?? 1
        if let b = try table.string("bounds") {
            guard SaddleSetup.parseBounds(b, dimension: nil) != nil else {
                throw table.error("bounds", "'bounds' must be lo:hi or lo1:hi1,lo2:hi2,... with lo < hi, got '\(b)'")
            }
            s.bounds = b
        }
        s.maxIterations = try table.int("max_iterations")
        s.defaultIterations = defaultIterations
        s.seed = try table.seed() ?? context.seed
        try table.checking { naming throws(OptionValueError) in try s.check(naming: naming) }
        return s
    }
}

/// Stable and unstable manifolds of a saddle with Delta_sigma and coverage (docs/manifolds.md),
/// for `platlas manifold` and `[[manifold]]`: built over the run's ranks, written to
/// `/manifolds/<cycleI-kind>` with the load report, the same JSON both ways.
public struct ManifoldAnalysis: Analysis {
    public var setup: SaddleSetup
    public var kinds: [ManifoldKind]
    public var method: ManifoldMethod?
    public var supportPoints: Int?
    public var allowNonInvertible: Bool
    /// The spec and the line of `support_points`, for errors found by `check`.
    var specPath = ""
    var supportPointsLine: Int?

    public init(setup: SaddleSetup, kinds: [ManifoldKind], method: ManifoldMethod?, supportPoints: Int?, allowNonInvertible: Bool) {
        self.setup = setup
        self.kinds = kinds
        self.method = method
        self.supportPoints = supportPoints
        self.allowNonInvertible = allowNonInvertible
    }

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
            let text = try table.string("kind") ?? "both"
            guard let kind = ManifoldKinds(rawValue: text) else { throw table.error("kind", "'kind' must be stable, unstable or both, got '\(text)'") }
            var method: ManifoldMethod?
            if let m = try table.string("method") {
                guard let parsed = ManifoldMethod(rawValue: m) else { throw table.error("method", "'method' must be polyline or sheets, got '\(m)'") }
                method = parsed
            }
            var analysis = ManifoldAnalysis(setup: setup, kinds: kind.kinds, method: method,
                                            supportPoints: try table.int("support_points", atLeast: 1, limit: .count),
                                            allowNonInvertible: try table.bool("allow_non_invertible") ?? false)
            analysis.specPath = table.path
            analysis.supportPointsLine = table.line(of: "support_points")
            return analysis
        })

    public struct Result: Sendable {
        public var run: SaddleSetup.SharedManifoldRun
        public var seconds: Double
    }

    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let started = ContinuousClock.now
        let run = try setup.sharedManifolds(model: context.model, kinds: kinds, method: method, supportPoints: supportPoints,
                                            allowNonInvertible: allowNonInvertible, context: context)
        for (b, name) in run.results {
            let r = b.report
            context.log("\(name): \(b.totals.regions) regions, \(b.totals.sheets) sheets, coverage \(ManifoldOutput.format(b.coverage?.fraction)), "
                + "Delta_sigma \(ManifoldOutput.format(b.deltaSigma?.value)), \(b.manifold.stopReason.rawValue); \(r.rounds) rounds on \(r.ranks) ranks, "
                + "imbalance \(String(format: "%.2f", r.roundImbalance)) (rounds) / \(String(format: "%.2f", r.totalImbalance)) (total), \(r.bytesSent) bytes sent")
        }
        return Result(run: run, seconds: CycleSearch.seconds(since: started))
    }

    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        try result.run.write(into: root, analysis: group)
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        let lines = result.run.results.map { r in
            "/manifolds/\(r.name): dimension \(r.share.manifold.dimension), \(r.share.totals.regions) regions, \(r.share.totals.sheets) sheets, "
                + "Delta_sigma \(r.share.deltaSigma.map { String(format: "%.4f", $0.value) } ?? "-"), stopped: \(r.share.manifold.stopReason.rawValue)"
        }
        return AnalysisOutcome(summary: lines.joined(separator: "\n  "), json: .object([
            ("manifolds", result.run.json()),
            ("stats", .object([("seconds", .number(result.seconds)), ("ranks", .integer(context.collective.size)),
                               ("seed", .integer(Int(truncatingIfNeeded: setup.seed)))])),
        ]))
    }

    public func check(_ model: Model) throws(JobSpecError) {
        guard let supportPoints else { return }
        do { try ManifoldBuilder.checkSize(supportPoints: supportPoints, dimension: model.dimension) } catch {
            throw JobSpecError(specPath, line: supportPointsLine, "'support_points': \(error)")
        }
    }
}

/// Which manifolds of a saddle: `stable`, `unstable` or `both` (unstable first).
public enum ManifoldKinds: String, CaseIterable, Sendable {
    case stable, unstable, both

    public var kinds: [ManifoldKind] {
        switch self {
        case .stable: [.stable]
        case .unstable: [.unstable]
        case .both: [.unstable, .stable]
        }
    }
}

// The cycle search that finds the saddle (none when the cycles come from a file).
extension ManifoldAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
