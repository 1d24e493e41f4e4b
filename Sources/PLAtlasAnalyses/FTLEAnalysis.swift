import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

/// The FTLE field of `platlas ftle` and `[[ftle]]` (docs/ftle.md): its options, their one
/// validation, the computation (rows shared over the run's ranks), the HDF5 group, the JSON
/// document and the summary. The command and the spec table are adapters that fill `options`.
public struct FTLEAnalysis: Analysis {
    /// The options as a user gives them (spec keys; the command's options are the same names
    /// with dashes).
    public struct Options: Sendable, Equatable {
        /// Lower and upper bounds along axis i and axis j.
        public var lower: [Double]
        public var upper: [Double]
        /// N: the grid is N x N.
        public var grid: Int
        public var axes = [0, 1]
        /// The plane's centre; nil: the mean of long trajectories (`FTLEPlane.meanOfTrajectories`).
        public var center: [Double]?
        /// T.
        public var steps = 50
        public var backward = false
        /// Seed of the default centre's random starts.
        public var seed: UInt64 = 0

        public init(lower: [Double], upper: [Double], grid: Int) {
            self.lower = lower
            self.upper = upper
            self.grid = grid
        }

        /// Options from text as typed (`-3:3,-2:2`, `0,1`, `-0.5,1`): every value checked alone.
        public static func parse(bounds: String, grid: Int, axes: String?, center: String?, steps: Int?, backward: Bool, seed: UInt64,
                                 naming: OptionNaming) throws(OptionValueError) -> Options {
            guard let box = SaddleSetup.parseBounds(bounds, dimension: nil), box.dimension == 2 else {
                throw OptionValueError("bounds", "\(naming("bounds")) must be two ranges lo1:hi1,lo2:hi2 of finite numbers with lo < hi (along the two axes), got '\(bounds)'")
            }
            var o = Options(lower: box.lower, upper: box.upper, grid: grid)
            if let axes {
                let parts = axes.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let i = parts[0], let j = parts[1] else {
                    throw OptionValueError("axes", "\(naming("axes")) must be two state axes i,j (0-based), got '\(axes)'")
                }
                o.axes = [i, j]
            }
            if let center {
                guard let x = SaddleSetup.parseNumbers(center) else {
                    throw OptionValueError("center", "\(naming("center")) must be finite numbers separated by commas, got '\(center)'")
                }
                o.center = x
            }
            if let steps { o.steps = steps }
            o.backward = backward
            o.seed = seed
            try o.checkAlone(naming: naming)
            return o
        }

        /// The checks that need no model.
        public func checkAlone(naming: OptionNaming) throws(OptionValueError) {
            guard grid >= 1 else { throw OptionValueError("grid", "\(naming("grid")) must be at least 1, got \(grid)") }
            guard steps >= 1 else { throw OptionValueError("steps", "\(naming("steps")) must be at least 1, got \(steps)") }
            do { try Limits.current.check(Limits.product([grid, grid]), .values, "\(naming("grid")) \(grid): the field's N x N values") } catch {
                throw OptionValueError("grid", error.description)
            }
            do { try Limits.current.check(steps, .count, naming("steps")) } catch { throw OptionValueError("steps", error.description) }
            guard axes.allSatisfy({ $0 >= 0 }) else { throw OptionValueError("axes", "\(naming("axes")) must be 0 or more, got \(axes[0]),\(axes[1])") }
            guard axes[0] != axes[1] else { throw OptionValueError("axes", "\(naming("axes")): the two axes must differ, got \(axes[0]) twice") }
        }
    }

    public var options: Options
    public var naming: OptionNaming

    public init(options: Options, naming: OptionNaming) {
        self.options = options
        self.naming = naming
    }

    /// The plane for `model`: the one validation against the model (M >= 2, axes below M, the
    /// centre's length; the default centre when none is given).
    public func plane(for model: Model) throws(OptionValueError) -> FTLEPlane {
        let m = model.dimension
        guard m >= 2 else { throw OptionValueError("axes", "an FTLE plane needs two state axes; the model has M = \(m)") }
        for a in options.axes where a >= m {
            throw OptionValueError("axes", "\(naming("axes")) \(options.axes[0]),\(options.axes[1]): axis \(a) is out of range, the state axes are 0..\(m - 1)")
        }
        let centre: [Double]
        if let given = options.center {
            guard given.count == m else {
                throw OptionValueError("center", "\(naming("center")) has \(given.count) coordinates, the model has M = \(m)")
            }
            centre = given
        } else {
            guard let mean = FTLEPlane.meanOfTrajectories(form: model.shallowForm(), seed: options.seed) else {
                throw OptionValueError("center", "every long trajectory of the model diverges, so there is no default centre: give \(naming("center"))")
            }
            centre = mean
        }
        do {
            return try FTLEPlane(centre: centre, axes: options.axes, lower: options.lower, upper: options.upper,
                                 resolution: [options.grid, options.grid])
        } catch {
            throw OptionValueError("bounds", error.description)
        }
    }

