import HDF5
import PLAtlasIO

/// An analysis defined once for both front doors: `compute` on every rank, `write` its group,
/// `outcome` its summary and JSON. `platlas run` calls `run` (all three); the command calls
/// them one by one through the same context (`AnalysisCommand`), so `platlas X --output --json`
/// and `[[X]]` give the same datasets and the same JSON.
public protocol Analysis: AnalysisConfiguration {
    associatedtype Result
    func compute(_ context: AnalysisRunContext) throws -> Result
    /// Writes `/<group>` (and the shared groups it fills, `/manifolds/...`), every group with
    /// the attribute `analysis` = `group`; collective in a parallel file.
    func write(_ result: Result, into root: borrowing Group, group: String, context: AnalysisRunContext) throws
    func outcome(_ result: Result, group: String, context: AnalysisRunContext) -> AnalysisOutcome
}

extension Analysis {
    public func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome {
        let result = try compute(context)
        try write(result, into: root, group: group, context: context)
        return outcome(result, group: group, context: context)
    }
}
