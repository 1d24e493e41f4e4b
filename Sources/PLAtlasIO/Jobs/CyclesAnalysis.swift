import HDF5
import PLAtlasCore

/// `[[cycles]]`: the cycle search of `platlas cycles` (docs/cycles.md), written to `/cycles` in
/// the layout of `platlas cycles --output`.
public struct CyclesAnalysis: AnalysisConfiguration {
    public var options: CycleSearchOptions

    public static let kind = AnalysisKind(
        name: "cycles",
        summary: "fixed points and cycles of orders 1..max_order, with their stability",
        keys: [
            .init("max_order", "search orders 1..max_order", required: true),
            .init("seed", "seed of every random choice (default: the spec's seed)"),
            .init("restarts", "restarts per batch (default 10/40/100 for k < 8 / < 30 / otherwise)"),
            .init("inner_iterations", "candidate evaluations per restart"),
            .init("exhaustive", "enumerate every region sequence instead of the heuristic"),
            .init("exhaustive_limit", "refuse exhaustive beyond this many sequences"),
            .init("exact_below", "enumerate an order outright when it has at most this many sequences; 0: never"),
            .init("marginal_tolerance", "eigenvalues with ||lambda| - 1| at most this make a cycle marginal"),
        ],
        allowsSeveral: false,
        parse: { (table, context) throws(JobSpecError) in
            var o = CycleSearchOptions(maxOrder: try table.int("max_order", atLeast: 1, atMost: 10_000)!)
            o.seed = try table.seed() ?? context.seed
            o.restarts = try table.int("restarts", atLeast: 1, limit: .count)
            o.innerIterations = try table.int("inner_iterations", atLeast: 1, limit: .count)
            o.exhaustive = try table.bool("exhaustive") ?? false
            o.exhaustiveLimit = try table.int("exhaustive_limit", atLeast: 1, limit: .count) ?? 10_000_000
            o.autoExhaustiveLimit = try table.int("exact_below", atLeast: 0, limit: .count) ?? 250_000
            if let t = try table.double("marginal_tolerance") {
                guard t >= 0, t.isFinite else { throw table.error("marginal_tolerance", "'marginal_tolerance' must be a non-negative number") }
                o.marginalTolerance = t
            }
            return CyclesAnalysis(options: o)
        })

    public var cycleSearchOrder: Int? { options.maxOrder }

    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        precondition(group == "cycles", "a spec holds at most one cycles analysis")
        let search: CycleSearch
        do {
            search = try CycleSearch(model: context.model, options: options, log: context.log)
        } catch {
            throw AnalysisInputError(error.description)
        }
        let started = ContinuousClock.now
        let result: CycleSearchResult
        do {
            result = try search.run(collective: context.collective)
        } catch let error as CycleSearchError {
            throw AnalysisInputError(error.description)
        }
        let seconds = CycleSearch.seconds(since: started)
        try CycleOutput.write(result, into: root, dimension: context.model.dimension, hiddenCount: search.form.hiddenCount,
                              maxOrder: options.maxOrder, seed: options.seed)
        let g = try root.openGroup(group)
        try g.setAttribute("analysis", "cycles")
        try g.close()
        let byStability = Dictionary(grouping: result.cycles, by: \.stability.rawValue)
            .map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        let summary = "/\(group): \(result.cycles.count) cycles up to order \(options.maxOrder)"
            + (byStability.isEmpty ? "" : " (\(byStability))") + ", \(formatSeconds(seconds)) s"
        return AnalysisOutcome(summary: summary,
                               json: CycleOutput.json(result, seconds: seconds, ranks: context.collective.size, seed: options.seed))
    }
}
