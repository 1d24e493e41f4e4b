import HDF5
import PLAtlasCore

/// How cycle search results appear in `--json` output and under `/cycles` in HDF5 files
/// (docs/hdf5-schema.md).
public enum CycleOutput {
    /// One cycle as `{"order", "points", "eigenvalues", "stability", "unstable_dimension",
    /// "marginal", "regions", "residual"}`.
    public static func json(_ cycle: Cycle) -> JSONOutput {
        .object([
            ("order", .integer(cycle.order)),
            ("points", .array(cycle.points.map { .numbers($0) })),
            ("eigenvalues", .array(cycle.eigenvalues.map { .numbers([$0.real, $0.imaginary]) })),
            ("stability", .string(cycle.stability.rawValue)),
            ("unstable_dimension", .integer(cycle.unstableDimension)),
            ("marginal", .bool(cycle.isMarginal)),
            ("regions", .array(cycle.regions.map { .string($0.description) })),
            ("residual", .number(cycle.residual)),
        ])
    }

    public static func json(statistics s: CycleOrderStatistics) -> JSONOutput {
        .object([
            ("order", .integer(s.order)),
            ("mode", .string(s.exhaustive ? "exhaustive" : "heuristic")),
            ("cycles", .integer(s.cyclesFound)),
            ("restarts", .integer(s.restarts)),
            ("restarts_until_last_find", .integer(s.restartsUntilLastFind)),
            ("candidates", .integer(s.candidatesEvaluated)),
            ("products", .integer(s.products)),
            ("singular", .integer(s.singularSystems)),
            ("non_minimal", .integer(s.nonMinimal)),
            ("seconds", .number(s.seconds)),
        ])
    }

    /// `{"cycles": [...], "stats": {...}}`.
    public static func json(_ result: CycleSearchResult, seconds: Double, ranks: Int, seed: UInt64) -> JSONOutput {
        var stats: [(String, JSONOutput)] = [
            ("mode", .string(result.exhaustive ? "exhaustive" : "heuristic")),
            ("seed", .integer(Int(truncatingIfNeeded: seed))),
            ("ranks", .integer(ranks)),
            ("cycles", .integer(result.cycles.count)),
            ("candidates", .integer(result.candidatesEvaluated)),
            ("products", .integer(result.statistics.reduce(0) { $0 + $1.products })),
            ("singular", .integer(result.statistics.reduce(0) { $0 + $1.singularSystems })),
            ("seconds", .number(seconds)),
            ("candidates_per_second", .number(Double(result.candidatesEvaluated) / max(seconds, 1e-9))),
        ]
        if let cells = result.cellsSurveyed {
            stats.append(("cells_surveyed", .integer(cells)))
            stats.append(("cell_survey_complete", .bool(result.cellSurveyComplete ?? false)))
            stats.append(("cell_survey_seconds", .number(result.cellSurveySeconds)))
        }
        stats.append(("orders", .array(result.statistics.map { json(statistics: $0) })))
        return .object([("cycles", .array(result.cycles.map(json))), ("stats", .object(stats))])
    }

    /// Writes `/cycles` (collective in a parallel file: every rank passes the same result).
    public static func write(_ result: CycleSearchResult, into root: borrowing Group, dimension m: Int,
                             hiddenCount h: Int, maxOrder: Int, seed: UInt64) throws {
        let g = try root.createGroup("cycles")
        let cycles = result.cycles
        let w = RegionCode.wordCount(h)
        try g.setAttribute("count", cycles.count)
        try g.setAttribute("max_order", maxOrder)
        try g.setAttribute("seed", Int(truncatingIfNeeded: seed))
        try g.setAttribute("mode", result.exhaustive ? "exhaustive" : "heuristic")
        try g.setAttribute("dimension", m)
        try g.setAttribute("hidden_units", h)
        var offsets: [Int64] = [0]
        var points: [Double] = [], regions: [UInt64] = [], eigen: [Double] = []
        for c in cycles {
            offsets.append(offsets.last! + Int64(c.order))
            for p in c.points { points += p }
            for r in c.regions { regions += r.words }
            for j in 0..<m {
                let e = j < c.eigenvalues.count ? c.eigenvalues[j] : .init(.nan, .nan)
                eigen += [e.real, e.imaginary]
            }
        }
        let n = cycles.count, total = Int(offsets.last!)
        try g.writeDataset("order", cycles.map { Int64($0.order) }, shape: [n])
        try g.writeDataset("offsets", offsets, shape: [n + 1])
        try g.writeDataset("points", points, shape: [total, m])
        try g.writeDataset("regions", regions, shape: [total, w])
        try g.writeDataset("eigenvalues", eigen, shape: [n, m, 2])
        try g.writeDataset("unstable_dimension", cycles.map { Int64($0.unstableDimension) }, shape: [n])
        try g.writeDataset("marginal", cycles.map { UInt8($0.isMarginal ? 1 : 0) }, shape: [n])
        try g.writeDataset("residual", cycles.map(\.residual), shape: [n])
        try g.writeStrings("stability", cycles.map(\.stability.rawValue))
        let s = result.statistics
        let stats = try g.createGroup("stats")
        try stats.writeDataset("order", s.map { Int64($0.order) }, shape: [s.count])
        try stats.writeDataset("cycles", s.map { Int64($0.cyclesFound) }, shape: [s.count])
        try stats.writeDataset("restarts", s.map { Int64($0.restarts) }, shape: [s.count])
        try stats.writeDataset("restarts_until_last_find", s.map { Int64($0.restartsUntilLastFind) }, shape: [s.count])
        try stats.writeDataset("candidates", s.map { Int64($0.candidatesEvaluated) }, shape: [s.count])
        try stats.writeDataset("singular", s.map { Int64($0.singularSystems) }, shape: [s.count])
        try stats.writeDataset("products", s.map { Int64($0.products) }, shape: [s.count])
        try stats.writeDataset("non_minimal", s.map { Int64($0.nonMinimal) }, shape: [s.count])
        try stats.writeDataset("seconds", s.map(\.seconds), shape: [s.count])
        try stats.writeDataset("exhaustive", s.map { UInt8($0.exhaustive ? 1 : 0) }, shape: [s.count])
        try stats.close()
        try g.close()
    }
}
