import ComplexModule
import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

// Over 400 lines on purpose: one analysis, whose options, computation, two HDF5 groups and JSON
// document must stay side by side for the two front doors to agree.

/// The reduced model of `platlas reduce` and `[[reduce]]` (docs/reduce.md): its options, their
/// validation, the computation (the cycle search and the slow manifold over the run's ranks,
/// the parameter track shared over them), the HDF5 groups (`/manifolds/cycleI-slow` with kind
/// `slow`, `/reduced`), the JSON document and the summary. The command and the spec table are
/// adapters that fill `options`.
public struct ReduceAnalysis: Analysis {
    /// The options as a user gives them (spec keys; the command's options are the same names
    /// with dashes).
    public struct Options: Sendable {
        /// The stable fixed point or cycle reduced around (index among the cycles found)...
        public var fixedPoint: Int?
        /// ... or the saddle whose unstable manifold is the slow manifold (a decision network).
        public var saddle: Int?
        /// d.
        public var dim = 1
        /// `lo:hi` or `lo1:hi1,...`; nil: the default box (docs/manifolds.md).
        public var bounds: String?
        public var maxOrder = 1
        public var seed: UInt64 = 0
        /// Steps of the manifold construction (default 200).
        public var maxIterations: Int?
        /// The drift tolerance per step (default 1e-3 of the reduced map's domain).
        public var driftTolerance: Double?
        /// Tracking: what varies (`h[0]`, `scale:W`, `h+u`), its values, and u.
        public var param: String?
        public var range: SweepRange?
        public var direction: [Double]?

        public init() {}

        /// The index of the object reduced around.
        public var index: Int { fixedPoint ?? saddle! }

        /// Checks what needs no model; `rangeText` as typed (`-0.5:0.5:21`).
        public mutating func check(rangeText: String?, naming: OptionNaming) throws(OptionValueError) {
            if fixedPoint == nil && saddle == nil {
                throw OptionValueError("fixed_point", "give the object to reduce around: \(naming("fixed_point")) I (a stable fixed point or cycle) or \(naming("saddle")) I")
            }
            if fixedPoint != nil && saddle != nil { throw OptionValueError("saddle", "give either \(naming("fixed_point")) or \(naming("saddle")), not both") }
            if index < 0 { throw OptionValueError(fixedPoint != nil ? "fixed_point" : "saddle", "\(naming(fixedPoint != nil ? "fixed_point" : "saddle")) must be 0 or more, got \(index)") }
            guard dim >= 1 else { throw OptionValueError("dim", "\(naming("dim")) must be at least 1, got \(dim)") }
            guard maxOrder >= 1 && maxOrder <= 10_000 else { throw OptionValueError("max_order", "\(naming("max_order")) must be between 1 and 10000, got \(maxOrder)") }
            if let bounds, SaddleSetup.parseBounds(bounds, dimension: nil) == nil {
                throw OptionValueError("bounds", "\(naming("bounds")) must be lo:hi or lo1:hi1,lo2:hi2,... of finite numbers with lo < hi, got '\(bounds)'")
            }
            if let n = maxIterations {
                guard n >= 1 else { throw OptionValueError("max_iterations", "\(naming("max_iterations")) must be at least 1, got \(n)") }
                do { try Limits.current.check(n, .count, naming("max_iterations")) } catch { throw OptionValueError("max_iterations", error.description) }
            }
            if let t = driftTolerance, !(t > 0 && t.isFinite) {
                throw OptionValueError("drift_tolerance", "\(naming("drift_tolerance")) must be a positive number, got \(t)")
            }
            if let rangeText {
                guard param != nil else { throw OptionValueError("range", "\(naming("range")) needs \(naming("param"))") }
                do { range = try SweepRange.parse(rangeText) } catch { throw OptionValueError("range", "\(naming("range")): \(error.description)") }
                do { try Limits.current.check(range!.count, .points, naming("range")) } catch { throw OptionValueError("range", error.description) }
            } else if param != nil {
                throw OptionValueError("param", "\(naming("param")) needs \(naming("range")) a:b:n")
            }
        }
    }

