import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO

/// Transversal homoclinic or heteroclinic points (docs/manifolds.md), for `platlas
/// intersections` and `[[intersections]]`: both manifolds to `/manifolds`, the points to
/// `/intersections/cycleI-cycleJ`.
public struct IntersectionsAnalysis: Analysis {
    public var setup: SaddleSetup
    public var to: Int?
    public var tolerance: Double
    public var allowNonInvertible: Bool

    public init(setup: SaddleSetup, to: Int?, tolerance: Double, allowNonInvertible: Bool) {
        self.setup = setup
        self.to = to
        self.tolerance = tolerance
        self.allowNonInvertible = allowNonInvertible
    }

    /// The checks of `to` and `tolerance`.
    public static func check(to: Int?, tolerance: Double, naming: OptionNaming) throws(OptionValueError) {
        try naming.check("to", to, atLeast: 0)
        guard tolerance > 0 && tolerance < 1 else { throw OptionValueError("tolerance", "\(naming("tolerance")) must be between 0 and 1") }
    }

    public static let kind = AnalysisKind(
        name: "intersections",
        summary: "transversal homoclinic and heteroclinic points, with the chaos certificate",
        keys: SaddleKeys.keys + [
            .init("to", "the saddle whose stable manifold is intersected (default: the same, homoclinic)"),
            .init("tolerance", "relative distance from the local subspace that counts as arrived (default 1e-6)"),
        ],
        allowsSeveral: true,
        parse: { (table, context) throws(JobSpecError) in
            let setup = try SaddleKeys.parse(table, context, defaultIterations: 12)
            if setup.point != nil { throw table.error("point", "[[intersections]] takes the saddle as 'saddle' (a cycle index), not 'point'") }
            let to = try table.int("to")
            let tolerance = try table.double("tolerance") ?? 1e-6
            try table.checking { naming throws(OptionValueError) in try check(to: to, tolerance: tolerance, naming: naming) }
            return IntersectionsAnalysis(setup: setup, to: to, tolerance: tolerance, allowNonInvertible: try table.bool("allow_non_invertible") ?? false)
        })

    public struct Result: Sendable {
        public var run: SaddleSetup.IntersectionsRun
        public var seconds: Double
    }

    public func compute(_ context: AnalysisRunContext) throws -> Result {
        let started = ContinuousClock.now
        let run = try setup.intersections(model: context.model, to: to, tolerance: tolerance, allowNonInvertible: allowNonInvertible, log: context.log)
        return Result(run: run, seconds: CycleSearch.seconds(since: started))
    }

    public func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws {
        try result.run.write(into: root, analysis: group)
    }

    public func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome {
        let computed = result.run
        let summary = "/intersections/\(computed.name): \(computed.homoclinic ? "homoclinic" : "heteroclinic"), \(computed.points.count) transversal points, "
            + "\(computed.verified) verified" + (computed.chaosCertificate ? ", chaos certificate" : "")
        return AnalysisOutcome(summary: summary, json: computed.json(seconds: result.seconds, ranks: context.collective.size))
    }
}

// The cycle search that finds the saddle (none when the cycles come from a file).
extension IntersectionsAnalysis { public var cycleSearchOrder: Int? { setup.cyclesFile == nil ? setup.maxOrder : nil } }
