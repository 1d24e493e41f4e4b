import HDF5
import PLAtlasCore

/// How the load report of a distributed manifold appears in `--json` (`distribution`) and
/// under `/manifolds/<name>/distribution` (docs/hdf5-schema.md, section Manifolds).
public enum DistributionOutput {
    public static func json(_ r: DistributionReport) -> JSONOutput {
        .object([
            ("ranks", .integer(r.ranks)),
            ("ownership", .string(r.ownership.rawValue)),
            ("rounds", .integer(r.rounds)),
            ("exchanges", .integer(r.exchanges)),
            ("bytes_sent", .integer(r.bytesSent)),
            ("bytes_per_round_max", .integer(r.maxBytesPerRound)),
            ("bytes_per_round_mean", .number(r.meanBytesPerRound)),
            ("remote_fraction", .number(r.remoteFraction)),
            ("round_imbalance", .number(r.roundImbalance)),
            ("total_imbalance", .number(r.totalImbalance)),
            ("round_imbalance_seconds", .number(r.roundImbalanceSeconds)),
            ("moved_regions", .integer(r.movedRegions)),
            ("rebalanced_rounds", .integer(r.rebalancedRounds)),
            ("regions_per_rank", .array(r.regionsPerRank.map { .integer($0) })),
            ("points_per_rank", .array(r.pointsPerRank.map { .integer($0) })),
            ("bytes_sent_per_rank", .array(r.bytesSentPerRank.map { .integer($0) })),
            ("seconds_per_rank", .array(r.secondsPerRank.map { .number($0) })),
            ("exchange_seconds", .number(r.exchangeSeconds)),
            ("exchange_seconds_per_round", .array(r.exchangeSecondsPerRound.map { .number($0) })),
        ])
    }

    /// Writes `/manifolds/<name>/distribution` (collective; the same on every rank).
    public static func write(_ r: DistributionReport, name: String, into root: borrowing Group) throws {
        let g = try root.createGroup("manifolds/\(name)/distribution")
        try g.setAttribute("ranks", r.ranks)
        try g.setAttribute("ownership", r.ownership.rawValue)
        try g.setAttribute("rounds", r.rounds)
        try g.setAttribute("exchanges", r.exchanges)
        try g.setAttribute("remote_fraction", r.remoteFraction)
        try g.setAttribute("round_imbalance", r.roundImbalance)
        try g.setAttribute("total_imbalance", r.totalImbalance)
        try g.setAttribute("round_imbalance_seconds", r.roundImbalanceSeconds)
        try g.setAttribute("moved_regions", r.movedRegions)
        try g.setAttribute("rebalanced_rounds", r.rebalancedRounds)
        try g.setAttribute("exchange_seconds", r.exchangeSeconds)
        try g.writeDataset("regions_per_rank", r.regionsPerRank.map(Int64.init), shape: [r.ranks])
        try g.writeDataset("points_per_rank", r.pointsPerRank.map(Int64.init), shape: [r.ranks])
        try g.writeDataset("bytes_sent_per_rank", r.bytesSentPerRank.map(Int64.init), shape: [r.ranks])
        try g.writeDataset("seconds_per_rank", r.secondsPerRank, shape: [r.ranks])
        try g.writeDataset("bytes_per_round", r.bytesPerRound.map(Int64.init), shape: [r.bytesPerRound.count])
        try g.writeDataset("exchange_seconds_per_round", r.exchangeSecondsPerRound, shape: [r.exchangeSecondsPerRound.count])
        try g.close()
    }
}