    public var options: Options
    public var naming: OptionNaming
    /// The spec and the lines of its keys, for `check`.
    var specPath = ""
    var lines: [String: Int] = [:]

    public init(options: Options, naming: OptionNaming) {
        self.options = options
        self.naming = naming
    }

    /// The group the reduced model goes to: `/reduced` (`/reduced_n` for a spec's n-th).
    static func reducedGroup(_ label: String) -> String { "reduced" + label.dropFirst("reduce".count) }

    /// The checks against the model (before anything is computed): the size of the cycle
    /// search, d at most M, the bounds' dimension, the parameter.
    public func check(model: Model) throws(OptionValueError) {
        let m = model.dimension
        do { try CycleSearch.checkSize(maxOrder: options.maxOrder, dimension: m) } catch { throw OptionValueError("max_order", error.description) }
        guard options.dim <= m else {
            throw OptionValueError("dim", "\(naming("dim")) \(options.dim) is larger than the state space (M = \(m)), so larger than any stable eigenspace")
        }
        if let bounds = options.bounds, SaddleSetup.parseBounds(bounds, dimension: m) == nil {
            throw OptionValueError("bounds", "\(naming("bounds")) has \(bounds.split(separator: ",").count) ranges, the model has \(m) coordinates")
        }
        if let param = options.param {
            do { _ = try SweepTarget.parse(param, model: model, direction: options.direction) } catch {
                throw OptionValueError("param", "\(naming("param")): \(error.description)")
            }
        }
    }

    public func check(_ model: Model) throws(JobSpecError) {
        do { try check(model: model) } catch {
            throw JobSpecError(specPath, line: lines[error.key] ?? lines[""], error.description)
        }
    }

    public var cycleSearchOrder: Int? { options.maxOrder }

    // MARK: The spec table

