import Foundation
import HDF5
import LinearAlgebra
import PLAtlasCore
import PLAtlasIO

/// How `platlas manifold`, `basins` and `intersections` (and their job-spec analyses) pick a
/// saddle and the box, and build a manifold. Bad input throws `AnalysisInputError` with the
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
            do { all = try ManifoldOutput.readCycles(path) } catch { throw AnalysisInputError("\(optionName("cycles")) \(path): \(error)") }
            guard all.allSatisfy({ $0.points.first?.count == model.dimension }) else {
                throw AnalysisInputError("\(optionName("cycles")) \(path): the cycles have another dimension than the model")
            }
        } else if point != nil && bounds != nil {
            // A fixed point given by a point, in a given box: the cycles are not needed.
            all = []
        } else {
            var options = CycleSearchOptions(maxOrder: maxOrder)
            options.seed = seed
            do { all = try CycleSearch(model: model, options: options, log: log).run().cycles } catch { throw AnalysisInputError("\(error)") }
        }
        if let i = cycle {
            guard i < all.count else {
                throw AnalysisInputError("\(optionName("cycle")) \(i) is out of range: the search found \(all.count) cycle\(all.count == 1 ? "" : "s") (0..\(max(all.count - 1, 0)))")
            }
            guard all[i].stability == .saddle else {
                throw AnalysisInputError("\(optionName("cycle")) \(i) is \(all[i].stability.rawValue), not a saddle")
            }
            return (all, all[i], i)
        }
        guard let x = point else { throw AnalysisInputError("give the saddle with \(optionName("cycle")) or \(optionName("point"))") }
        guard x.count == model.dimension else { throw AnalysisInputError("\(optionName("point")) has \(x.count) coordinates, the model has \(model.dimension)") }
        let form = model.shallowForm()
        let d = form.region(of: x)
        let j = form.jacobian(d)
        guard let z = try? solve(Matrix.identity(model.dimension) - j, form.offset(d)), form.region(of: z) == d else {
            throw AnalysisInputError("no fixed point in the region of \(optionName("point"))")
        }
        let values = (try? eigenvalues(j)) ?? []
        let fixed = Cycle(points: [z], regions: [d], eigenvalues: values, residual: 0, marginalTolerance: 1e-6)
        guard fixed.stability == .saddle else { throw AnalysisInputError("the fixed point in the region of \(optionName("point")) is \(fixed.stability.rawValue), not a saddle") }
        return (all, fixed, nil)
    }

    /// `bounds`, checked to contain the saddle, else the default box around the saddle and the cycles.
    public func box(for saddle: Cycle, cycles: [Cycle], form: ShallowForm) throws -> Box {
        let dimension = form.dimension
        guard let text = bounds else {
            return Box.fromTrajectories(Box.around(saddle.points + cycles.flatMap(\.points)), form: form, seed: seed)
        }
        guard let box = Self.parseBounds(text, dimension: dimension) else {
            throw AnalysisInputError("\(optionName("bounds")) has \(text.split(separator: ",").count) ranges, the model has \(dimension) coordinates")
        }
        guard saddle.points.allSatisfy({ box.contains($0) }) else { throw AnalysisInputError("\(optionName("bounds")) \(text) excludes the saddle") }
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
        do { return try ManifoldBuilder(form: form, saddle: cycle, options: options) } catch { throw AnalysisInputError(error.description) }
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
            throw AnalysisInputError("the map is not invertible where the stable manifold goes: \(r.noPreimage) support points without a consistent preimage, \(r.severalPreimages) with several, \(r.folds) folds, \(r.singular) singular\(first); the single-branch stable manifold would miss branches (without \(optionName("single_branch")) every branch is followed; \(optionName("allow_non_invertible")) keeps the consistent part)")
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
            throw AnalysisInputError("the saddle has unstable dimension \(chosen.unstableDimension): its stable manifold is not a codimension-1 basin boundary")
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
            throw AnalysisInputError(ManifoldError.notCodimensionOne(dimension: manifold.dimension, stateDimension: m).description)
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

    // MARK: - intersections

    /// Homoclinic or heteroclinic points: what `platlas intersections` computes.
    public struct IntersectionsRun: Sendable {
        public var cycles: [Cycle]
        public var box: Box
        public var unstableIndex: Int?
        public var stableIndex: Int?
        public var unstable: Manifold
        public var stable: Manifold
        public var points: [IntersectionPoint]
        public var tolerance: Double

        public var homoclinic: Bool { unstableIndex == stableIndex }
        public var verified: Int { points.filter(\.verified).count }
        /// A verified transversal homoclinic point of an invertible map.
        public var chaosCertificate: Bool {
            let r = stable.nonInvertibility
            return homoclinic && verified > 0 && r.severalPreimages == 0 && r.singular == 0 && r.folds == 0
        }
        public var name: String { "cycle\(unstableIndex ?? -1)-cycle\(stableIndex ?? -1)" }
        public var unstableName: String { "cycle\(unstableIndex ?? -1)-unstable" }
        public var stableName: String { "cycle\(stableIndex ?? -1)-stable" }

        /// Writes both manifolds under `/manifolds` and the points under `/intersections/<name>`.
        public func write(into root: borrowing Group, analysis: String) throws {
            for path in ["manifolds/\(unstableName)", "manifolds/\(stableName)", "intersections/\(name)"] {
                try SaddleSetup.checkFree(root, path)
            }
            try ManifoldOutput.write(unstable, name: unstableName, saddleIndex: unstableIndex, deltaSigma: nil, coverage: nil,
                                     parentRows: Manifold.parentRows(unstable.sheets), into: root)
            try ManifoldOutput.write(stable, name: stableName, saddleIndex: stableIndex, deltaSigma: nil, coverage: nil,
                                     parentRows: Manifold.parentRows(stable.sheets), into: root)
            try ManifoldOutput.writeIntersections(points, name: name, kind: homoclinic ? "homoclinic" : "heteroclinic", unstableSaddle: unstableIndex,
                                                  stableSaddle: stableIndex, chaosCertificate: chaosCertificate, tolerance: tolerance, into: root)
            for path in ["manifolds/\(unstableName)", "manifolds/\(stableName)", "intersections/\(name)"] {
                try SaddleSetup.mark(root, path, analysis)
            }
        }

        public func json(seconds: Double, ranks: Int) -> JSONOutput {
            .object([
                ("kind", .string(homoclinic ? "homoclinic" : "heteroclinic")),
                ("unstable_saddle", unstableIndex.map { .integer($0) } ?? .null),
                ("stable_saddle", stableIndex.map { .integer($0) } ?? .null),
                ("points", ManifoldOutput.json(points)),
                ("count", .integer(points.count)),
                ("verified", .integer(verified)),
                ("tolerance", .number(tolerance)),
                ("chaos_certificate", .bool(chaosCertificate)),
                ("manifolds", .array([
                    ManifoldOutput.json(unstable, name: unstableName, saddleIndex: unstableIndex, deltaSigma: nil, coverage: nil),
                    ManifoldOutput.json(stable, name: stableName, saddleIndex: stableIndex, deltaSigma: nil, coverage: nil),
                ])),
                ("stats", .object([("seconds", .number(seconds)), ("ranks", .integer(ranks))])),
            ])
        }
    }

    /// W^u of the saddle meets W^s of saddle `to` (default the same). Uses `defaultIterations` as set.
    public func intersections(model: Model, to: Int?, tolerance: Double, allowNonInvertible: Bool, log: Log) throws -> IntersectionsRun {
        let form = model.shallowForm()
        let (cycles, first, firstIndex) = try resolve(model: model, log: log)
        var second = first, secondIndex = firstIndex
        if let j = to, j != firstIndex {
            guard j < cycles.count else {
                throw AnalysisInputError("\(optionName("to")) \(j) is out of range: the search found \(cycles.count) cycle\(cycles.count == 1 ? "" : "s") (0..\(max(cycles.count - 1, 0)))")
            }
            guard cycles[j].stability == .saddle else { throw AnalysisInputError("\(optionName("to")) \(j) is \(cycles[j].stability.rawValue), not a saddle") }
            second = cycles[j]
            secondIndex = j
        }
        var box = try box(for: first, cycles: cycles, form: form)
        if bounds != nil {
            guard second.points.allSatisfy({ box.contains($0) }) else { throw AnalysisInputError("\(optionName("bounds")) excludes saddle \(secondIndex ?? 0)") }
        } else {
            box = Box.fromTrajectories(Box.around(first.points + second.points + cycles.flatMap(\.points)), form: form, seed: seed)
        }
        let unstable = try build(form: form, cycle: first, kind: .unstable, box: box, method: nil, supportPoints: nil,
                                 allowNonInvertible: allowNonInvertible, statistics: false, log: log).manifold
        let stable = try build(form: form, cycle: second, kind: .stable, box: box, method: nil, supportPoints: nil,
                               allowNonInvertible: allowNonInvertible, statistics: false, log: log).manifold
        var settings = IntersectionOptions()
        settings.tolerance = tolerance
        let points: [IntersectionPoint]
        do { points = try Intersections.find(unstable: unstable, stable: stable, form: form, options: settings) } catch { throw AnalysisInputError(error.description) }
        let run = IntersectionsRun(cycles: cycles, box: box, unstableIndex: firstIndex, stableIndex: secondIndex, unstable: unstable,
                                   stable: stable, points: points, tolerance: tolerance)
        log("intersections: \(points.count) transversal points, \(run.verified) verified")
        return run
    }

    // MARK: - output helpers

    static func checkFree(_ root: borrowing Group, _ path: String) throws {
        if root.exists(path) { throw AnalysisInputError("/\(path) is already written by an earlier analysis of this run") }
    }

    static func mark(_ root: borrowing Group, _ path: String, _ analysis: String) throws {
        let g = try root.openGroup(path)
        try g.setAttribute("analysis", analysis)
        try g.close()
    }
}
