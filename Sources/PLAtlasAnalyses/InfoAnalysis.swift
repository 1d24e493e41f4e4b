import HDF5
import PLAtlasCore
import PLAtlasIO

/// Model facts (type, dimensions, region bound, signs of det J), for `platlas info` and
/// `[[info]]`: written as attributes of `/info`; the JSON lists the invertibility fields flat
/// and again under "invertibility".
public struct InfoAnalysis: Analysis {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public static let kind = AnalysisKind(
        name: "info",
        summary: "model facts: type, dimensions, number of linear regions, invertibility",
        keys: [.init("seed", "seed for sampling regions when they are too many to enumerate (default 1)")],
        allowsSeveral: false,
        parse: { (table, _) throws(JobSpecError) in
            InfoAnalysis(seed: try table.seed() ?? 1)
        })

    public func compute(_ context: AnalysisRunContext) throws -> DeterminantSignReport {
        let model = context.model
        return model.shallowForm().determinantSigns(expectedCellCount: model.regionCountUpperBound, seed: seed)
    }

    public func write(_ signs: DeterminantSignReport, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        let model = context.model
        let g = try root.createGroup(group)
        try g.setAttribute("analysis", group)
        try g.setAttribute("type", model.kind.rawValue)
        try g.setAttribute("dimension", model.dimension)
        try g.setAttribute("hidden_units", model.hiddenUnits)
        if let p = model.activeUnits { try g.setAttribute("active_units", p) }
        try g.setAttribute("hyperplanes", model.shallowForm().hiddenCount)
        try g.setAttribute("regions_upper_bound", model.regionCountUpperBound)
        try g.setAttribute("regions_examined", signs.regionsExamined)
        try g.setAttribute("exhaustive", signs.exhaustive ? 1 : 0)
        try g.setAttribute("det_positive", signs.positive)
        try g.setAttribute("det_negative", signs.negative)
        try g.setAttribute("det_zero", signs.zero)
        try g.setAttribute("smallest_abs_det", signs.smallestMagnitude)
        try g.setAttribute("one_sign", signs.hasOneSign ? 1 : 0)
        try g.setAttribute("seed", Int(truncatingIfNeeded: seed))
        try g.close()
    }

    public func outcome(_ signs: DeterminantSignReport, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        let model = context.model
        let invertibility = ModelFacts.invertibilityFields(signs)
        let fields = ModelFacts.modelFields(model, model.shallowForm()) + invertibility + [("invertibility", .object(invertibility))]
        let scope = ModelFacts.scope(signs)
        let summary = "/\(group): \(model.kind.rawValue), M = \(model.dimension), H = \(model.hiddenUnits); det J "
            + (signs.hasOneSign ? "has one sign over \(scope)" : "changes sign over \(scope)")
        return AnalysisOutcome(summary: summary, json: .object(fields))
    }
}

/// The model facts `platlas info` and `[[info]]` report, as JSON fields.
public enum ModelFacts {
    /// type, dimension, hidden_units, active_units (ALRNN), hyperplanes, regions_upper_bound.
    public static func modelFields(_ model: Model, _ form: ShallowForm) -> [(String, JSONOutput)] {
        var fields: [(String, JSONOutput)] = [
            ("type", .string(model.kind.rawValue)),
            ("dimension", .integer(model.dimension)),
            ("hidden_units", .integer(model.hiddenUnits)),
        ]
        if let p = model.activeUnits { fields.append(("active_units", .integer(p))) }
        fields += [
            ("hyperplanes", .integer(form.hiddenCount)),
            ("regions_upper_bound", .number(model.regionCountUpperBound)),
        ]
        return fields
    }

    /// The signs of det J over the regions examined.
    public static func invertibilityFields(_ signs: DeterminantSignReport) -> [(String, JSONOutput)] {
        [
            ("regions_examined", .integer(signs.regionsExamined)),
            ("exhaustive", .bool(signs.exhaustive)),
            ("det_positive", .integer(signs.positive)),
            ("det_negative", .integer(signs.negative)),
            ("det_zero", .integer(signs.zero)),
            ("smallest_abs_det", .number(signs.smallestMagnitude)),
            ("one_sign", .bool(signs.hasOneSign)),
        ]
    }

    /// "all N regions" or "N sampled regions".
    public static func scope(_ signs: DeterminantSignReport) -> String {
        signs.exhaustive ? "all \(signs.regionsExamined) regions" : "\(signs.regionsExamined) sampled regions"
    }
}