    public static let kind = AnalysisKind(
        name: "reduce",
        summary: "the reduced model on the slow spectral submanifold of a stable fixed point (or a saddle's unstable manifold)",
        keys: [
            .init("fixed_point", "index of the stable fixed point or cycle among the cycles found (0-based)"),
            .init("saddle", "index of a saddle: its 1D unstable manifold is the slow manifold (instead of 'fixed_point')"),
            .init("dim", "d, the dimension of the slow manifold (default 1)"),
            .init("bounds", "\"lo:hi\" or \"lo1:hi1,lo2:hi2,...\" (default: the box of docs/manifolds.md)"),
            .init("max_order", "search cycles of orders 1..max_order (default 1)"),
            .init("seed", "seed of every random choice (default: the spec's seed)"),
            .init("max_iterations", "at most this many steps of the manifold construction (default 200)"),
            .init("drift_tolerance", "drift per step below which the reduced map counts as slow (default 1e-3 of its domain)"),
            .init("param", "track the slow manifold along this parameter: h[0], W[1,0], scale:W, h+u"),
            .init("range", "values of 'param': \"a:b:n\""),
            .init("direction", "u for a param of the form NAME+u: an array of numbers"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in
            var o = Options()
            o.fixedPoint = try table.int("fixed_point")
            o.saddle = try table.int("saddle")
            o.dim = try table.int("dim") ?? 1
            o.bounds = try table.string("bounds")
            o.maxOrder = try table.int("max_order") ?? 1
            o.seed = try table.seed() ?? context.seed
            o.maxIterations = try table.int("max_iterations")
            o.driftTolerance = try table.double("drift_tolerance")
            o.param = try table.string("param")
            o.direction = try table.numbers("direction")
            do { try o.check(rangeText: try table.string("range"), naming: .spec) } catch let error as OptionValueError {
                throw table.error(error.key, error.description)
            } catch let error as JobSpecError {
                throw error
            } catch {
                throw table.error(nil, "\(error)")
            }
            var analysis = ReduceAnalysis(options: o, naming: .spec)
            analysis.specPath = table.path
            analysis.lines = FTLEAnalysis.keyLines(table)
            return analysis
        })

    // MARK: Running

    /// What a reduction found (every rank holds the same, but `manifold`: this rank's part).
    public struct Result: Sendable {
        public var cycles: [Cycle]
        public var object: Cycle
        public var box: Box
        public var manifold: ManifoldResult
        public var manifoldName: String
        public var reduced: ReducedModel
        /// d >= 2 (no curve): chart coordinates sampled on the local piece and their images.
        public var localSamples: [[Double]]
        public var localImages: [[Double]]
        public var track: SlowManifoldTrack?
        public var ranks: Int
        public var seconds: Double

        /// The reduced model as a model of its own (d = 1 with an exact curve).
        public var reducedModel: Model? { reduced.map?.asModel() }
    }

    /// The reduction, the slow manifold built over the run's ranks, the track shared over them. Bad input found on the way (an object that is not stable, d beyond
    /// the stable eigenspace) throws `InputError` on every rank alike.
    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let (model, collective, log) = (context.model, context.collective, context.log)
        do { try check(model: model) } catch { throw InputError(error.description) }
        let started = ContinuousClock.now
        let form = model.shallowForm(), m = model.dimension
        var search = CycleSearchOptions(maxOrder: options.maxOrder)
        search.seed = options.seed
        let cycles: [Cycle]
        do { cycles = try CycleSearch(model: model, options: search, log: log).run(collective: collective).cycles } catch {
            throw InputError("\(error)")
        }
        let key = options.fixedPoint != nil ? "fixed_point" : "saddle", i = options.index
        guard i < cycles.count else {
            throw InputError("\(naming(key)) \(i) is out of range: the search found \(cycles.count) cycle\(cycles.count == 1 ? "" : "s") (0..\(max(cycles.count - 1, 0)))")
        }
        let object = cycles[i]
        let what = object.order == 1 ? "fixed point \(i)" : "cycle \(i) (order \(object.order))"
        if options.fixedPoint != nil {
            guard object.stability == .stable else {
                throw InputError("\(naming("fixed_point")) \(i): \(what) is \(object.stability.rawValue), not stable; the slow manifold of a saddle is its unstable manifold (\(naming("saddle")) \(i))")
            }
        } else {
            guard object.stability == .saddle else { throw InputError("\(naming("saddle")) \(i): \(what) is \(object.stability.rawValue), not a saddle") }
            guard options.dim <= object.unstableDimension else {
                throw InputError("\(naming("dim")) \(options.dim) is larger than the unstable eigenspace of \(what) (dimension \(object.unstableDimension))")
            }
        }
        let box: Box
        if let text = options.bounds {
            box = SaddleSetup.parseBounds(text, dimension: m)!
            guard object.points.allSatisfy({ box.contains($0) }) else { throw InputError("\(naming("bounds")) \(text) excludes \(what)") }
        } else {
            box = Box.fromTrajectories(Box.around(object.points + cycles.flatMap(\.points)), form: form, seed: options.seed)
        }
        var reduction = ReductionOptions(dimension: options.dim, bounds: box)
        reduction.unstableFirst = options.saddle != nil
        reduction.driftTolerance = options.driftTolerance
        let reduced: ReducedModel
        do {
            reduced = try Reduction.reduce(form: form, cycle: object, options: reduction, fixedPoints: cycles.filter { $0.order == 1 })
        } catch {
            throw InputError("\(naming("dim")) \(options.dim) at \(what): \(error.description)")
        }
        // The SSM as a set: every preimage branch (or every image), with coverage.
        var manifoldOptions = ManifoldOptions(kind: .stable, bounds: box)
        manifoldOptions.maxIterations = options.maxIterations ?? 200
        manifoldOptions.seed = options.seed
        let builder: ManifoldBuilder
        do { builder = try ManifoldBuilder(form: form, slow: reduced.subspace, options: manifoldOptions) } catch {
            throw InputError("the slow manifold of \(what): \(error.description)")
        }
        var building = context
        building.distribution.deltaSigma = nil
        let share = try building.buildManifolds([builder])[0]
        let name = "cycle\(i)-slow"
        if let c = share.coverage {
            log("\(name): \(share.totals.sheets) sheets in \(share.totals.regions) regions, coverage \(c.fraction.isFinite ? String(format: "%.4f", c.fraction) : "-"), \(share.manifold.stopReason.rawValue)")
        }
        let (samples, images) = Self.localSamples(reduced.subspace, form: form, box: box)
        var track: SlowManifoldTrack?
        if let param = options.param, let range = options.range {
            let target = try SweepTarget.parse(param, model: model, direction: options.direction)
            var tracking = TrackingOptions(bounds: box)
            tracking.search.seed = options.seed
            track = try SlowManifoldTracking.track(model: model, target: target, values: range.values, reference: object.points[0],
                                                   options: tracking, sharing: collective)
            log("reduce: \(range.count) values of \(param) on \(collective.size) rank(s), \(track!.folds.count) fold(s) of the reduced dynamics")
        }
        return Result(cycles: cycles, object: object, box: box, manifold: share, manifoldName: name, reduced: reduced, localSamples: samples,
                      localImages: images, track: track, ranks: collective.size, seconds: CycleSearch.seconds(since: started))
    }

