import ComplexModule
import Foundation
import HDF5
import PLAtlasCore

/// How manifolds appear in `--json` output and under `/manifolds/<name>` in HDF5 files
/// (docs/hdf5-schema.md, section Manifolds); also reads `/cycles` back for `--cycles F.h5`.
public enum ManifoldOutput {
    /// A figure in summaries and logs: 4 decimals, "-" for none or not finite.
    public static func format(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.4f", $0) : "-" } ?? "-" }

    /// The JSON summary of one manifold; `totals` when `manifold` holds only this rank's part.
    /// `kind` names what the manifold is when it is not a saddle's stable or unstable
    /// manifold (`slow`: a slow spectral submanifold); `continuation` then says how it was grown.
    public static func json(_ manifold: Manifold, name: String, saddleIndex: Int?, deltaSigma: DeltaSigma?, coverage: Coverage?,
                            totals: ManifoldTotals? = nil, kind: String? = nil) -> JSONOutput {
        let totals = totals ?? ManifoldTotals(manifold)
        var fields: [(String, JSONOutput)] = [
            ("name", .string(name)),
            ("kind", .string(kind ?? manifold.kind.rawValue)),
            ("continuation", .string(manifold.kind.rawValue)),
            ("dimension", .integer(manifold.dimension)),
            ("method", .string(manifold.method.rawValue)),
            ("saddle", saddleIndex.map { .integer($0) } ?? .null),
            ("saddle_order", .integer(manifold.saddle.order)),
            ("saddle_points", .array(manifold.saddle.points.map { .numbers($0) })),
            ("regions", .integer(totals.regions)),
            ("sheets", .integer(totals.sheets)),
            ("support_points", .integer(totals.supportPoints)),
            ("points", .integer(totals.points)),
            ("support_points_per_sheet", .integer(manifold.supportPointsPerSheet)),
            ("iterations", .integer(manifold.iterations)),
            ("pushed", .integer(manifold.pointsPushed)),
            ("stop_reason", .string(manifold.stopReason.rawValue)),
            ("truncated", .bool(manifold.stopReason.truncated)),
            ("left_bounds", .integer(manifold.leftBounds)),
            ("reach", .number(manifold.reach)),
            ("bounds", .array([.numbers(manifold.bounds.lower), .numbers(manifold.bounds.upper)])),
            ("all_branches", .bool(manifold.allBranches)),
        ]
        let r = manifold.nonInvertibility
        fields.append(("non_invertibility", .object([
            ("affected", .integer(r.affected)),
            ("no_preimage", .integer(r.noPreimage)),
            ("several_preimages", .integer(r.severalPreimages)),
            ("singular", .integer(r.singular)),
            ("folds", .integer(r.folds)),
            ("preimages", .object(zip(["0", "1", "2", "3+"], r.preimageCounts).map { ($0.0, .integer($0.1)) })),
            ("examples", .array(r.examples.map { .object([("region", .string($0.region.description)), ("point", .numbers($0.point)), ("problem", .string($0.problem))]) })),
        ])))
        if let c = coverage {
            fields.append(("coverage", c.fraction.isFinite ? .number(c.fraction) : .null))
            fields.append(("coverage_details", .object([
                ("sampled", .integer(c.sampled)), ("covered", .integer(c.covered)), ("generations", .integer(c.generations)),
                ("tolerance", .number(c.tolerance)), ("regions_reached", .integer(c.regionsReached)),
                ("regions_missed", .integer(c.missedRegionCount)),
                ("missed_regions", .array(c.missedRegions.map { .string($0.description) })),
            ])))
        } else {
            fields.append(("coverage", .null))
        }
        if let d = deltaSigma {
            fields.append(("delta_sigma", .number(d.value)))
            fields.append(("delta_sigma_strict", .number(d.strict)))
            fields.append(("delta_sigma_details", .object([
                ("neighbourhood", .string("union of balls around the cycle points")),
                ("radius", .number(d.radius)),
                ("random_samples", .integer(d.randomSamples)),
                ("manifold_samples", .integer(d.manifoldSamples)),
                ("quantile", .number(d.quantile)),
                ("delta_quantile", .number(d.deltaQuantile)),
                ("delta_max", .number(d.deltaMax)),
                ("median_manifold_delta", .number(d.medianManifoldDelta)),
                ("fraction_above", .number(d.fractionAbove)),
                ("max_steps", .integer(d.maxSteps)),
            ])))
        } else {
            fields.append(("delta_sigma", .null))
            fields.append(("delta_sigma_strict", .null))
        }
        fields.append(("seconds", .number(manifold.seconds)))
        return .object(fields)
    }

    /// Writes `/manifolds/<name>` (attribute `kind`: `kind`, else the manifold's). Without `part`, every rank passes the same whole manifold
    /// (rank 0's copy is written in a parallel file). With `part`, `manifold` holds this rank's
    /// sheets and points only, and each rank writes its rows at the offsets `part` gives
    /// (collective hyperslab writes; see PLAtlasCluster/DistributedManifold.swift).
    public static func write(_ manifold: Manifold, name: String, saddleIndex: Int?, deltaSigma: DeltaSigma?, coverage: Coverage?,
                             parentRows: [Int], part: ManifoldPart? = nil, kind: String? = nil, into root: borrowing Group) throws {
        let parent = try root.openOrCreateGroup("manifolds")
        let g = try parent.createGroup(name)
        let m = manifold.bounds.dimension, d = manifold.dimension
        let h = manifold.saddle.regions.first?.count ?? 0
        let w = RegionCode.wordCount(h)
        try g.setAttribute("kind", kind ?? manifold.kind.rawValue)
        try g.setAttribute("continuation", manifold.kind.rawValue)
        try g.setAttribute("dimension", d)
        try g.setAttribute("method", manifold.method.rawValue)
        try g.setAttribute("saddle", saddleIndex ?? -1)
        try g.setAttribute("saddle_order", manifold.saddle.order)
        try g.setAttribute("stop_reason", manifold.stopReason.rawValue)
        try g.setAttribute("iterations", manifold.iterations)
        try g.setAttribute("support_points_per_sheet", manifold.supportPointsPerSheet)
        try g.setAttribute("non_invertible_points", manifold.nonInvertibility.affected)
        try g.setAttribute("truncated", manifold.stopReason.truncated ? 1 : 0)
        try g.setAttribute("left_bounds", manifold.leftBounds)
        try g.setAttribute("reach", manifold.reach)
        try g.setAttribute("all_branches", manifold.allBranches ? 1 : 0)
        try g.setAttribute("seconds", manifold.seconds)
        try g.setAttribute("coverage", coverage?.fraction ?? .nan)
        if let c = coverage {
            try g.setAttribute("coverage_sampled", c.sampled)
            try g.setAttribute("coverage_covered", c.covered)
            try g.setAttribute("coverage_generations", c.generations)
            try g.setAttribute("coverage_tolerance", c.tolerance)
            try g.setAttribute("coverage_regions_reached", c.regionsReached)
            try g.setAttribute("coverage_regions_missed", c.missedRegionCount)
        }
        try g.writeDataset("preimage_counts", manifold.nonInvertibility.preimageCounts.map(Int64.init), shape: [4])
        try g.setAttribute("delta_sigma", deltaSigma?.value ?? .nan)
        try g.setAttribute("delta_sigma_strict", deltaSigma?.strict ?? .nan)
        if let ds = deltaSigma {
            try g.setAttribute("delta_sigma_quantile", ds.quantile)
            try g.setAttribute("delta_sigma_delta_quantile", ds.deltaQuantile)
            try g.setAttribute("delta_sigma_radius", ds.radius)
            try g.setAttribute("delta_sigma_random_samples", ds.randomSamples)
            try g.setAttribute("delta_sigma_manifold_samples", ds.manifoldSamples)
            try g.setAttribute("delta_sigma_max", ds.deltaMax)
            try g.setAttribute("delta_sigma_median", ds.medianManifoldDelta)
        }
        try g.writeDataset("bounds", manifold.bounds.lower + manifold.bounds.upper, shape: [2, m])
        try g.writeDataset("saddle_points", manifold.saddle.points.flatMap { $0 }, shape: [manifold.saddle.order, m])
        let sheets = manifold.sheets
        let s = sheets.count
        let whole = part ?? ManifoldPart(whole: manifold)
        /// Rows [offset, offset + rows) of a dataset of `total` rows of shape `row`.
        func put<T: HDF5Scalar>(_ group: borrowing Group, _ dataset: String, _ values: [T], row: [Int], rows: Int, offset: Int, total: Int) throws {
            if part == nil {
                try group.writeDataset(dataset, values, shape: [rows] + row)
            } else {
                let set = try group.createDataset(dataset, type: T.elementType, shape: [total] + row)
                try set.write(values, start: [offset] + row.map { _ in 0 }, count: [rows] + row)
                try set.close()
            }
        }
        try put(g, "points", manifold.points.flatMap { $0 }, row: [m], rows: manifold.points.count, offset: whole.pointOffset,
                total: whole.totals.points)
        var offsets: [Int64] = []
        var support: [Double] = []
        var next = Int64(whole.supportOffset)
        for sheet in sheets {
            offsets.append(next)
            next += Int64(sheet.supportPoints.count)
            for p in sheet.supportPoints { support += p }
        }
        if whole.isLast { offsets.append(next) }
        let sg = try g.createGroup("sheets")
        let (o, total) = (whole.sheetOffset, whole.totals.sheets)
        try put(sg, "region", sheets.flatMap(\.region.words), row: [w], rows: s, offset: o, total: total)
        try put(sg, "origin", sheets.flatMap(\.origin), row: [m], rows: s, offset: o, total: total)
        try put(sg, "basis", sheets.flatMap { $0.basis.flatMap { $0 } }, row: [d, m], rows: s, offset: o, total: total)
        try put(sg, "generation", sheets.map { Int64($0.generation) }, row: [], rows: s, offset: o, total: total)
        try put(sg, "parent", parentRows.map(Int64.init), row: [], rows: s, offset: o, total: total)
        try put(sg, "cycle_point", sheets.map { Int64($0.cyclePoint) }, row: [], rows: s, offset: o, total: total)
        try put(sg, "support_offsets", offsets, row: [], rows: offsets.count, offset: o, total: total + 1)
        try put(sg, "support_points", support, row: [m], rows: support.count / max(m, 1), offset: whole.supportOffset,
                total: whole.totals.supportPoints)
        if whole.normals {
            try put(sg, "normal", sheets.flatMap { $0.normal! }, row: [m], rows: s, offset: o, total: total)
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

    /// Whether `path` is a finished result of these manifolds of `model`: for every builder
    /// and its name a `/manifolds/<name>` of the same kind, method, saddle and box, which did
    /// not stop at a --max-iterations lower than the builder's (a resumed run then continues).
    /// What `manifold --resume` keeps instead of computing again. Serial and read-only.
    public static func isComplete(_ path: String, model: Model, manifolds: [(name: String, builder: ManifoldBuilder)]) -> Bool {
        guard File.isHDF5(path), let file = try? File.open(path) else { return false }
        let holds = manifolds.allSatisfy { holdsManifold(file.root, name: $0.name, builder: $0.builder) }
        try? file.close()
        return holds && (try? ModelFile.load(path, group: "/model")) == [model]
    }

    static func holdsManifold(_ root: borrowing Group, name: String, builder: ManifoldBuilder) -> Bool {
        let group = "manifolds/\(name)"
        guard root.isGroup(group), let g = try? root.openGroup(group) else { return false }
        let options = builder.options
        let stop = try? g.attributeString("stop_reason"), iterations = try? g.attributeInt("iterations")
        let matches = (try? g.attributeString("kind")) == options.kind.rawValue
            && (try? g.attributeString("method")) == builder.method.rawValue
            && (try? g.readDoubles("saddle_points").values) == builder.saddle.points.flatMap({ $0 })
            && (try? g.readDoubles("bounds").values) == options.bounds.lower + options.bounds.upper
        try? g.close()
        guard matches, let stop, let iterations else { return false }
        return !(stop == StopReason.iterations.rawValue && iterations < options.maxIterations)
    }

    /// Reads the cycles written under `/cycles` by `platlas cycles --output`.
    public static func readCycles(_ path: String) throws -> [Cycle] {
        let file = try File.open(path)
        let g = try file.root.openGroup("cycles")
        let h = try g.attributeInt("hidden_units")
        let m = try g.attributeInt("dimension")
        // Every count the file claims is checked before it is used (a file is input).
        func bad(_ problem: String) -> ManifoldFileError { ManifoldFileError(description: "/cycles of \(path): \(problem)") }
        guard m >= 1, h >= 1 else { throw bad("dimension \(m) and hidden_units \(h) must be positive") }
        do {
            try Limits.current.check(m, .dimension, "the dimension")
            try Limits.current.check(h, .hidden, "hidden_units")
        } catch {
            throw bad(error.description)
        }
        let offsets = try g.readInt64s("offsets").values
        let points = try g.readDoubles("points").values
        let regions = try g.readUInt64s("regions").values
        let eigen = try g.readDoubles("eigenvalues").values
        let residual = try g.readDoubles("residual").values
        let w = RegionCode.wordCount(h)
        let n = offsets.count - 1
        guard n >= 0, offsets[0] == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw bad("offsets must start at 0 and never decrease")
        }
        guard offsets[n] <= Int64(points.count) else { throw bad("offsets claim \(offsets[n]) points, the file holds \(points.count / m)") }
        let total = Int(offsets[n])
        guard points.count == total * m, regions.count == total * w, eigen.count == n * m * 2, residual.count == n else {
            throw bad("the datasets do not match offsets (\(n) cycles of \(total) points in all, dimension \(m))")
        }
        var cycles: [Cycle] = []
        for c in 0..<n {
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
