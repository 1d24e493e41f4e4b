import HDF5
import MPI
import PLAtlasCore

/// What an analysis needs while it runs: the model, the ranks it shares the work with, and a log.
public struct AnalysisRunContext {
    public var model: Model
    /// The ranks of the job: `SerialCollective` for one process, the cluster layer's
    /// `MPICollective` under a launcher. Every distributed algorithm of an analysis takes it.
    public var collective: any Collective
    /// Rank 0 writes it to stderr; the other ranks' logs are silent.
    public var log: Log
    /// The communicator of the parallel result file, nil for one process: analyses that write
    /// as they go (sweeps) and write rank blocks (FTLE rows, manifold sheets) need it.
    public var communicator: Communicator?
    /// The checkpoint file when the run continues an interrupted one (`platlas run --resume`):
    /// an analysis with `checkpoints` then finds its group as the interrupted run left it.
    public var resumingFrom: String?
    /// How manifold constructions spread their regions over the ranks (ownership, rebalancing,
    /// exchange limit, checkpoint interval).
    public var distribution = DistributionOptions()
    /// Called on every rank with each manifold construction before it runs: the manifold
    /// command attaches its checkpoint file here and resumes from one.
    public var prepareConstruction: (_ construction: inout ManifoldConstruction, _ builders: [ManifoldBuilder]) throws -> Void = { _, _ in }
    /// Called on every rank after each checkpoint an analysis writes (a sweep's round of
    /// points), with the points now done in its group; the command line's fault injection.
    public var checkpointWritten: (_ pointsDone: Int) -> Void = { _ in }

    public init(model: Model, collective: any Collective = SerialCollective(), log: Log = .silent, communicator: Communicator? = nil,
                resumingFrom: String? = nil) {
        self.model = model
        self.collective = collective
        self.log = log
        self.communicator = communicator
        self.resumingFrom = resumingFrom
    }

    /// Builds `builders` over the ranks (`ManifoldConstruction` over `collective`): each rank
    /// returns its share of every manifold.
    public func buildManifolds(_ builders: [ManifoldBuilder]) throws -> [ManifoldResult] {
        var construction = ManifoldConstruction(builders: builders, collective: collective, options: distribution,
                                                fingerprint: ManifoldConstruction.fingerprint(model: model, builders: builders), log: log)
        try prepareConstruction(&construction, builders)
        return try construction.run()
    }
}

/// What an analysis reports after it has written its group.
public struct AnalysisOutcome: Sendable {
    /// Lines for the terminal summary.
    public var summary: String
    /// Its part of `platlas run --json`, and the command's `--json` document.
    public var json: JSONOutput

    public init(summary: String, json: JSONOutput) {
        self.summary = summary
        self.json = json
    }
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

extension ManifoldConstruction {
    /// What a resumed checkpoint must agree on (the limits may differ: a run stopped at
    /// --max-iterations continues when resumed with a higher one).
    public static func fingerprint(model: Model, builders: [ManifoldBuilder]) -> [(String, String)] {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for p in model.parameters {
            for b in p.name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            for v in p.values { h = (h ^ v.bitPattern) &* 0x100_0000_01B3 }
        }
        let b = builders[0]
        func bits(_ xs: [Double]) -> String { xs.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") }
        return [
            ("model", String(h, radix: 16)),
            ("kinds", builders.map(\.options.kind.rawValue).joined(separator: ",")),
            ("saddle", b.saddle.points.map(bits).joined(separator: ";")),
            ("bounds", bits(b.options.bounds.lower) + ";" + bits(b.options.bounds.upper)),
            ("method", b.method.rawValue),
            ("support_points", String(b.supportCount)),
            ("seed", String(b.options.seed)),
        ]
    }
}