    /// d = 2 or 3 without a curve: chart coordinates on a grid (21 or 11 per axis) over the
    /// local piece (the chart's constraints), and their images S c: the reduced map sampled
    /// where it is exact. Empty otherwise.
    static func localSamples(_ subspace: SpectralSubspace, form: ShallowForm, box: Box) -> ([[Double]], [[Double]]) {
        let d = subspace.dimension
        guard d == 2 || d == 3 else { return ([], []) }
        let constraints = subspace.chartConstraints(form: form, box: box)
        let n = d == 2 ? 21 : 11, r = 0.5 * box.diagonal
        var samples: [[Double]] = []
        for flat in 0..<Int(pow(Double(n), Double(d))) {
            var c: [Double] = [], rest = flat
            for _ in 0..<d {
                c.append(-r + 2 * r * Double(rest % n) / Double(n - 1))
                rest /= n
            }
            if constraints.allSatisfy({ zip($0.normal, c).reduce(0) { $0 + $1.0 * $1.1 } <= $0.bound }) { samples.append(c) }
        }
        return (samples, samples.map { subspace.reducedMap($0) })
    }

    // MARK: Output

    /// Writes `/manifolds/<cycleI-slow>` (kind `slow`, every rank its own rows) and `/reduced`
    /// (docs/hdf5-schema.md, "Reduced models"), both marked with the analysis `label`.
    public func write(_ r: Result, into root: borrowing Group, label: String) throws {
        let group = Self.reducedGroup(label)
        try SaddleSetup.checkFree(root, "manifolds/\(r.manifoldName)")
        try ManifoldOutput.write(r.manifold.manifold, name: r.manifoldName, saddleIndex: options.index, deltaSigma: nil, coverage: r.manifold.coverage,
                                 parentRows: r.manifold.parentRows, part: r.manifold.part, kind: "slow", into: root)
        try SaddleSetup.mark(root, "manifolds/\(r.manifoldName)", label)
        let reduced = r.reduced, subspace = reduced.subspace, m = r.object.points[0].count, d = options.dim
        let g = try root.createGroup(group)
        try g.setAttribute("analysis", label)
        try g.setAttribute("dimension", d)
        try g.setAttribute("fixed_point", options.index)
        try g.setAttribute("object", options.saddle != nil ? "saddle" : "fixed-point")
        try g.setAttribute("order", r.object.order)
        try g.setAttribute("spectral_gap", reduced.spectralGap)
        try g.setAttribute("slow_time_scale", Self.slowTimeScale(reduced))
        try g.setAttribute("fast_time_scale", Self.fastTimeScale(reduced))
        try g.setAttribute("attracting", subspace.isAttracting ? 1 : 0)
        try g.setAttribute("invariance_residual", subspace.invarianceResidual)
        try g.setAttribute("manifold", "/manifolds/\(r.manifoldName)")
        try g.setAttribute("classification", reduced.classification.kind.rawValue)
        try g.setAttribute("classification_reason", reduced.classification.reason)
        try g.setAttribute("drift_tolerance", reduced.classification.driftTolerance)
        let interval = reduced.classification.interval
        try g.setAttribute("interval", [interval?.lowerBound ?? .nan, interval?.upperBound ?? .nan])
        try g.writeDataset("eigenvalues", subspace.eigenvalues.flatMap { [$0.real, $0.imaginary] }, shape: [m, 2])
        try g.writeDataset("time_scales", reduced.timeScales, shape: [m])
        try g.writeDataset("fixed_point", r.object.points.flatMap { $0 }, shape: [r.object.order, m])
        try g.writeDataset("basis", subspace.bases[0].flatMap { $0 }, shape: [d, m])
        try g.writeDataset("reduced_matrix", subspace.reducedMatrix, shape: [d, d])
        if let curve = reduced.curve, let map = reduced.map {
            let chart = try g.createGroup("chart")
            try chart.writeDataset("points", curve.points.flatMap { $0 }, shape: [curve.points.count, m])
            try chart.writeDataset("s", curve.s, shape: [curve.s.count])
            try chart.close()
            try g.writeDataset("s", map.s, shape: [map.s.count])
            try g.writeDataset("f", map.f, shape: [map.f.count])
            try g.writeDataset("drift", map.drift, shape: [map.s.count])
            let fixed = reduced.fixedPoints
            let fg = try g.createGroup("fixed_points")
            try fg.writeDataset("s", fixed.map(\.s), shape: [fixed.count])
            try fg.writeDataset("state", fixed.flatMap { curve.point(at: $0.s) ?? [Double](repeating: .nan, count: m) }, shape: [fixed.count, m])
            try fg.writeDataset("left_slope", fixed.map { $0.leftSlope ?? .nan }, shape: [fixed.count])
            try fg.writeDataset("right_slope", fixed.map { $0.rightSlope ?? .nan }, shape: [fixed.count])
            try fg.writeStrings("stability", fixed.map(\.stability.rawValue))
            try fg.close()
        } else {
            let n = r.localSamples.count
            try g.writeDataset("s", r.localSamples.flatMap { $0 }, shape: [n, d])
            try g.writeDataset("f", r.localImages.flatMap { $0 }, shape: [n, d])
            try g.writeDataset("drift", Self.drift(r), shape: [n])
        }
        if let model = r.reducedModel { try ModelFile.write([model], into: root, group: "/\(group)/model") }
        if let track = r.track { try writeTrack(track, into: g) }
        try g.close()
    }

