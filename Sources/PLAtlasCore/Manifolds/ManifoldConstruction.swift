
/// Which rank owns a region when the construction starts (rebalancing may move it later).
public enum RegionOwnership: String, Sendable, CaseIterable {
    /// A hash of the whole region code: spreads regions evenly, neighbours land anywhere.
    case hash
    /// A hash of the code's first `blockUnits` bits only: regions that differ in later units
    /// share an owner, so crossing one of those hyperplanes stays on the rank.
    case block
}

/// The owner rank of every region: a hash (of the whole code or of its first units), unless
/// rebalancing moved the region.
struct RegionOwners {
    let scheme: RegionOwnership
    let blockUnits: Int
    let ranks: Int
    /// Regions moved away from their first owner.
    var moved: [RegionCode: Int] = [:]

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The rank a region belongs to before any move.
    func first(_ r: RegionCode) -> Int {
        var h: UInt64 = 0x5EED
        switch scheme {
        case .hash:
            for w in r.words { h = Self.mix(h ^ w) }
        case .block:
            for (i, w) in r.words.enumerated() {
                let keep = max(0, min(64, blockUnits - i * 64))
                let masked = keep == 64 ? w : (keep == 0 ? 0 : w & ((1 << UInt64(keep)) - 1))
                h = Self.mix(h ^ masked)
            }
        }
        return Int(h % UInt64(ranks))
    }

    func callAsFunction(_ r: RegionCode) -> Int { moved[r] ?? first(r) }
}

/// How a manifold construction is spread over the ranks.
public struct DistributionOptions: Sendable {
    public var ownership = RegionOwnership.hash
    /// `block` ownership: how many leading units decide the owner; nil: enough for 8 blocks per rank.
    public var blockUnits: Int?
    /// Move pending regions (their sheets and arrivals) between ranks before a round whose work
    /// (arriving points) is more unbalanced than `rebalanceThreshold` (max/mean).
    public var rebalance = true
    public var rebalanceThreshold = 1.1
    /// A rank exchanges what it has buffered once its outgoing messages pass this many bytes,
    /// so a round may take several exchanges; bounds the memory of a round's messages.
    public var exchangeLimitBytes = 64 << 20
    /// Write a checkpoint every this many rounds (and when a manifold is finished), through
    /// `ManifoldConstruction.checkpointer`.
    public var checkpointEvery: Int?
    /// How Delta_sigma of every manifold is computed at the end (its seed is the manifold's);
    /// nil: not at all.
    public var deltaSigma: DeltaSigmaOptions? = DeltaSigmaOptions()
    /// How the coverage of every manifold is measured at the end (its seed is the manifold's);
    /// nil: not at all.
    public var coverage: CoverageOptions? = CoverageOptions()
    /// Stop with `ManifoldConstruction.Halted` when this round of this manifold (index in the
    /// builders) is reached, after the checkpoint due then (what a kill leaves behind; for tests).
    public var haltAt: (manifold: Int, round: Int)?

    public init() {}
}

/// Per-rank figures of one distributed construction (every rank holds all of them).
public struct DistributionReport: Sendable {
    public var ranks: Int
    public var ownership: RegionOwnership
    public var rounds = 0
    /// All-to-all exchanges (a round has one, or more when a rank's messages pass the limit).
    public var exchanges = 0
    /// Regions whose sheets each rank holds at the end.
    public var regionsPerRank: [Int] = []
    /// Work units each rank processed (`ManifoldConstruction.workUnits`: points to push).
    public var pointsPerRank: [Int] = []
    /// Seconds each rank spent in the work unit.
    public var secondsPerRank: [Double] = []
    /// Bytes each rank sent to other ranks (arrivals and moved regions).
    public var bytesSentPerRank: [Int] = []
    /// Bytes exchanged between ranks in each round (all ranks together).
    public var bytesPerRound: [Int] = []
    /// Seconds of each round spent in its collectives (the all-to-all exchanges and the
    /// reduction that ends them), the least over ranks: the rank that arrives last waits for
    /// no one, so this is the transport's cost rather than the barrier's.
    public var exchangeSecondsPerRound: [Double] = []
    public var exchangeSeconds: Double { exchangeSecondsPerRound.reduce(0, +) }
    /// Sum over rounds of the busiest rank's points over the sum of the mean: the slowdown of
    /// bulk-synchronous rounds against perfect balance.
    public var roundImbalance: Double { meanWork > 0 ? Double(busiestWork) / meanWork : 1 }
    /// Sums over rounds of the busiest rank's work units and of the mean.
    public var busiestWork = 0
    public var meanWork = 0.0
    /// The same in measured seconds of the work unit: what the rounds' barriers cost.
    public var slowestSeconds = 0.0
    public var meanSeconds = 0.0
    public var roundImbalanceSeconds: Double { meanSeconds > 0 ? slowestSeconds / meanSeconds : 1 }
    /// Regions moved by rebalancing, and the rounds in which it happened.
    public var movedRegions = 0
    public var rebalancedRounds = 0
    /// Arrivals sent to a region on another rank, and all arrivals.
    public var remoteArrivals = 0
    public var arrivals = 0

