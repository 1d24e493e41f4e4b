import HDF5
import PLAtlasCore

/// What an analysis needs while it runs: the model, the ranks it shares the work with, and a log.
public struct AnalysisRunContext {
    public var model: Model
    /// The ranks of the job (`SerialCollective` for one process; the cluster layer passes MPI).
    public var collective: any CycleCollective
    /// Rank 0 writes it to stderr; the other ranks' logs are silent.
    public var log: Log

    public init(model: Model, collective: any CycleCollective, log: Log) {
        self.model = model
        self.collective = collective
        self.log = log
    }
}

/// What an analysis reports after it has written its group.
public struct AnalysisOutcome: Sendable {
    /// Lines for the terminal summary.
    public var summary: String
    /// Its part of `platlas run --json`.
    public var json: JSONOutput

    public init(summary: String, json: JSONOutput) {
        self.summary = summary
        self.json = json
    }
}

/// Bad input that shows only when an analysis starts (every rank finds it alike): exit code 2.
public struct AnalysisInputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One analysis of a spec, its options checked.
public protocol AnalysisConfiguration: Sendable {
    /// Runs the analysis on every rank (each rank calls with the same arguments) and writes its
    /// results into `root` under `group`, collectively in a parallel file.
    func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome
}

/// An analysis kind: the name of its table in a spec, the keys that table may hold, how the
/// table becomes a configuration.
public struct AnalysisKind: Sendable {
    public struct Key: Sendable {
        public var name: String
        /// What the key means, for documentation and error messages.
        public var meaning: String
        public var required: Bool

        public init(_ name: String, _ meaning: String, required: Bool = false) {
            self.name = name
            self.meaning = meaning
            self.required = required
        }
    }

    public var name: String
    public var summary: String
    public var keys: [Key]
    /// Whether a spec may hold several tables of this kind (each then writes `/<kind>_<n>`).
    public var allowsSeveral: Bool
    /// Turns a table (whose keys are known to be among `keys`, required ones present) into a
    /// configuration; throws with the line of a bad value.
    public var parse: @Sendable (SpecTable, SpecContext) throws(JobSpecError) -> any AnalysisConfiguration

    public init(name: String, summary: String, keys: [Key], allowsSeveral: Bool,
                parse: @escaping @Sendable (SpecTable, SpecContext) throws(JobSpecError) -> any AnalysisConfiguration) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.allowsSeveral = allowsSeveral
        self.parse = parse
    }
}

/// The analyses job specs can name. A new analysis adds one `AnalysisKind` to `standard` (and
/// leaves `planned`).
public struct AnalysisRegistry: Sendable {
    public var kinds: [AnalysisKind]
    /// Names reserved for analyses this version does not have: a spec naming one is refused as
    /// "not available in this version" rather than as unknown.
    public var planned: [String]

    public init(kinds: [AnalysisKind], planned: [String]) {
        self.kinds = kinds
        self.planned = planned
    }

    public static let standard = AnalysisRegistry(
        kinds: [InfoAnalysis.kind, CyclesAnalysis.kind, ManifoldAnalysis.kind, BasinsAnalysis.kind, IntersectionsAnalysis.kind],
        planned: ["sweep"])

    public func kind(named name: String) -> AnalysisKind? { kinds.first { $0.name == name } }

    public var names: [String] { kinds.map(\.name) }
}
