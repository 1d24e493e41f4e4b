/// What a cycle search needs from its peers when several processes share it: their ranks and
/// an all-gather of words. `SerialCollective` is the single-process case; the cluster layer
/// implements it over MPI. Every rank must call `allGather` the same number of times.
public protocol CycleCollective {
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's words concatenated in rank order, on every rank.
    func allGather(_ words: [UInt64]) throws -> [UInt64]
}

/// One process doing all the work.
public struct SerialCollective: CycleCollective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ words: [UInt64]) throws -> [UInt64] { words }
}