    /// max/mean of the points processed over the whole run.
    public var totalImbalance: Double {
        let total = pointsPerRank.reduce(0, +)
        guard total > 0 else { return 1 }
        return Double(pointsPerRank.max()!) * Double(ranks) / Double(total)
    }

    public var bytesSent: Int { bytesSentPerRank.reduce(0, +) }
    public var maxBytesPerRound: Int { bytesPerRound.max() ?? 0 }
    public var meanBytesPerRound: Double { bytesPerRound.isEmpty ? 0 : Double(bytesSent) / Double(bytesPerRound.count) }
    public var remoteFraction: Double { arrivals == 0 ? 0 : Double(remoteArrivals) / Double(arrivals) }
}

/// The construction state of one manifold on one rank: the builder with the sheets of the
/// regions this rank owns, and the arrivals pending in them.
struct ManifoldState {
    var builder: ManifoldBuilder
    var pending: [RegionCode: [Arrival]] = [:]
    var generation = 0
    /// Points pushed by all ranks (the same on every rank).
    var pushed = 0
    /// This rank's share of the points that left the box.
    var leftBounds = 0
    var stop = StopReason.complete
    var finished = false
    /// A region reached its sheet limit at some round (the stop reason is then budget unless a
    /// limit ends the run first).
    var sheetLimitReached = false
    /// Counts of this rank's share; examples are kept in `examples` with their generation.
    var report = NonInvertibilityReport()
    var examples: [(generation: Int, region: RegionCode, point: [Double], problem: String)] = []
    /// Seconds spent before a resume.
    var earlierSeconds = 0.0
    /// This rank's work units processed, bytes sent and seconds in the work unit (the load report).
    var workDone = 0
    var bytesSent = 0
    var busySeconds = 0.0
    /// Bytes of regions this rank handed over before the current round (counted into its volume).
    var movedBytes = 0
}

/// One rank's part of a finished manifold, with the global figures.
public struct ManifoldResult: Sendable {
    /// This rank's sheets (sorted by region) and sample points; every other field is global.
    public var manifold: Manifold
    public var totals: ManifoldTotals
    public var part: ManifoldPart
    /// The row of each of this rank's sheets' parent among all sheets of the manifold (region,
    /// then ordinal order), -1 for local pieces.
    public var parentRows: [Int]
    public var deltaSigma: DeltaSigma?
    public var coverage: Coverage?
    public var report: DistributionReport
    /// The region of each of this rank's sample points.
    var pointRegions: [RegionCode]
}

/// Builds manifolds with their regions spread over the ranks of a collective (one process:
/// `SerialCollective`, the same code).
///
/// Each region has one owner rank, which holds the region's sheets (the builder's state) and
/// runs the core's work unit `process(region:arrivals:)` on the points arriving there. Rounds
/// are bulk-synchronous: every rank processes the arrivals of its regions (in region order),
/// buckets the images or preimages by the owner of the region they land in, and the ranks
/// exchange them with one `MPI_Alltoallv` (counts, then the words of `ManifoldMessages`), or
/// several when a rank's buffer passes `exchangeLimitBytes`. The arrivals of a region are
/// then ordered by source region, exactly as the serial driver `ManifoldBuilder.run()` orders
/// them, so every rank count gives the serial result bit for bit. An all-reduce of the frontier
/// ends the run. Before a round whose work is unbalanced, pending regions move (with their
/// sheets) to balance the round (longest first, a region stays with its owner when that fits).
public struct ManifoldConstruction {
    let world: any Collective
    let options: DistributionOptions
    let messages: ManifoldMessages
    let log: Log
    var states: [ManifoldState]
    var reports: [DistributionReport]
    /// Who owns which region (the same on every rank).
    var owners: RegionOwners
    /// Describes the run, to check that a resumed checkpoint belongs to it.
    let fingerprint: [(String, String)]

