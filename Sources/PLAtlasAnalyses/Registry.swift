import PLAtlasIO

extension AnalysisRegistry {
    /// Every analysis kind of platlas: a new kind is one file in this folder (an `Analysis`
    /// with its `AnalysisKind`) and one entry here.
    public static let standard = AnalysisRegistry(
        kinds: [InfoAnalysis.kind, CyclesAnalysis.kind, ManifoldAnalysis.kind, BasinsAnalysis.kind, IntersectionsAnalysis.kind,
                SweepAnalysis.kind, FTLEAnalysis.kind, ReduceAnalysis.kind],
        planned: [])
}

extension JobSpec {
    /// Reads and checks the spec at `path` against the standard analyses.
    public static func load(_ path: String) throws(JobSpecError) -> JobSpec { try load(path, registry: .standard) }

    /// Parses and checks `text` (the spec at `path`) against the standard analyses.
    public static func parse(_ text: String, path: String) throws(JobSpecError) -> JobSpec {
        try parse(text, path: path, registry: .standard)
    }
}
