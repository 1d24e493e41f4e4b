/// How independent evaluations are shared among processes: `map(count:_:)` returns
/// `body(i)` for every i in 0..<count, in index order, on every process. `SerialSharing`
/// evaluates everything here; `CollectiveSharing` (Support/Collective.swift) gives
/// each rank every size-th index and all-gathers the results. `body` must give the same
/// answer wherever it runs.
public protocol WorkSharing {
    func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]]
}

/// One process evaluating everything.
public struct SerialSharing: WorkSharing {
    public init() {}
    public func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] { (0..<count).map(body) }
}
