import ComplexModule
import HDF5
import PLAtlasCore

/// How manifolds appear in `--json` output and under `/manifolds/<name>` in HDF5 files
/// (docs/hdf5-schema.md, section Manifolds); also reads `/cycles` back for `--cycles F.h5`.
public enum ManifoldOutput {
    /// The JSON summary of one manifold.
    public static func json(_ manifold: Manifold, name: String, saddleIndex: Int?, deltaSigma: DeltaSigma?) -> JSONOutput {
        var fields: [(String, JSONOutput)] = [
            ("name", .string(name)),
            ("kind", .string(manifold.kind.rawValue)),
            ("dimension", .integer(manifold.dimension)),
            ("method", .string(manifold.method.rawValue)),
            ("saddle", saddleIndex.map { .integer($0) } ?? .null),
            ("saddle_order", .integer(manifold.saddle.order)),
            ("saddle_points", .array(manifold.saddle.points.map { .numbers($0) })),
            ("regions", .integer(manifold.regions.count)),
            ("sheets", .integer(manifold.sheets.count)),
            ("support_points", .integer(manifold.sheets.reduce(0) { $0 + $1.supportPoints.count })),
            ("points", .integer(manifold.points.count)),
            ("support_points_per_sheet", .integer(manifold.supportPointsPerSheet)),
            ("iterations", .integer(manifold.iterations)),
            ("pushed", .integer(manifold.pointsPushed)),
            ("stop_reason", .string(manifold.stopReason.rawValue)),
            ("bounds", .array([.numbers(manifold.bounds.lower), .numbers(manifold.bounds.upper)])),
        ]
        let r = manifold.nonInvertibility
        fields.append(("non_invertibility", .object([
            ("affected", .integer(r.affected)),
            ("no_preimage", .integer(r.noPreimage)),
            ("several_preimages", .integer(r.severalPreimages)),
            ("singular", .integer(r.singular)),
            ("folds", .integer(r.folds)),
            ("examples", .array(r.examples.map { .object([("region", .string($0.region.description)), ("point", .numbers($0.point)), ("problem", .string($0.problem))]) })),
        ])))
        if let d = deltaSigma {
            fields.append(("delta_sigma", .number(d.value)))
            fields.append(("delta_sigma_details", .object([
                ("neighbourhood", .string("union of balls around the cycle points")),
                ("radius", .number(d.radius)),
                ("random_samples", .integer(d.randomSamples)),
                ("manifold_samples", .integer(d.manifoldSamples)),
                ("delta_max", .number(d.deltaMax)),
                ("median_manifold_delta", .number(d.medianManifoldDelta)),
                ("fraction_above", .number(d.fractionAbove)),
                ("max_steps", .integer(d.maxSteps)),
            ])))
        } else {
            fields.append(("delta_sigma", .null))
        }
        fields.append(("seconds", .number(manifold.seconds)))
        return .object(fields)
    }

    /// Writes `/manifolds/<name>` (every rank passes the same manifold in a parallel file).
    public static func write(_ manifold: Manifold, name: String, saddleIndex: Int?, deltaSigma: DeltaSigma?,
                             into root: borrowing Group) throws {
        let parent = try root.openOrCreateGroup("manifolds")
        let g = try parent.createGroup(name)
        let m = manifold.bounds.dimension, d = manifold.dimension
        let h = manifold.saddle.regions.first?.count ?? 0
        let w = RegionCode.wordCount(h)
        try g.setAttribute("kind", manifold.kind.rawValue)
        try g.setAttribute("dimension", d)
        try g.setAttribute("method", manifold.method.rawValue)
        try g.setAttribute("saddle", saddleIndex ?? -1)
        try g.setAttribute("saddle_order", manifold.saddle.order)
        try g.setAttribute("stop_reason", manifold.stopReason.rawValue)
        try g.setAttribute("iterations", manifold.iterations)
        try g.setAttribute("support_points_per_sheet", manifold.supportPointsPerSheet)
        try g.setAttribute("non_invertible_points", manifold.nonInvertibility.affected)
        try g.setAttribute("seconds", manifold.seconds)
        try g.setAttribute("delta_sigma", deltaSigma?.value ?? .nan)
        if let ds = deltaSigma {
            try g.setAttribute("delta_sigma_radius", ds.radius)
            try g.setAttribute("delta_sigma_random_samples", ds.randomSamples)
            try g.setAttribute("delta_sigma_manifold_samples", ds.manifoldSamples)
            try g.setAttribute("delta_sigma_max", ds.deltaMax)
            try g.setAttribute("delta_sigma_median", ds.medianManifoldDelta)
        }
        try g.writeDataset("bounds", manifold.bounds.lower + manifold.bounds.upper, shape: [2, m])
        try g.writeDataset("saddle_points", manifold.saddle.points.flatMap { $0 }, shape: [manifold.saddle.order, m])
        try g.writeDataset("points", manifold.points.flatMap { $0 }, shape: [manifold.points.count, m])
        let sheets = manifold.sheets
        let s = sheets.count
        var offsets: [Int64] = [0]
        var support: [Double] = []
        for sheet in sheets {
            offsets.append(offsets.last! + Int64(sheet.supportPoints.count))
            for p in sheet.supportPoints { support += p }
        }
        let sg = try g.createGroup("sheets")
        try sg.writeDataset("region", sheets.flatMap(\.region.words), shape: [s, w])
        try sg.writeDataset("origin", sheets.flatMap(\.origin), shape: [s, m])
        try sg.writeDataset("basis", sheets.flatMap { $0.basis.flatMap { $0 } }, shape: [s, d, m])
        try sg.writeDataset("generation", sheets.map { Int64($0.generation) }, shape: [s])
        try sg.writeDataset("support_offsets", offsets, shape: [s + 1])
        try sg.writeDataset("support_points", support, shape: [Int(offsets.last!), m])
        if sheets.allSatisfy({ $0.normal != nil }) && !sheets.isEmpty {
            try sg.writeDataset("normal", sheets.flatMap { $0.normal! }, shape: [s, m])
        }
        try sg.close()
        try g.close()
        try parent.close()
    }

