import Foundation
import HDF5
import LinearAlgebra
import PLAtlasCore
import PLAtlasIO

/// How `platlas manifold`, `basins` and `intersections` (and their job-spec analyses) pick a
/// saddle and the box, and build a manifold. Bad input throws `InputError` with the
/// option names given by `optionName` (`--cycle` on the command line, `cycle` in a spec).
public struct SaddleSetup: Sendable {
    /// Index of the saddle among the cycles found (0-based); else `point`.
    public var cycle: Int?
    /// A point in the region of a saddle fixed point.
    public var point: [Double]?
    /// Read the cycles from `/cycles` of this result file instead of searching.
    public var cyclesFile: String?
    public var maxOrder = 1
    /// `lo:hi` or `lo1:hi1,lo2:hi2,...`; nil: the default box (docs/manifolds.md).
    public var bounds: String?
    public var maxIterations: Int?
    /// The default of `maxIterations`: 200 for manifold and basins, 12 for intersections.
    public var defaultIterations = 200
    public var seed: UInt64 = 0
    /// Stable manifolds: follow one preimage only (seed 003's construction), refusing a map
    /// that is not invertible where the manifold goes unless `allowNonInvertible`.
    public var singleBranch = false
    /// The name of an option in messages, from its spec key (`cycle`, `point`, `cycles`, `bounds`, `to`).
    public var optionName: @Sendable (String) -> String

    public init(optionName: @escaping @Sendable (String) -> String = { $0 }) {
        self.optionName = optionName
    }

    /// The checks that need no model (the saddle given once, the orders and iterations in
    /// range), naming the keys as `naming` renders them (`cycle` stands for `--cycle` or
    /// `--saddle`).
    public func check(naming: OptionNaming) throws(OptionValueError) {
        if let cycle, cycle < 0 { throw OptionValueError("cycle", "\(naming("cycle")) must be 0 or more, got \(cycle)") }
        var search = CycleSearchOptions(maxOrder: maxOrder)
        search.seed = seed
        try CyclesAnalysis.check(search, naming: naming)
        try naming.check("max_iterations", maxIterations, atLeast: 1, limit: .count)
    }

    public static func parseNumbers(_ text: String) -> [Double]? {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        return parts.map { $0! }
    }