    /// Writes a checkpoint of the whole state (every rank calls it at the same points; see
    /// `checkpointRecords` and `checkpointState`); set by the caller that owns the file.
    public var checkpointer: ((ManifoldConstruction) throws -> Void)?

    /// `builders`: one per manifold, in the order they are built (every rank passes the same).
    public init(builders: [ManifoldBuilder], collective communicator: any Collective = SerialCollective(),
                options: DistributionOptions = DistributionOptions(), fingerprint: [(String, String)] = [], log: Log = .silent) {
        self.world = communicator
        self.options = options
        let form = builders[0].form
        self.messages = ManifoldMessages(units: form.hiddenCount, dimension: form.dimension)
        self.log = log
        self.states = builders.map { ManifoldState(builder: $0) }
        self.reports = builders.map { _ in DistributionReport(ranks: communicator.size, ownership: options.ownership) }
        self.fingerprint = fingerprint
        var bits = 0
        while (1 << bits) < 8 * communicator.size { bits += 1 }
        self.owners = RegionOwners(scheme: options.ownership, blockUnits: min(form.hiddenCount, options.blockUnits ?? bits), ranks: communicator.size)
    }

    /// The run stopped at `DistributionOptions.haltAt`.
    public struct Halted: Error { public var round: Int }

    // MARK: Ownership

    func owner(_ r: RegionCode) -> Int { owners(r) }
    func firstOwner(_ r: RegionCode) -> Int { owners.first(r) }

    // MARK: Running

    /// Builds every manifold not yet finished (all of them, or the rest after a resume).
    public mutating func run() throws -> [ManifoldResult] {
        for i in states.indices where !states[i].finished {
            // Generation 0: not begun (checkpoints are taken between rounds, never before the first).
            if states[i].generation == 0 { try start(i) }
            try construct(i)
            states[i].finished = true
            if options.checkpointEvery != nil { try checkpointer?(self) }
        }
        return try states.indices.map { try finish($0) }
    }

    /// The first arrivals (the local pieces), computed on every rank; each keeps its own.
    mutating func start(_ i: Int) throws {
        states[i].builder.retainRegions { _ in false }
        states[i].pending = [:]
        let all = states[i].builder.initialArrivals()
        let rank = world.rank, owners = self.owners
        states[i].builder.retainRegions { owners($0) == rank }
        for (r, list) in all where owner(r) == rank { states[i].pending[r] = list }
    }

