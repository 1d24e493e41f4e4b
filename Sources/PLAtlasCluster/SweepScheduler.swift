import MPI
import PLAtlasCore

/// Distributes the blocks of a sweep over ranks with dynamic load balancing.
///
/// Rank 0 keeps the queue of blocks (runs of neighbouring points, `SweepGrid.blocks`) and works
/// on blocks itself; between two of its own points it answers requests: a rank that finished a
/// block asks for the next and gets the first block still queued. Work runs in **rounds** of
/// about `flushInterval` seconds, at least one block each: when a round's time is up rank 0
/// answers "end of round", and once every rank has finished its block all ranks meet, exchange
/// the round's points (all-gather) and call `flush` collectively (which writes them to the
/// parallel HDF5 file).
/// A killed job therefore loses at most one round.
///
/// Which rank analyses a block changes from run to run; what comes out does not: blocks do not
/// depend on the number of ranks, inside a block points run in order (each warm-started from
/// the one before), and every random choice of point i comes from streams of point i.
public struct SweepScheduler {
    public let sweep: Sweep
    public let world: Communicator
    /// Seconds between collective flushes.
    public var flushInterval: Double
    public var log: Log

    static let requestTag: Int32 = 4101
    static let replyTag: Int32 = 4102

    public init(sweep: Sweep, world: Communicator, flushInterval: Double = 10, log: Log = .silent) {
        self.sweep = sweep
        self.world = world
        self.flushInterval = flushInterval
        self.log = log
    }

    /// Runs `blocks` (the same list on every rank) and returns every point computed, from all
    /// ranks, on every rank. `flush(local, round)` is called on every rank after each round,
    /// with this rank's points of the round and all ranks' points of the round.
    public func run(blocks: [Range<Int>], alreadyDone: Int = 0,
                    flush: (_ local: [SweepPoint], _ round: [SweepPoint]) throws -> Void) throws -> [SweepPoint] {
        let total = sweep.grid.count
        var all: [SweepPoint] = []
        var next = 0
        let started = ContinuousClock.now
        var finished = alreadyDone
        while true {
            let roundStart = ContinuousClock.now
            // Every round hands out at least one block, however short the interval.
            let roundFirst = next
            func expired() -> Bool { next > roundFirst && CycleSearch.seconds(since: roundStart) > flushInterval }
            var local: [SweepPoint] = []
            if world.size == 1 {
                while next < blocks.count && !expired() {
                    local += try sweep.analyse(block: blocks[next])
                    next += 1
                }
            } else if world.isRoot {
                var released = 0
                func serve(_ blocking: Bool) throws {
                    while try blocking || world.hasPendingMessage(tag: Self.requestTag) {
                        let (_, source) = try world.receive(Int64.self, capacity: 1, from: nil, tag: Self.requestTag)
                        if next < blocks.count && !expired() {
                            try world.send([Int64(next)], to: source, tag: Self.replyTag)
                            next += 1
                        } else {
                            try world.send([Int64(-1)], to: source, tag: Self.replyTag)
                            released += 1
                        }
                        if blocking { return }
                    }
                }
                while true {
                    try serve(false)
                    guard next < blocks.count && !expired() else { break }
                    let block = blocks[next]
                    next += 1
                    var previous: SweepPoint?
                    for i in block {
                        let seeds = sweep.options.warmStart ? (previous?.cycles.map(\.regions) ?? []) : []
                        let point = try sweep.analyse(point: i, seeds: seeds)
                        local.append(point)
                        previous = point
                        try serve(false)
                    }
                }
                while released < world.size - 1 { try serve(true) }
            } else {
                while true {
                    try world.send([Int64(world.rank)], to: 0, tag: Self.requestTag)
                    let (reply, _) = try world.receive(Int64.self, capacity: 1, from: 0, tag: Self.replyTag)
                    guard let b = reply.first, b >= 0 else { break }
                    local += try sweep.analyse(block: blocks[Int(b)])
                }
            }
            // Everyone's points of this round, on every rank.
            var words: [UInt64] = []
            for p in local { p.encode(into: &words) }
            let round = world.size == 1 ? local : SweepPoint.decodeAll(try world.allGatherv(words).values).sorted { $0.index < $1.index }
            try flush(local, round)
            all += round
            finished += round.count
            let seconds = CycleSearch.seconds(since: started)
            let rate = Double(all.count) / max(seconds, 1e-9)
            let eta = rate > 0 ? Double(total - finished) / rate : .infinity
            log("sweep: \(finished)/\(total) points, \(formatRate(rate)) points/s, ETA \(eta.isFinite ? formatSeconds(eta) + " s" : "unknown")")
            let more = world.size == 1 ? (next < blocks.count) : (try world.broadcast(next < blocks.count ? 1 : 0) == 1)
            if !more { break }
        }
        return all.sorted { $0.index < $1.index }
    }

    func formatRate(_ x: Double) -> String {
        x >= 100 ? String(Int(x.rounded())) : String(Double(Int(x * 100)) / 100)
    }
}

/// Sweeps over the ranks of `world` through `SweepScheduler`'s work queue: what `platlas sweep`
/// and the `[[sweep]]` analyses of `platlas run` hand their blocks to.
public struct MPISweepExecutor: SweepExecutor {
    public let world: Communicator

    public init(_ world: Communicator) { self.world = world }

    public var ranks: Int { world.size }

    public func run(_ sweep: Sweep, blocks: [Range<Int>], alreadyDone: Int, flushInterval: Double, log: Log,
                    checkpoint: (_ local: [SweepPoint]) throws -> Void) throws -> [SweepPoint] {
        try SweepScheduler(sweep: sweep, world: world, flushInterval: flushInterval, log: log)
            .run(blocks: blocks, alreadyDone: alreadyDone) { local, _ in try checkpoint(local) }
    }
}
