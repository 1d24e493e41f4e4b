/// How independent evaluations are shared among processes: `map(count:_:)` returns
/// `body(i)` for every i in 0..<count, in index order, on every process. `SerialSharing`
/// evaluates everything here; `CollectiveSharing` (and the cluster layer's `MPIWorkSharing`,
/// PLAtlasCluster/MPIWorkSharing.swift, which is one over MPI) gives each rank every size-th
/// index and all-gathers the results. `body` must give the same answer wherever it runs.
public protocol WorkSharing {
    func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]]
}

/// One process evaluating everything.
public struct SerialSharing: WorkSharing {
    public init() {}
    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] { (0..<count).map(body) }
}

/// Independent evaluations shared over the ranks of a collective: rank r evaluates indices
/// r, r + size, ..., and one all-gather (each result as its length and the bit patterns of
/// its values) puts every result in index order on every rank.
public struct CollectiveSharing<Collective: CycleCollective>: WorkSharing {
    public let collective: Collective

    public init(_ collective: Collective) { self.collective = collective }

    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] {
        let size = collective.size, rank = collective.rank
        if size == 1 { return (0..<count).map(body) }
        var mine: [UInt64] = []
        for i in stride(from: rank, to: count, by: size) {
            let v = body(i)
            mine.append(UInt64(v.count))
            for x in v { mine.append(x.bitPattern) }
        }
        // Rank blocks in rank order; rank r's block holds the results of r, r + size, ...
        let words = try collective.allGather(mine)
        var out = [[Double]](repeating: [], count: count)
        var position = 0
        for r in 0..<min(size, count) {
            for i in stride(from: r, to: count, by: size) {
                let k = Int(words[position])
                out[i] = words[(position + 1)..<(position + 1 + k)].map { Double(bitPattern: $0) }
                position += 1 + k
            }
        }
        return out
    }
}