    mutating func construct(_ i: Int) throws {
        let started = ContinuousClock.now
        constructionStarted = started
        defer { constructionStarted = nil }
        let kind = states[i].builder.options.kind.rawValue
        let maxIterations = states[i].builder.options.maxIterations, budget = states[i].builder.options.budget
        let startGeneration = states[i].generation, startPushed = states[i].pushed
        while true {
            let localPoints = states[i].pending.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.points.count } }
            let status = try world.allReduce([states[i].pending.count, localPoints, states[i].builder.sheetsByRegion.count], .sum)
            let generation = states[i].generation
            if status[0] == 0 { break }
            if generation >= maxIterations { states[i].stop = .iterations; break }
            if states[i].pushed >= budget { states[i].stop = .budget; break }
            if let every = options.checkpointEvery, generation > startGeneration, generation % every == 0 {
                try checkpointer?(self)
            }
            if let halt = options.haltAt, halt.manifold == i, generation >= halt.round { throw Halted(round: generation) }
            // Progress: rate and an upper bound on the time left (the iteration or budget limit).
            let seconds = CycleSearch.seconds(since: started)
            let rate = Double(states[i].pushed - startPushed) / max(seconds, 1e-9)
            let done = max(Double(generation) / Double(maxIterations), Double(states[i].pushed) / Double(max(budget, 1)))
            let left = done > 0 && generation > startGeneration ? seconds * (1 - done) / done : Double.nan
            log("\(kind) manifold: round \(generation + 1)/\(maxIterations), frontier \(status[1]) points in \(status[0]) regions, "
                + "\(status[2]) regions so far, \(states[i].pushed) pushed, \(rate.isFinite ? formatRate(rate) : "-") points/s"
                + (left.isFinite ? ", at most \(formatSeconds(left)) s left" : ""))
            if options.rebalance && world.size > 1 { try rebalance(i) }
            try round(i)
        }
        let left = try world.allReduce(states[i].leftBounds, .sum)
        if states[i].stop == .complete && left > 0 { states[i].stop = .bounds }
        states[i].earlierSeconds += CycleSearch.seconds(since: started)
    }

    /// One bulk-synchronous round: process every pending region of this rank, exchange.
    mutating func round(_ i: Int) throws {
        let rank = world.rank, size = world.size
        let generation = states[i].generation
        let current = states[i].pending
        states[i].pending = [:]
        let regions = current.keys.sorted()
        var incoming: [RegionCode: [(source: RegionCode, sequence: Int, arrival: Arrival)]] = [:]
        var sequence = 0
        var buckets = [[UInt64]](repeating: [], count: size)
        var buffered = 0
        var next = 0
        var roundPushed = 0, dropped = 0, work = 0, sentBytes = 0, busy = 0.0
        var remote = 0, arrivals = 0, exchanging = 0.0
        while true {
            // Process regions until the buffer passes the limit (or none is left).
            while next < regions.count && buffered * 8 < options.exchangeLimitBytes {
                let r = regions[next]
                next += 1
                let list = current[r]!
                work += workUnits(list, i)
                let t0 = ContinuousClock.now
                let step = states[i].builder.process(region: r, arrivals: list)
                busy += CycleSearch.seconds(since: t0)
                roundPushed += step.pointsPushed
                states[i].leftBounds += step.leftBounds
                dropped += step.droppedForBudget
                for e in step.nonInvertibility.examples where states[i].examples.count < NonInvertibilityReport.exampleLimit {
                    states[i].examples.append((generation, e.region, e.point, e.problem))
                }
                var counts = step.nonInvertibility
                counts.examples = []
                states[i].report.merge(counts)
                for s in step.outgoing.keys.sorted() {
                    let o = owner(s)
                    for a in step.outgoing[s]! {
                        arrivals += 1
                        if o == rank {
                            incoming[s, default: []].append((r, sequence, a))
                            sequence += 1
                        } else {
                            remote += 1
                            let before = buckets[o].count
                            messages.appendArrival(a, manifold: i, destination: s, source: r, to: &buckets[o])
                            buffered += buckets[o].count - before
                        }
                    }
                }
            }
            sentBytes += 8 * buffered
            let t1 = ContinuousClock.now
            let received = try world.allToAllv(buckets)
            exchanging += CycleSearch.seconds(since: t1)
            reports[i].exchanges += 1
            buckets = [[UInt64]](repeating: [], count: size)
            buffered = 0
            for words in received where !words.isEmpty {
                for record in try messages.decode(words) {
                    guard case .arrival(_, let s, let source, let a) = record else { continue }
                    incoming[s, default: []].append((source, sequence, a))
                    sequence += 1
                }
            }
            let t2 = ContinuousClock.now
            let more = try world.allReduce(next < regions.count ? 1 : 0, .max)
            exchanging += CycleSearch.seconds(since: t2)
            if more == 0 { break }
        }
        // The serial order: by source region, in each source in the order it sent them.
        for (s, list) in incoming {
            states[i].pending[s] = list.sorted { ($0.source, $0.sequence) < ($1.source, $1.sequence) }.map(\.arrival)
        }
        let sums = try world.allReduce([roundPushed, dropped, work, sentBytes + states[i].movedBytes, remote, arrivals], .sum)
        // The least exchange time over ranks rides on the same reduction as the largest work:
        // min(x) = -max(-x).
        let largest = try world.allReduce([Double(work), busy, -exchanging], .max), totalBusy = try world.allReduce(busy, .sum)
        let busiest = Int(largest[0]), slowest = largest[1]
        reports[i].exchangeSecondsPerRound.append(-largest[2])
        states[i].pushed += sums[0]
        if sums[1] > 0 {
            states[i].stop = .budget
            states[i].sheetLimitReached = true
        }
        states[i].generation += 1
        reports[i].rounds += 1
        reports[i].bytesPerRound.append(sums[3])
        states[i].movedBytes = 0
        reports[i].remoteArrivals += sums[4]
        reports[i].arrivals += sums[5]
        reports[i].busiestWork += busiest
        reports[i].meanWork += Double(sums[2]) / Double(world.size)
        reports[i].slowestSeconds += slowest
        reports[i].meanSeconds += totalBusy / Double(world.size)
        states[i].busySeconds += busy
        states[i].workDone += work
        states[i].bytesSent += sentBytes
    }

    var constructionStarted: ContinuousClock.Instant?
}
