import ArgumentParser
import Foundation
import MPI
import PLAtlasCluster
import PLAtlasCore
import PLAtlasAnalyses
import PLAtlasIO

/// The command-line front door of an `Analysis`: the same context, computation, group and JSON
/// as its `[[kind]]` table under `platlas run`. A command fills the analysis from its options,
/// calls `run`, and prints the outcome's JSON (`--json`) or its own table.
enum AnalysisCommand {
    /// Computes `analysis` on every rank of the context and writes its group to `output` (when
    /// given) in a result file of `models`; returns the result and the outcome.
    static func run<A: Analysis>(_ analysis: A, group: String, context: AnalysisRunContext, output: String?,
                                 models: [Model]) throws -> (result: A.Result, outcome: AnalysisOutcome) {
        let result = try analysis.compute(context)
        if let path = output {
            try ResultFile.write(path, models: models, provenance: Provenance(command: Provenance.commandLine(), ranks: context.collective.size),
                                 communicator: context.communicator) { root in
                try analysis.write(result, into: root, group: group, context: context)
            }
            context.log("wrote \(path)")
        }
        return (result, analysis.outcome(result, group: group, context: context))
    }

    /// An option's check written once in the analysis, as a usage error here.
    static func validate(_ body: () throws(OptionValueError) -> Void) throws {
        do { try body() } catch { throw ValidationError(error.description) }
    }
}
