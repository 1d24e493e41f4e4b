import MPI
import PLAtlasCore

/// Independent evaluations shared over MPI ranks: rank r evaluates indices r, r + size, ...,
/// and an all-gather puts every result in index order on every rank.
public struct MPIWorkSharing: WorkSharing {
    public let communicator: Communicator

    public init(_ communicator: Communicator) { self.communicator = communicator }

    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] {
        let size = communicator.size, rank = communicator.rank
        if size == 1 { return (0..<count).map(body) }
        // [length, values...] per index this rank evaluated, in index order.
        var mine: [Double] = []
        for i in stride(from: rank, to: count, by: size) {
            let v = body(i)
            mine.append(Double(v.count))
            mine += v
        }
        let gathered = try communicator.allGatherv(mine)
        var out = [[Double]](repeating: [], count: count)
        var position = 0
        for (r, n) in gathered.counts.enumerated() {
            let end = position + n
            var i = r
            while position < end {
                let k = Int(gathered.values[position])
                out[i] = Array(gathered.values[(position + 1)..<(position + 1 + k)])
                position += 1 + k
                i += size
            }
        }
        return out
    }
}