    // MARK: The spec table

    public static let kind = AnalysisKind(
        name: "ftle",
        summary: "finite-time Lyapunov exponents on an N x N grid of a plane of two state axes",
        keys: [
            .init("bounds", "\"lo1:hi1,lo2:hi2\": the grid's range along the two axes", required: true),
            .init("grid", "N: an N x N grid", required: true),
            .init("axes", "the two state axes, \"i,j\" or [i, j] (default 0,1)"),
            .init("center", "the plane's centre, \"x1,...,xM\" or an array (default: the mean of the model's long trajectories)"),
            .init("steps", "T, the number of steps (default 50)"),
            .init("backward", "the backward field, along every preimage branch (default false)"),
            .init("seed", "seed of the default centre's random starts (default 0)"),
        ],
        allowsSeveral: true,
        parse: { (table, _) throws(JobSpecError) in
            func text(_ key: String) throws(JobSpecError) -> String? {
                if table.holdsString(key) { return try table.string(key) }
                guard let numbers = try table.numbers(key) else { return nil }
                if key == "axes", let bad = numbers.first(where: { $0 != $0.rounded() }) {
                    throw table.error(key, "'axes' must be two whole numbers, got \(bad)")
                }
                return numbers.map { key == "axes" ? String(Int($0)) : String($0) }.joined(separator: ",")
            }
            do {
                let options = try Options.parse(bounds: try table.string("bounds")!, grid: try table.int("grid")!, axes: try text("axes"),
                                                center: try text("center"), steps: try table.int("steps"), backward: try table.bool("backward") ?? false,
                                                seed: try table.seed() ?? 0, naming: .spec)
                return FTLEAnalysis(options: options, naming: .spec, specPath: table.path, lines: Self.keyLines(table))
            } catch let error as OptionValueError {
                throw table.error(error.key, error.description)
            } catch let error as JobSpecError {
                throw error
            } catch {
                throw table.error(nil, "\(error)")
            }
        })

    /// The spec and the lines of its keys, for `check`.
    var specPath = ""
    var lines: [String: Int] = [:]

    init(options: Options, naming: OptionNaming, specPath: String, lines: [String: Int]) {
        self.init(options: options, naming: naming)
        self.specPath = specPath
        self.lines = lines
    }

    static func keyLines(_ table: SpecTable) -> [String: Int] {
        var lines: [String: Int] = [:]
        for key in table.keys { lines[key] = table.line(of: key) }
        lines[""] = table.headerLine
        return lines
    }

    public func check(_ model: Model) throws(JobSpecError) {
        do { _ = try plane(for: model) } catch {
            throw JobSpecError(specPath, line: lines[error.key] ?? lines[""], error.description)
        }
    }

    // MARK: Running

    /// The computed field.
    public struct Result: Sendable {
        public var field: FTLEField
        public var ranks: Int
    }