    /// The JSON form of intersection points.
    public static func json(_ points: [IntersectionPoint]) -> JSONOutput {
        .array(points.map { p in
            .object([
                ("point", .numbers(p.point)), ("region", .string(p.region.description)),
                ("transversality", .number(p.transversality)),
                ("unstable_sheet", .integer(p.unstableSheet)), ("stable_sheet", .integer(p.stableSheet)),
                ("forward_steps", p.forwardSteps.map { .integer($0) } ?? .null),
                ("backward_steps", p.backwardSteps.map { .integer($0) } ?? .null),
                ("forward_residual", p.forwardResidual.isFinite ? .number(p.forwardResidual) : .null),
                ("backward_residual", p.backwardResidual.isFinite ? .number(p.backwardResidual) : .null),
                ("verified", .bool(p.verified)),
            ])
        })
    }

    /// Writes `/intersections/<name>` (docs/hdf5-schema.md, section Intersections).
    public static func writeIntersections(_ points: [IntersectionPoint], name: String, kind: String, unstableSaddle: Int?, stableSaddle: Int?,
                                          chaosCertificate: Bool, tolerance: Double, into root: borrowing Group) throws {
        let parent = try root.openOrCreateGroup("intersections")
        let g = try parent.createGroup(name)
        let n = points.count, m = points.first?.point.count ?? 0
        let w = points.first.map { RegionCode.wordCount($0.region.count) } ?? 1
        try g.setAttribute("kind", kind)
        try g.setAttribute("unstable_saddle", unstableSaddle ?? -1)
        try g.setAttribute("stable_saddle", stableSaddle ?? -1)
        try g.setAttribute("verified", points.filter(\.verified).count)
        try g.setAttribute("chaos_certificate", chaosCertificate ? 1 : 0)
        try g.setAttribute("tolerance", tolerance)
        try g.writeDataset("points", points.flatMap(\.point), shape: [n, m])
        try g.writeDataset("region", points.flatMap(\.region.words), shape: [n, w])
        try g.writeDataset("transversality", points.map(\.transversality), shape: [n])
        try g.writeDataset("forward_steps", points.map { Int64($0.forwardSteps ?? -1) }, shape: [n])
        try g.writeDataset("backward_steps", points.map { Int64($0.backwardSteps ?? -1) }, shape: [n])
        try g.writeDataset("verified", points.map { Int64($0.verified ? 1 : 0) }, shape: [n])
        try g.close()
        try parent.close()
    }

    /// Reads the cycles written under `/cycles` by `platlas cycles --output`.
    public static func readCycles(_ path: String) throws -> [Cycle] {
        let file = try File.open(path)
        let g = try file.root.openGroup("cycles")
        let h = try g.attributeInt("hidden_units")
        let m = try g.attributeInt("dimension")
        let offsets = try g.readInt64s("offsets").values
        let points = try g.readDoubles("points").values
        let regions = try g.readUInt64s("regions").values
        let eigen = try g.readDoubles("eigenvalues").values
        let residual = try g.readDoubles("residual").values
        let w = RegionCode.wordCount(h)
        var cycles: [Cycle] = []
        for c in 0..<(offsets.count - 1) {
            var pts: [[Double]] = [], regs: [RegionCode] = []
            for i in Int(offsets[c])..<Int(offsets[c + 1]) {
                pts.append(Array(points[(i * m)..<((i + 1) * m)]))
                guard let r = RegionCode(words: Array(regions[(i * w)..<((i + 1) * w)]), count: h) else {
                    throw ManifoldFileError(description: "bad region code in /cycles/regions of \(path)")
                }
                regs.append(r)
            }
            var values: [Complex<Double>] = []
            for j in 0..<m where eigen[(c * m + j) * 2].isFinite {
                values.append(Complex(eigen[(c * m + j) * 2], eigen[(c * m + j) * 2 + 1]))
            }
            cycles.append(Cycle(points: pts, regions: regs, eigenvalues: values, residual: residual[c], marginalTolerance: 1e-6))
        }
        try g.close()
        try file.close()
        return cycles
    }
}

/// A result file that cannot be read back.
public struct ManifoldFileError: Error, CustomStringConvertible {
    public var description: String
}
