/// The reductions a `Collective` offers.
public enum CollectiveOperation: Sendable {
    case sum, max, min
}

/// What an algorithm needs from its peers when several processes share it: ranks, reductions,
/// gathers and an all-to-all of words. Every rank calls each operation the same number of
/// times in the same order. `SerialCollective` is the one-process case (it runs every
/// distributed algorithm in the unit tests); the cluster layer implements it over MPI
/// (`MPICollective`).
public protocol Collective: CycleCollective {
    /// Element-wise reduction over ranks, on every rank.
    func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int]
    func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double]
    /// Every rank's words concatenated in rank order, with each rank's count, on every rank.
    func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int])
    /// `buckets[r]` goes to rank r; returns what each rank sent here, in rank order.
    func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]]
}

extension Collective {
    public func allGather(_ words: [UInt64]) throws -> [UInt64] { size == 1 ? words : try allGatherv(words).values }

    public func allReduce(_ value: Int, _ operation: CollectiveOperation) throws -> Int { try allReduce([value], operation)[0] }
    public func allReduce(_ value: Double, _ operation: CollectiveOperation) throws -> Double { try allReduce([value], operation)[0] }

    /// One value from every rank, in rank order.
    public func allGather(_ value: Int) throws -> [Int] {
        try allGatherv([UInt64(bitPattern: Int64(value))]).values.map { Int(Int64(bitPattern: $0)) }
    }

    public func allGather(_ value: Double) throws -> [Double] { try allGatherv([value.bitPattern]).values.map { Double(bitPattern: $0) } }

    /// The sum of `value` over ranks 0..<rank (0 on rank 0).
    public func exclusiveScan(_ value: Int) throws -> Int { try allGather(value)[0..<rank].reduce(0, +) }
}

extension SerialCollective: Collective {
    public func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int] { values }
    public func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double] { values }
    public func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int]) { (words, [words.count]) }
    public func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]] { buckets }
}

/// Independent evaluations shared over the ranks of a collective: rank r evaluates indices
/// r, r + size, ..., and an all-gather puts every result in index order on every rank.
public struct CollectiveSharing: WorkSharing {
    public let collective: any Collective

    public init(_ collective: any Collective) { self.collective = collective }

    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] {
        let size = collective.size, rank = collective.rank
        if size == 1 { return (0..<count).map(body) }
        // [length, values...] per index this rank evaluated, in index order.
        var mine: [UInt64] = []
        for i in stride(from: rank, to: count, by: size) {
            let v = body(i)
            mine.append(UInt64(v.count))
            mine += v.map(\.bitPattern)
        }
        let gathered = try collective.allGatherv(mine)
        var out = [[Double]](repeating: [], count: count)
        var position = 0
        for (r, n) in gathered.counts.enumerated() {
            let end = position + n
            var i = r
            while position < end {
                let k = Int(gathered.values[position])
                out[i] = gathered.values[(position + 1)..<(position + 1 + k)].map { Double(bitPattern: $0) }
                position += 1 + k
                i += size
            }
        }
        return out
    }
}
