/// What a builder needs when regions are owned by different processes: each keeps the sheets of
/// its own regions only, and hands a region (its sheets) over when ownership moves.
/// The work unit `process(region:arrivals:)` is unchanged; the cluster layer's driver
/// (PLAtlasCluster/DistributedManifold.swift) calls it for the regions its rank owns.
extension ManifoldBuilder {
    /// Drops the sheets of every region `keep` says no to (after `initialArrivals()`, which
    /// records the local pieces of a polyline on every process).
    public mutating func retainRegions(where keep: (RegionCode) -> Bool) {
        sheetsByRegion = sheetsByRegion.filter { keep($0.key) }
    }

    /// Removes a region's sheets and returns them (ownership moves elsewhere).
    public mutating func takeSheets(of region: RegionCode) -> [Sheet] {
        sheetsByRegion.removeValue(forKey: region) ?? []
    }

    /// Appends sheets of a region received from its previous owner or a checkpoint, keeping
    /// their order.
    public mutating func adoptSheets(_ sheets: [Sheet], of region: RegionCode) {
        guard !sheets.isEmpty else { return }
        sheetsByRegion[region, default: []] += sheets
    }

    /// The sheets held, sorted by region (in each region in the order they were made).
    public var heldSheets: [Sheet] {
        var out: [Sheet] = []
        for r in sheetsByRegion.keys.sorted() { out += sheetsByRegion[r]! }
        return out
    }
}
