/// The points of a sweep: one or two parameter axes (or the snapshots of a model stack) in
/// row-major order, the first axis slowest: point i = i_1 * n_2 + i_2.
///
/// Work is cut into **blocks**: runs of at most `blockSize` consecutive points along the last
/// axis, never crossing a row. Blocks depend only on the grid and the block size, never on the
/// number of ranks; inside a block points are analysed in order, each warm-started from the one
/// before it (docs/sweeps.md).
public struct SweepGrid: Sendable, Equatable {
    /// The parameter values along each axis (1 or 2 axes).
    public var axes: [[Double]]

    public init(axes: [[Double]]) {
        precondition(!axes.isEmpty && axes.count <= 2 && axes.allSatisfy { !$0.isEmpty })
        self.axes = axes
    }

    public var count: Int { axes.reduce(1) { $0 * $1.count } }
    public var shape: [Int] { axes.map(\.count) }

    /// The per-axis indices of point i.
    public func coordinates(of index: Int) -> [Int] {
        axes.count == 1 ? [index] : [index / axes[1].count, index % axes[1].count]
    }

    public func index(of coordinates: [Int]) -> Int {
        axes.count == 1 ? coordinates[0] : coordinates[0] * axes[1].count + coordinates[1]
    }

    /// The parameter values of point i, one per axis.
    public func values(of index: Int) -> [Double] {
        let c = coordinates(of: index)
        return (0..<axes.count).map { axes[$0][c[$0]] }
    }

    /// Pairs of neighbouring points (i, j), j the next point along `axis`, ordered by axis, then i.
    public func neighbourPairs() -> [(i: Int, j: Int, axis: Int)] {
        var pairs: [(Int, Int, Int)] = []
        for axis in axes.indices.reversed() {
            for i in 0..<count {
                var c = coordinates(of: i)
                c[axis] += 1
                if c[axis] < axes[axis].count { pairs.append((i, index(of: c), axis)) }
            }
        }
        return pairs.sorted { ($0.2, $0.0) < ($1.2, $1.0) }.map { (i: $0.0, j: $0.1, axis: $0.2) }
    }

    /// The blocks of work, in order.
    public func blocks(size: Int) -> [Range<Int>] {
        precondition(size >= 1)
        let row = axes.last!.count
        var blocks: [Range<Int>] = []
        for start in stride(from: 0, to: count, by: row) {
            for b in stride(from: start, to: start + row, by: size) { blocks.append(b..<min(b + size, start + row)) }
        }
        return blocks
    }
}
