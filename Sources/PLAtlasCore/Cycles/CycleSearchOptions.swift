/// Settings of a cycle search (`platlas cycles`). The defaults are those of the published
/// heuristic (SCYFI: Eisenmann et al., NeurIPS 2023) where it has them.
public struct CycleSearchOptions: Sendable {
    /// The highest order any search accepts: beyond it no search is useful.
    public static let highestOrder = 10_000

    /// Orders 1...maxOrder are searched.
    public var maxOrder: Int
    /// Seed of every random choice; restart i of order k uses stream (k, i) of it.
    public var seed: UInt64 = 0
    /// Restarts per batch; the search for an order stops after the first batch of this many
    /// restarts that finds nothing new. nil: the published outer-loop counts, 10/40/100 for
    /// k < 8 / < 30 / otherwise.
    public var restarts: Int?
    /// Candidate evaluations per restart. nil: the published inner-loop counts,
    /// 20/60/300/1080/1115 for k < 3 / < 6 / < 8 / < 20 / otherwise.
    public var innerIterations: Int?
    /// At most this many batches per order, whatever they find.
    public var maxBatches = 1000
    /// A candidate closes when ||F^k(z) - z|| <= closureTolerance * (1 + ||z||).
    public var closureTolerance = 1e-9
    /// Eigenvalues with ||lambda| - 1| at most this make a cycle marginal.
    public var marginalTolerance = 1e-6
    /// Exhaustive search over every region sequence instead of the heuristic.
    public var exhaustive = false
    /// The heuristic enumerates an order outright (exactly) when it has at most this many
    /// sequences up to rotation; 0 disables it.
    public var autoExhaustiveLimit = 250_000
    /// Exhaustive search refuses to start when it would evaluate more sequences than this.
    public var exhaustiveLimit = 10_000_000
    /// Random points for finding the cells of a shallow model's arrangement (see `CellSurvey`).
    public var cellSurveyLines = 4000
    /// Box radius for random initial states; nil: `ShallowForm.defaultSamplingRadius` scaled
    /// by the model's offsets.
    public var samplingRadius: Double?

    public init(maxOrder: Int) { self.maxOrder = maxOrder }

    /// The published outer-loop count for order k.
    public static func defaultRestarts(order k: Int) -> Int { k < 8 ? 10 : (k < 30 ? 40 : 100) }

    /// The published inner-loop count for order k.
    public static func defaultInnerIterations(order k: Int) -> Int {
        k < 3 ? 20 : (k < 6 ? 60 : (k < 8 ? 300 : (k < 20 ? 1080 : 1115)))
    }
}
