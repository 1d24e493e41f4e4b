import HDF5
import MPI
import PLAtlasCore

/// What an analysis needs while it runs: the model, the ranks it shares the work with, and a log.
public struct AnalysisRunContext {
    public var model: Model
    /// The ranks of the job (`SerialCollective` for one process; the cluster layer passes MPI).
    public var collective: any CycleCollective
    /// Rank 0 writes it to stderr; the other ranks' logs are silent.
    public var log: Log
    /// The communicator of the parallel result file, nil for one process: analyses that write
    /// as they go (sweeps) need it.
    public var communicator: Communicator?
    /// Runs sweeps over the job's ranks (the cluster layer's `MPISweepExecutor`); nil where no
    /// sweep can run.
    public var sweeps: (any SweepExecutor)?
    /// The checkpoint file when the run continues an interrupted one (`platlas run --resume`):
    /// an analysis with `checkpoints` then finds its group as the interrupted run left it.
    public var resumingFrom: String?
    /// Builds manifolds over the job's ranks (the cluster layer's `MPIManifoldExecutor`).
    public var manifolds: any ManifoldExecutor
    /// Called on every rank after each checkpoint an analysis writes (a sweep's round of
    /// points), with the points now done in its group; the command line's fault injection.
    public var checkpointWritten: (_ pointsDone: Int) -> Void = { _ in }

    public init(model: Model, collective: any CycleCollective, log: Log, manifolds: any ManifoldExecutor, communicator: Communicator? = nil,
                sweeps: (any SweepExecutor)? = nil, resumingFrom: String? = nil) {
        self.model = model
        self.collective = collective
        self.log = log
        self.communicator = communicator
        self.sweeps = sweeps
        self.resumingFrom = resumingFrom
        self.manifolds = manifolds
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
    /// Models the analysis brings itself instead of analysing the spec's model (a stack
    /// sweep's snapshots), with the file they came from; it writes them to `/<label>/model`.
    /// Default nil: it analyses the spec's model.
    var ownModels: (path: String, models: [Model])? { get }

    /// Whether a run interrupted inside this analysis continues it from what it has written
    /// (`platlas run --resume`) instead of starting it again. Default false.
    var checkpoints: Bool { get }

    /// Checks the options against the model the run will analyse, before any computation and
    /// before MPI starts; throws naming the spec's line. Default: nothing to check.
    func check(_ model: Model) throws(JobSpecError)

    /// The highest order of the cycle search the analysis runs on the model, if it runs one:
    /// `JobSpec.check` checks its size against the limits. Default nil.
    var cycleSearchOrder: Int? { get }

    /// Runs the analysis on every rank (each rank calls with the same arguments) and writes its
    /// results into `root` under `group`, collectively in a parallel file. Every group it
    /// writes carries the attribute `analysis` = `group` (the analysis's label).
    func run(_ context: AnalysisRunContext, into root: borrowing Group, group: String) throws -> AnalysisOutcome
}

extension AnalysisConfiguration {
    public var ownModels: (path: String, models: [Model])? { nil }
    public var checkpoints: Bool { false }
    public func check(_ model: Model) throws(JobSpecError) {}
    public var cycleSearchOrder: Int? { nil }
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
        kinds: [InfoAnalysis.kind, CyclesAnalysis.kind, ManifoldAnalysis.kind, BasinsAnalysis.kind, IntersectionsAnalysis.kind,
                SweepAnalysis.kind, FTLEAnalysis.kind, ReduceAnalysis.kind],
        planned: [])

    /// Groups directly under the root that hold the groups of several analyses, each child
    /// carrying its own `analysis` attribute (`/manifolds/<name>`, `/intersections/<name>`).
    /// Every other group under the root (but `/model` and `/job`) is one analysis's.
    public static let sharedGroups = ["manifolds", "intersections"]

    public func kind(named name: String) -> AnalysisKind? { kinds.first { $0.name == name } }

    public var names: [String] { kinds.map(\.name) }
}
