import HDF5
import PLAtlasCore
import PLAtlasIO

/// Fixed points and cycles (docs/cycles.md), for `platlas cycles` and `[[cycles]]`: the options
/// and their one check, the search over the run's ranks, `/cycles`, the JSON and the summary.
public struct CyclesAnalysis: Analysis {
    public var options: CycleSearchOptions
    /// How messages name the options (the core's errors speak of the search itself).
    public var naming: OptionNaming

    public init(options: CycleSearchOptions, naming: OptionNaming = .spec) {
        self.options = options
        self.naming = naming
    }

    /// A refused search in the words of the front door: which option to change.
    public static func message(_ error: CycleSearchError, naming: OptionNaming) -> String {
        switch error {
        case .invalidOrder: error.description
        case .exhaustiveTooLarge: error.description + " (\(naming("exhaustive_limit")), \(naming("max_order")))"
        case .exhaustiveNeedsAllCells: error.description
        }
    }

    /// The checks that need no model, naming keys as `naming` renders them.
    public static func check(_ o: CycleSearchOptions, naming: OptionNaming) throws(OptionValueError) {
        try naming.check("max_order", o.maxOrder, atLeast: 1)
        guard o.maxOrder <= CycleSearchOptions.highestOrder else {
            throw OptionValueError("max_order", "\(naming("max_order")) \(o.maxOrder) is beyond any useful search (at most \(CycleSearchOptions.highestOrder))")
        }
        try naming.check("restarts", o.restarts, atLeast: 1, limit: .count)
        try naming.check("inner_iterations", o.innerIterations, atLeast: 1, limit: .count)
        try naming.check("exhaustive_limit", o.exhaustiveLimit, atLeast: 1, limit: .count)
        try naming.check("exact_below", o.autoExhaustiveLimit, atLeast: 0, limit: .count)
        try naming.check("marginal_tolerance", o.marginalTolerance, atLeast: 0, "a non-negative number")
    }

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
            var o = CycleSearchOptions(maxOrder: try table.int("max_order")!)
            o.seed = try table.seed() ?? context.seed
            o.restarts = try table.int("restarts")
            o.innerIterations = try table.int("inner_iterations")
            o.exhaustive = try table.bool("exhaustive") ?? false
            o.exhaustiveLimit = try table.int("exhaustive_limit") ?? o.exhaustiveLimit
            o.autoExhaustiveLimit = try table.int("exact_below") ?? o.autoExhaustiveLimit
            o.marginalTolerance = try table.double("marginal_tolerance") ?? o.marginalTolerance
            try table.checking { naming throws(OptionValueError) in try check(o, naming: naming) }
            return CyclesAnalysis(options: o, naming: .table("cycles"))
        })

    public var cycleSearchOrder: Int? { options.maxOrder }

    public struct Result: Sendable {
        public var search: CycleSearchResult
        public var seconds: Double
        public var hiddenCount: Int
    }

    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let search: CycleSearch
        do {
            search = try CycleSearch(model: context.model, options: options, log: context.log)
        } catch {
            throw InputError(error.description)
        }
        let started = ContinuousClock.now
        do {
            let result = try search.run(collective: context.collective)
            return Result(search: result, seconds: CycleSearch.seconds(since: started), hiddenCount: search.form.hiddenCount)
        } catch let error as CycleSearchError {
            throw InputError(Self.message(error, naming: naming))
        }
    }

    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        precondition(group == "cycles", "a run holds at most one cycles analysis")
        try CycleOutput.write(result.search, into: root, dimension: context.model.dimension, hiddenCount: result.hiddenCount,
                              maxOrder: options.maxOrder, seed: options.seed)
        let g = try root.openGroup(group)
        try g.setAttribute("analysis", "cycles")
        try g.close()
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        let cycles = result.search.cycles
        let byStability = Dictionary(grouping: cycles, by: \.stability.rawValue).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        let summary = "/\(group): \(cycles.count) cycles up to order \(options.maxOrder)"
            + (byStability.isEmpty ? "" : " (\(byStability))") + ", \(formatSeconds(result.seconds)) s"
        return AnalysisOutcome(summary: summary,
                               json: CycleOutput.json(result.search, seconds: result.seconds, ranks: context.collective.size, seed: options.seed))
    }
}
