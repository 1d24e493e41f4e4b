/// Before a round whose work is unbalanced, pending regions move (with their sheets) between
/// ranks.
extension ManifoldConstruction {
    // MARK: Rebalancing

    /// The estimated cost of processing arrivals: each arriving group is filled up to N_s
    /// support points, and every point of it is pushed, so a group costs about
    /// max(its points, N_s) pushes (one work unit each).
    func workUnits(_ arrivals: [Arrival], _ i: Int) -> Int {
        let fill = states[i].builder.method == .sheets ? states[i].builder.supportCount : 0
        return arrivals.reduce(0) { $0 + max($1.points.count, fill) }
    }

    /// Moves pending regions (sheets and arrivals) so that the coming round's points are
    /// spread evenly: regions sorted by work (largest first) stay with their owner while it
    /// stays under the mean, the rest go to the least loaded rank. The same plan on every rank.
    mutating func rebalance(_ i: Int) throws {
        let size = world.size
        let localWork = states[i].pending.values.reduce(0) { $0 + workUnits($1, i) }
        let busiest = try world.allReduce(localWork, .max), total = try world.allReduce(localWork, .sum)
        let mean = Double(total) / Double(size)
        guard total >= 4 * size, Double(busiest) > options.rebalanceThreshold * mean else { return }
        let w = messages.wordsPerCode
        var mine: [UInt64] = []
        for (r, list) in states[i].pending {
            mine += r.words
            mine.append(UInt64(workUnits(list, i)))
        }
        let gathered = try world.allGatherv(mine)
        var entries: [(region: RegionCode, work: Int, owner: Int)] = []
        var position = 0
        for (rank, count) in gathered.counts.enumerated() {
            let end = position + count
            while position < end {
                let code = RegionCode(words: Array(gathered.values[position..<(position + w)]), count: messages.units)!
                entries.append((code, Int(gathered.values[position + w]), rank))
                position += w + 1
            }
        }
        entries.sort { $0.work != $1.work ? $0.work > $1.work : $0.region < $1.region }
        var load = [Int](repeating: 0, count: size)
        var plan: [(region: RegionCode, from: Int, to: Int)] = []
        var deferred: [(region: RegionCode, work: Int, owner: Int)] = []
        for e in entries {
            if Double(load[e.owner] + e.work) <= mean * 1.02 || load[e.owner] == 0 {
                load[e.owner] += e.work
            } else {
                deferred.append(e)
            }
        }
        for e in deferred {
            let to = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            load[to] += e.work
            if to != e.owner { plan.append((e.region, e.owner, to)) }
        }
        guard !plan.isEmpty else { return }
        // Hand the moved regions over: sheets first, then the pending arrivals in their order.
        var buckets = [[UInt64]](repeating: [], count: size)
        for move in plan where move.from == world.rank {
            for sheet in states[i].builder.takeSheets(of: move.region) { messages.appendSheet(sheet, manifold: i, to: &buckets[move.to]) }
            for a in states[i].pending.removeValue(forKey: move.region) ?? [] {
                messages.appendArrival(a, manifold: i, destination: move.region, source: move.region, to: &buckets[move.to])
            }
        }
        let bytes = 8 * buckets.reduce(0) { $0 + $1.count }
        states[i].bytesSent += bytes
        states[i].movedBytes += bytes
        try receive(try world.allToAllv(buckets))
        reports[i].exchanges += 1
        for move in plan { owners.moved[move.region] = move.to == firstOwner(move.region) ? nil : move.to }
        reports[i].movedRegions += plan.count
        reports[i].rebalancedRounds += 1
    }

    /// Installs sheets and pending arrivals sent by other ranks (moved regions, checkpoints),
    /// in the order received.
    mutating func receive(_ streams: [[UInt64]]) throws {
        for words in streams where !words.isEmpty {
            for record in try messages.decode(words) {
                switch record {
                case .sheet(let m, let sheet):
                    states[m].builder.adoptSheets([sheet], of: sheet.region)
                case .arrival(let m, let s, _, let a):
                    states[m].pending[s, default: []].append(a)
                case .example(let m, let generation, let region, let point, let problem):
                    states[m].examples.append((generation, region, point, problem))
                }
            }
        }
    }
}
