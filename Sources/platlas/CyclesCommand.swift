import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// `platlas cycles MODEL --max-order K`: fixed points and cycles.
struct CyclesCommand: ParsableCommand, PreparedCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycles",
        abstract: "Find the fixed points and cycles of orders 1..K, with their stability.",
        discussion: reflow("""
        A k-cycle visiting regions d_1..d_k solves (I - P) z = q with P the product of the region
        Jacobians. The default search is the SCYFI heuristic: random region sequences, each
        replaced by the sequence its candidate really visits until the candidate is real, in
        batches of restarts; an order is done after the first batch that finds nothing new
        (batch size: --restarts, default 10/40/100 for k < 8 / < 30 / otherwise). Orders with at
        most --exact-below region sequences are enumerated outright instead. Every cycle
        reported is verified (||F^k(z) - z|| <= 1e-9 (1 + ||z||)), has minimal period k, and is
        classified from the eigenvalues of P: stable, saddle (with its unstable dimension),
        unstable, or marginal (some |lambda| within --marginal-tolerance of 1).

        --exhaustive evaluates every region sequence up to rotation instead (ground truth for
        small systems); it refuses to start beyond --exhaustive-limit sequences.

        A search up to order K keeps (K + 1) matrices of M x M: at most PLATLAS_MAX_VALUES
        numbers (default 134217728; docs/model-format.md, "Limits"), as counts are at most
        PLATLAS_MAX_COUNT.

        Under mpirun or srun the ranks share the restarts; the result for a seed does not depend
        on the number of ranks.

        Examples:
          platlas cycles model.json --max-order 10
          platlas cycles model.json --max-order 4 --exhaustive --json
          mpirun -np 4 platlas cycles model.h5 --max-order 40 --output cycles.h5
        """)
    )

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Search orders 1...K.", valueName: "K"))
    var maxOrder: Int

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Restarts per batch (default: 10/40/100 for k < 8 / < 30 / otherwise).", valueName: "N"), transform: wholeNumber)
    var restarts: Int?

    @Option(help: ArgumentHelp("Candidate evaluations per restart (default: 20/60/300/1080/1115 for k < 3/6/8/20/otherwise).", valueName: "N"), transform: wholeNumber)
    var innerIterations: Int?

    @Flag(help: "Enumerate every region sequence instead of the heuristic.")
    var exhaustive = false

    @Option(help: ArgumentHelp("Refuse --exhaustive beyond this many sequences (default: 10000000).", valueName: "N"), transform: wholeNumber)
    var exhaustiveLimit = CycleSearchOptions(maxOrder: 1).exhaustiveLimit

    @Option(help: ArgumentHelp("Enumerate an order outright (exactly) when it has at most N region sequences up to rotation; 0: always use the heuristic (default: 250000).", valueName: "N"), transform: wholeNumber)
    var exactBelow = CycleSearchOptions(maxOrder: 1).autoExhaustiveLimit

    @Option(help: "Eigenvalues with ||lambda| - 1| at most this make a cycle marginal.")
    var marginalTolerance = 1e-6

    @OptionGroup var output: OutputOptions

    var loaded: Model?

    enum CodingKeys: CodingKey {
        case model, maxOrder, seed, restarts, innerIterations, exhaustive, exhaustiveLimit, exactBelow, marginalTolerance, output
    }

    func validate() throws {
        try AnalysisCommand.validate { () throws(OptionValueError) in try CyclesAnalysis.check(options, naming: .commandLine) }
        try output.validate()
    }

    mutating func prepare() throws {
        loaded = try model.load(maxOrder: maxOrder)
    }

    /// The analysis these options describe: the same as a `[[cycles]]` table's.
    var options: CycleSearchOptions {
        var o = CycleSearchOptions(maxOrder: maxOrder)
        o.seed = seed
        o.restarts = restarts
        o.innerIterations = innerIterations
        o.exhaustive = exhaustive
        o.exhaustiveLimit = exhaustiveLimit
        o.autoExhaustiveLimit = exactBelow
        o.marginalTolerance = marginalTolerance
        return o
    }

    func run(world: Communicator) throws {
        let log = Console.rankLog(world)
        try OutputClaim.whileWriting([output.output], world: world, log: log) { try compute(world: world, log: log) }
    }

    func compute(world: Communicator, log: Log) throws {
        let model = loaded!
        let (result, outcome) = try AnalysisCommand.run(CyclesAnalysis(options: options, naming: .commandLine), group: "cycles",
                                                        context: AnalysisRunContext(model: model, world: world, log: log),
                                                        output: output.output, models: [model])
        guard world.isRoot else { return }
        Console.output(output.json ? outcome.json.serialized() : Self.table(result.search, seconds: result.seconds))
    }

    /// "1-3, 5" for [1, 2, 3, 5].
    static func ranges(_ values: [Int]) -> String {
        var parts: [String] = []
        var start = values.first!, previous = start
        for v in values.dropFirst() + [Int.min] {
            if v == previous + 1 { previous = v; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = v
            previous = v
        }
        return parts.joined(separator: ", ")
    }

    static func table(_ result: CycleSearchResult, seconds: Double) -> String {
        let exact = result.statistics.filter(\.exhaustive).map(\.order)
        let mode = exact.count == result.statistics.count ? "every order enumerated exactly"
            : exact.isEmpty ? "heuristic search" : "orders \(Self.ranges(exact)) enumerated exactly, heuristic above"
        var lines = ["\(result.cycles.count) cycles (\(mode), \(result.candidatesEvaluated) candidates, \(formatSeconds(seconds)) s)"]
        lines.append("  #  order  stability   unstable  |lambda|max  first point")
        for (i, c) in result.cycles.enumerated() {
            let point = c.points[0].prefix(4).map { String(format: "%.6g", $0) }.joined(separator: ", ") + (c.points[0].count > 4 ? ", ..." : "")
            let lead = c.eigenvalues.first.map { String(format: "%.6f", $0.length) } ?? "-"
            lines.append(String(format: "%3d  %5d  %-10@  %8d  %11@  (%@)", i, c.order, c.stability.rawValue + (c.isMarginal && c.stability != .marginal ? "*" : ""),
                                c.unstableDimension, lead, point))
        }
        return lines.joined(separator: "\n")
    }
}