    public static func parseBounds(_ text: String, dimension: Int?) -> Box? {
        var lo: [Double] = [], hi: [Double] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard ends.count == 2, let a = ends[0], let b = ends[1], a.isFinite, b.isFinite, a < b else { return nil }
            lo.append(a)
            hi.append(b)
        }
        guard !lo.isEmpty else { return nil }
        if let m = dimension {
            if lo.count == 1 { return Box(lower: [Double](repeating: lo[0], count: m), upper: [Double](repeating: hi[0], count: m)) }
            guard lo.count == m else { return nil }
        }
        return Box(lower: lo, upper: hi)
    }

    /// All cycles, the chosen saddle and its index (nil for `point`).
    public func resolve(model: Model, log: Log) throws -> ([Cycle], Cycle, Int?) {
        var all: [Cycle]
        if let path = cyclesFile {
            do { all = try ManifoldOutput.readCycles(path) } catch { throw InputError("\(optionName("cycles")) \(path): \(error)") }
            guard all.allSatisfy({ $0.points.first?.count == model.dimension }) else {
                throw InputError("\(optionName("cycles")) \(path): the cycles have another dimension than the model")
            }
        } else if point != nil && bounds != nil {
            // A fixed point given by a point, in a given box: the cycles are not needed.
            all = []
        } else {
            var options = CycleSearchOptions(maxOrder: maxOrder)
            options.seed = seed
            do { all = try CycleSearch(model: model, options: options, log: log).run().cycles } catch { throw InputError("\(error)") }
        }
        if let i = cycle {
            guard i < all.count else {
                throw InputError("\(optionName("cycle")) \(i) is out of range: the search found \(all.count) cycle\(all.count == 1 ? "" : "s") (0..\(max(all.count - 1, 0)))")
            }
            guard all[i].stability == .saddle else {
                throw InputError("\(optionName("cycle")) \(i) is \(all[i].stability.rawValue), not a saddle")
            }
            return (all, all[i], i)
        }
        guard let x = point else { throw InputError("give the saddle with \(optionName("cycle")) or \(optionName("point"))") }
        guard x.count == model.dimension else { throw InputError("\(optionName("point")) has \(x.count) coordinates, the model has \(model.dimension)") }
        let form = model.shallowForm()
        let d = form.region(of: x)
        let j = form.jacobian(d)
        guard let z = try? solve(Matrix.identity(model.dimension) - j, form.offset(d)), form.region(of: z) == d else {
            throw InputError("no fixed point in the region of \(optionName("point"))")
        }
        let values = (try? eigenvalues(j)) ?? []
        let fixed = Cycle(points: [z], regions: [d], eigenvalues: values, residual: 0, marginalTolerance: 1e-6)
        guard fixed.stability == .saddle else { throw InputError("the fixed point in the region of \(optionName("point")) is \(fixed.stability.rawValue), not a saddle") }
        return (all, fixed, nil)
    }

    /// `bounds`, checked to contain the saddle, else the default box around the saddle and the cycles.
    public func box(for saddle: Cycle, cycles: [Cycle], form: ShallowForm) throws -> Box {
        let dimension = form.dimension
        guard let text = bounds else {
            return Box.fromTrajectories(Box.around(saddle.points + cycles.flatMap(\.points)), form: form, seed: seed)
        }
        guard let box = Self.parseBounds(text, dimension: dimension) else {
            throw InputError("\(optionName("bounds")) has \(text.split(separator: ",").count) ranges, the model has \(dimension) coordinates")
        }
        guard saddle.points.allSatisfy({ box.contains($0) }) else { throw InputError("\(optionName("bounds")) \(text) excludes the saddle") }
        return box
    }

    /// The builder of one manifold with these options (the work unit's owner; built by a
    /// `ManifoldConstruction`: in this process by `build`, over a run's ranks by `AnalysisRunContext.buildManifolds`).
    public func builder(form: ShallowForm, cycle: Cycle, kind: ManifoldKind, box: Box, method: ManifoldMethod?,
                        supportPoints: Int?) throws -> ManifoldBuilder {
        var options = ManifoldOptions(kind: kind, bounds: box)
        options.method = method
        options.maxIterations = maxIterations ?? defaultIterations
        options.supportPoints = supportPoints
        options.seed = seed
        options.singleBranch = singleBranch
        do { return try ManifoldBuilder(form: form, saddle: cycle, options: options) } catch { throw InputError(error.description) }
    }

    /// Builds one manifold in this process (with Delta_sigma and coverage when `statistics`).
    public func build(form: ShallowForm, cycle: Cycle, kind: ManifoldKind, box: Box, method: ManifoldMethod?, supportPoints: Int?,
                      allowNonInvertible: Bool, statistics: Bool = true, log: Log) throws -> ManifoldResult {
        let builder = try builder(form: form, cycle: cycle, kind: kind, box: box, method: method, supportPoints: supportPoints)
        var distribution = DistributionOptions()
        if !statistics {
            distribution.deltaSigma = nil
            distribution.coverage = nil
        }
        let result = try builder.build(distribution: distribution, log: log)
        try checkInvertible(result.manifold, allowNonInvertible: allowNonInvertible)
        return result
    }

    /// Single-branch stable manifolds: refuses one built where the backward step had no or
    /// several preimages (the construction then misses branches or breaks off).
    public func checkInvertible(_ manifold: Manifold, allowNonInvertible: Bool) throws {
        let r = manifold.nonInvertibility
        if manifold.kind == .stable && singleBranch && r.affected > 0 && !allowNonInvertible {
            let first = r.examples.first.map { " (first: \($0.problem) in region \($0.region) at \($0.point.map { String(format: "%.6g", $0) }.joined(separator: ", ")))" } ?? ""
            throw InputError("the map is not invertible where the stable manifold goes: \(r.noPreimage) support points without a consistent preimage, \(r.severalPreimages) with several, \(r.folds) folds, \(r.singular) singular\(first); the single-branch stable manifold would miss branches (without \(optionName("single_branch")) every branch is followed; \(optionName("allow_non_invertible")) keeps the consistent part)")
        }
    }

    /// The name of a manifold's group under `/manifolds`: `cycle<I>-<kind>` or `point-<kind>`.
    public static func manifoldName(_ index: Int?, _ kind: ManifoldKind) -> String {
        "\(index.map { "cycle\($0)" } ?? "point")-\(kind.rawValue)"
    }

    // MARK: - manifold

    /// What a manifold computation starts from: the cycles, the chosen saddle and its index,
    /// the box, and a builder per kind (shared by `platlas manifold` and `[[manifold]]`).
    public struct ManifoldPlan {
        public var cycles: [Cycle]
        public var saddle: Cycle
        public var index: Int?
        public var box: Box
        public var builders: [ManifoldBuilder]
        /// The group name of each manifold under `/manifolds`.
        public var names: [String]
    }

    public func plan(model: Model, kinds: [ManifoldKind], method: ManifoldMethod?, supportPoints: Int?, log: Log) throws -> ManifoldPlan {
        let form = model.shallowForm()
        let (cycles, chosen, index) = try resolve(model: model, log: log)
        let box = try box(for: chosen, cycles: cycles, form: form)
        let builders = try kinds.map { try builder(form: form, cycle: chosen, kind: $0, box: box, method: method, supportPoints: supportPoints) }
        return ManifoldPlan(cycles: cycles, saddle: chosen, index: index, box: box, builders: builders,
                            names: kinds.map { Self.manifoldName(index, $0) })
    }

    /// The manifolds of one saddle built over the ranks of a run: each rank holds its share.
    public struct SharedManifoldRun: Sendable {
        public var cycles: [Cycle]
        public var saddle: Cycle
        public var index: Int?
        public var box: Box
        public var results: [(share: ManifoldResult, name: String)]

        /// Writes `/manifolds/<name>` for each with its load report under `distribution`, every
        /// rank its own rows (collective), each marked with the attribute `analysis`.
        public func write(into root: borrowing Group, analysis: String) throws {
            for r in results {
                try SaddleSetup.checkFree(root, "manifolds/\(r.name)")
                try ManifoldOutput.write(r.share.manifold, name: r.name, saddleIndex: index, deltaSigma: r.share.deltaSigma,
                                         coverage: r.share.coverage, parentRows: r.share.parentRows, part: r.share.part, into: root)
                try DistributionOutput.write(r.share.report, name: r.name, into: root)
                try SaddleSetup.mark(root, "manifolds/\(r.name)", analysis)
            }
        }

        /// One document per manifold, with its load report as `distribution`.
        public func json() -> JSONOutput {
            .array(results.map {
                var summary = ManifoldOutput.json($0.share.manifold, name: $0.name, saddleIndex: index, deltaSigma: $0.share.deltaSigma,
                                                  coverage: $0.share.coverage, totals: $0.share.totals)
                if case .object(var fields) = summary {
                    fields.append(("distribution", DistributionOutput.json($0.share.report)))
                    summary = .object(fields)
                }
                return summary
            })
        }
    }

    public func sharedManifolds(model: Model, kinds: [ManifoldKind], method: ManifoldMethod?, supportPoints: Int?,
                                allowNonInvertible: Bool, context: AnalysisRunContext) throws -> SharedManifoldRun {
        let plan = try plan(model: model, kinds: kinds, method: method, supportPoints: supportPoints, log: context.log)
        let shares = try context.buildManifolds(plan.builders)
        for s in shares { try checkInvertible(s.manifold, allowNonInvertible: allowNonInvertible) }
        return SharedManifoldRun(cycles: plan.cycles, saddle: plan.saddle, index: plan.index, box: plan.box,
                                 results: Array(zip(shares, plan.names)))
    }

    // MARK: - output helpers

    static func checkFree(_ root: borrowing Group, _ path: String) throws {
        if root.exists(path) { throw InputError("/\(path) is already written by an earlier analysis of this run") }
    }

    static func mark(_ root: borrowing Group, _ path: String, _ analysis: String) throws {
        let g = try root.openGroup(path)
        try g.setAttribute("analysis", analysis)
        try g.close()
    }
}
