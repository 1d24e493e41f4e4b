/// The reductions a `Collective` offers.
public enum CollectiveOperation: Sendable {
    case sum, max, min
}

/// What an algorithm needs from its peers when several processes share it: ranks, reductions,
/// gathers, an all-to-all of words, and independent evaluations shared out (`map`). It is the
/// one distribution interface: the cycle search, sweeps, manifolds, basins, intersections,
/// Delta_sigma, coverage, FTLE fields and slow manifolds all take one. Every rank calls each
/// operation the same number of times in the same order. `SerialCollective` is the
/// one-process case (it runs every distributed algorithm in the unit tests, without MPI); the
/// cluster layer implements it over MPI (`MPICollective`).
public protocol Collective {
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise reduction over ranks, on every rank.
    func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int]
    func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double]
    /// Every rank's words concatenated in rank order, with each rank's count, on every rank.
    func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int])
    /// `buckets[r]` goes to rank r; returns what each rank sent here, in rank order.
    func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]]
    /// `body(i)` for every i in 0..<count, in index order, on every rank; `body` must give the
    /// same answer wherever it runs. Default: rank r evaluates r, r + size, ..., and one
    /// all-gather (each result as its length and the bit patterns of its values) puts every
    /// result in index order on every rank.
    func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]]
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

/// One process doing all the work.
public struct SerialCollective: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int] { values }
    public func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double] { values }
    public func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int]) { (words, [words.count]) }
    public func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]] { buckets }
    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] { (0..<count).map(body) }
}

extension Collective {
    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] {
        let size = self.size, rank = self.rank
        if size == 1 { return (0..<count).map(body) }
        var mine: [UInt64] = []
        for i in stride(from: rank, to: count, by: size) {
            let v = body(i)
            mine.append(UInt64(v.count))
            for x in v { mine.append(x.bitPattern) }
        }
        // Rank blocks in rank order; rank r's block holds the results of r, r + size, ...
        let words = try allGather(mine)
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