    func writeTrack(_ track: SlowManifoldTrack, into g: borrowing Group) throws {
        let points = track.points, m = options.dim
        _ = m
        let t = try g.createGroup("track")
        try t.setAttribute("param", options.param ?? "")
        try t.writeDataset("parameter", points.map(\.parameter), shape: [points.count])
        try t.writeDataset("source", points.map { Int64($0.source.rawValue) }, shape: [points.count])
        try t.writeDataset("eigenvalue", points.map(\.eigenvalue), shape: [points.count])
        try t.writeDataset("spectral_gap", points.map(\.spectralGap), shape: [points.count])
        try t.writeDataset("stable_count", points.map { Int64($0.stableCount) }, shape: [points.count])
        try t.writeDataset("unstable_count", points.map { Int64($0.unstableCount) }, shape: [points.count])
        var offsets: [Int64] = [0]
        for p in points { offsets.append(offsets.last! + Int64(p.s.count)) }
        try t.writeDataset("offsets", offsets, shape: [offsets.count])
        try t.writeDataset("s", points.flatMap(\.s), shape: [Int(offsets.last!)])
        try t.writeDataset("f", points.flatMap(\.f), shape: [Int(offsets.last!)])
        try t.close()
        let folds = track.folds
        let f = try g.createGroup("folds")
        try f.writeDataset("lower", folds.map(\.lower), shape: [folds.count])
        try f.writeDataset("upper", folds.map(\.upper), shape: [folds.count])
        try f.writeDataset("parameter", folds.map(\.parameter), shape: [folds.count])
        try f.writeDataset("appearing", folds.map { Int64($0.appearing ? 1 : 0) }, shape: [folds.count])
        let states = folds.map { $0.states.count == 2 ? $0.states.flatMap { $0 } : [] }
        let width = states.first(where: { !$0.isEmpty })?.count ?? 0
        try f.writeDataset("states", states.flatMap { $0.isEmpty ? [Double](repeating: .nan, count: width) : $0 },
                           shape: [folds.count, 2, width / 2])
        try f.close()
    }