    /// The field, its rows shared over the run's ranks (every rank returns the whole field).
    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let (model, collective, log) = (context.model, context.collective, context.log)
        let plane: FTLEPlane
        do { plane = try self.plane(for: model) } catch { throw InputError(error.description) }
        let settings = FTLEOptions(steps: options.steps, direction: options.backward ? .backward : .forward)
        let field: FTLEField
        do {
            field = try ftleField(form: model.shallowForm(), plane: plane, options: settings, sharing: collective)
        } catch let error as FTLEInputError {
            throw InputError(error.description)
        }
        let s = field.statistics
        log(String(format: "ftle: %d x %d grid, T = %d, %@, on %d rank(s) in %.3f s (%d averaged, %d diverged)", options.grid, options.grid,
                   options.steps, settings.direction.rawValue, collective.size, s.seconds, s.averaged, s.diverged))
        return Result(field: field, ranks: collective.size)
    }

    /// Writes `/<group>` (docs/hdf5-schema.md, "FTLE"): `values` (N x N, values[a][b] at x[a] on
    /// axis i and y[b] on axis j; NaN where the orbit diverged), `status` (uint8, 0 averaged, 1
    /// diverged), `x`, `y`, `center` (M), `axes` (2), the scalar `steps` and the string
    /// `direction`, with the statistics as attributes. In a parallel file (`communicator`) every
    /// rank writes a block of rows of `values` and `status` (collective).
    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        let (rank, ranks, parallel) = (context.collective.rank, context.collective.size, context.communicator != nil)
        let field = result.field, n = options.grid
        let g = try root.createGroup(group)
        try g.setAttribute("analysis", group)
        if parallel && ranks > 1 {
            // Rows [first, last) of this rank, contiguous blocks in rank order.
            let first = n * rank / ranks, last = n * (rank + 1) / ranks
            let values = try g.createDataset("values", type: .float64, shape: [n, n])
            try values.write(Array(field.values[(first * n)..<(last * n)]), start: [first, 0], count: [last - first, n])
            try values.close()
            let status = try g.createDataset("status", type: .uint8, shape: [n, n])
            try status.write(field.status[(first * n)..<(last * n)].map(\.rawValue), start: [first, 0], count: [last - first, n])
            try status.close()
        } else {
            try g.writeDataset("values", field.values, shape: [n, n])
            try g.writeDataset("status", field.status.map(\.rawValue), shape: [n, n])
        }
        try g.writeDataset("x", field.plane.x, shape: [n])
        try g.writeDataset("y", field.plane.y, shape: [n])
        try g.writeDataset("center", field.plane.centre, shape: [field.plane.centre.count])
        try g.writeDataset("axes", field.plane.axes.map(Int64.init), shape: [2])
        try g.writeDataset("steps", [Int64(options.steps)], shape: [])
        try g.writeStrings("direction", [field.options.direction.rawValue])
        let s = field.statistics
        try g.setAttribute("steps", options.steps)
        try g.setAttribute("direction", field.options.direction.rawValue)
        try g.setAttribute("bound", field.bound)
        try g.setAttribute("averaged", s.averaged)
        try g.setAttribute("diverged", s.diverged)
        try g.setAttribute("minimum", s.minimum)
        try g.setAttribute("maximum", s.maximum)
        try g.setAttribute("mean", s.mean)
        try g.setAttribute("pruned_points", s.prunedPoints)
        try g.setAttribute("most_branches", s.mostBranches)
        try g.close()
    }

    /// `{"ftle": {"axes", "x", "y", "values", "steps", "direction", ...}, "stats": {...}}`.
    public func json(_ result: Result) -> JSONOutput {
        let field = result.field, n = options.grid, s = field.statistics
        return .object([
            ("ftle", .object([
                ("axes", .integers(field.plane.axes)),
                ("x", .numbers(field.plane.x)),
                ("y", .numbers(field.plane.y)),
                ("values", .array((0..<n).map { a in .numbers(Array(field.values[(a * n)..<((a + 1) * n)])) })),
                ("steps", .integer(options.steps)),
                ("direction", .string(field.options.direction.rawValue)),
                ("center", .numbers(field.plane.centre)),
                ("bound", .number(field.bound)),
                ("diverged", .integer(s.diverged)),
            ])),
            ("stats", .object([
                ("averaged", .integer(s.averaged)), ("diverged", .integer(s.diverged)),
                ("minimum", .number(s.minimum)), ("maximum", .number(s.maximum)), ("mean", .number(s.mean)),
                ("pruned_points", .integer(s.prunedPoints)), ("most_branches", .integer(s.mostBranches)),
                ("seconds", .number(s.seconds)), ("ranks", .integer(result.ranks)),
            ])),
        ])
    }

    /// One line.
    public func summary(_ result: Result, group: String) -> String {
        let s = result.field.statistics
        return "/\(group): \(options.backward ? "backward" : "forward") FTLE, T = \(options.steps), \(options.grid) x \(options.grid) grid on axes "
            + "\(options.axes[0]),\(options.axes[1]): \(s.averaged) averaged (" + String(format: "%.4g to %.4g", s.minimum, s.maximum)
            + "), \(s.diverged) diverged, \(formatSeconds(s.seconds)) s"
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        AnalysisOutcome(summary: summary(result, group: group), json: json(result))
    }
}