    static func slowTimeScale(_ r: ReducedModel) -> Double { r.timeScales.prefix(r.subspace.dimension).max() ?? .nan }
    static func fastTimeScale(_ r: ReducedModel) -> Double { r.timeScales.dropFirst(r.subspace.dimension).max() ?? .nan }

    static func drift(_ r: Result) -> [Double] {
        zip(r.localSamples, r.localImages).map { c, f in zip(c, f).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }.squareRoot() }
    }

    /// `{"reduced": {...}, "manifold": {...}, "track", "folds", "stats"}` (docs/reduce.md).
    public func json(_ r: Result, label: String) -> JSONOutput {
        let reduced = r.reduced, d = options.dim
        var chart: [(String, JSONOutput)]
        var fixed: JSONOutput
        if let curve = reduced.curve, let map = reduced.map {
            chart = [("s", .numbers(map.s)), ("f", .numbers(map.f)), ("drift", .numbers(map.drift)), ("extent", .number(curve.extent)),
                     ("ends", .array(curve.ends.map { .string($0.name) }))]
            fixed = .array(reduced.fixedPoints.map { p in
                .object([("s", .number(p.s)), ("state", curve.point(at: p.s).map { .numbers($0) } ?? .null), ("stability", .string(p.stability.rawValue)),
                         ("left_slope", p.leftSlope.map { .number($0) } ?? .null), ("right_slope", p.rightSlope.map { .number($0) } ?? .null)])
            })
        } else {
            chart = [("s", .array(r.localSamples.map { .numbers($0) })), ("f", .array(r.localImages.map { .numbers($0) })), ("drift", .numbers(Self.drift(r))),
                     ("reduced_matrix", .array((0..<d).map { row in .numbers(Array(reduced.subspace.reducedMatrix[(row * d)..<((row + 1) * d)])) }))]
            fixed = .array(reduced.fixedPoints.map { p in
                .object([("s", .numbers([Double](repeating: 0, count: d))), ("state", .numbers(r.object.points[0])), ("stability", .string(p.stability.rawValue))])
            })
        }
        let c = reduced.classification
        var fields: [(String, JSONOutput)] = [
            ("reduced", .object([
                ("dimension", .integer(d)),
                ("fixed_point", .integer(options.index)),
                ("object", .string(options.saddle != nil ? "saddle" : "fixed-point")),
                ("order", .integer(r.object.order)),
                ("point", .numbers(r.object.points[0])),
                ("eigenvalues", .array(reduced.subspace.eigenvalues.map { .numbers([$0.real, $0.imaginary]) })),
                ("spectral_gap", .number(reduced.spectralGap)),
                ("time_scales", .object([("slow", .numbers(Array(reduced.timeScales.prefix(d)))), ("fast", .numbers(Array(reduced.timeScales.dropFirst(d))))])),
                ("attracting", .bool(reduced.subspace.isAttracting)),
                ("chart", .object(chart)),
                ("fixed_points", fixed),
                ("classification", .object([("kind", .string(c.kind.rawValue)), ("reason", .string(c.reason)),
                                            ("interval", c.interval.map { .numbers([$0.lowerBound, $0.upperBound]) } ?? .null),
                                            ("drift_tolerance", .number(c.driftTolerance))])),
                ("model", r.reducedModel != nil ? .string("/\(Self.reducedGroup(label))/model") : .null),
            ])),
            ("manifold", ManifoldOutput.json(r.manifold.manifold, name: r.manifoldName, saddleIndex: options.index, deltaSigma: nil,
                                             coverage: r.manifold.coverage, totals: r.manifold.totals, kind: "slow")),
        ]
        if let track = r.track {
            fields.append(("track", .object([
                ("param", .string(options.param ?? "")),
                ("parameter", .numbers(track.points.map(\.parameter))),
                ("source", .array(track.points.map { .string(["none", "saddle", "stable-point"][$0.source.rawValue]) })),
                ("eigenvalue", .numbers(track.points.map(\.eigenvalue))),
                ("stable_count", .integers(track.points.map(\.stableCount))),
                ("unstable_count", .integers(track.points.map(\.unstableCount))),
            ])))
            fields.append(("folds", .array(track.folds.map { f in
                .object([("parameter", .number(f.parameter)), ("lower", .number(f.lower)), ("upper", .number(f.upper)),
                         ("appearing", .bool(f.appearing)), ("states", .array(f.states.map { .numbers($0) }))])
            })))
        }
        fields.append(("stats", .object([("seconds", .number(r.seconds)), ("ranks", .integer(r.ranks)), ("seed", .integer(Int(truncatingIfNeeded: options.seed)))])))
        return .object(fields)
    }

    public func summary(_ r: Result, label: String) -> String {
        let reduced = r.reduced
        var text = "/\(Self.reducedGroup(label)): d = \(options.dim) at \(options.saddle != nil ? "saddle" : "fixed point") \(options.index), slow eigenvalue"
            + (options.dim > 1 ? "s " : " ")
            + reduced.subspace.slowEigenvalues.map { $0.imaginary == 0 ? String(format: "%.6g", $0.real) : String(format: "%.6g%+.6gi", $0.real, $0.imaginary) }.joined(separator: ", ")
            + String(format: ", spectral gap %.4g; %@ (%@)", reduced.spectralGap, reduced.classification.kind.rawValue, reduced.classification.reason)
        if reduced.map != nil {
            text += "; reduced fixed points: " + reduced.fixedPoints.map { String(format: "%.4g ", $0.s) + $0.stability.rawValue }.joined(separator: ", ")
        }
        let c = r.manifold.coverage?.fraction
        text += "\n  /manifolds/\(r.manifoldName): \(r.manifold.totals.sheets) sheets in \(r.manifold.totals.regions) regions, coverage "
            + (c.map { $0.isFinite ? String(format: "%.4f", $0) : "-" } ?? "-") + ", \(r.manifold.manifold.stopReason.rawValue)"
        if let track = r.track {
            text += "\n  \(track.points.count) values of \(options.param ?? ""): \(track.folds.count) fold(s)"
                + track.folds.map { String(format: " at %.6g (%@)", $0.parameter, $0.appearing ? "appearing" : "vanishing") }.joined(separator: ",")
        }
        return text
    }

    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        try write(result, into: root, label: group)
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        AnalysisOutcome(summary: summary(result, label: group), json: json(result, label: group))
    }
}
