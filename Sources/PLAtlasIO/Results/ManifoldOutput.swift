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

/// A result file that cannot be read back.
public struct ManifoldFileError: Error, CustomStringConvertible {
    public var description: String
}

/// `--plot F.svg`: manifolds, cycles, intersection points and a basin grid in the plane of the
/// first two coordinates (a projection for M > 2), written as SVG directly.
public struct ManifoldPlot {
    public var box: Box
    public var title: String
    var body: [String] = []
    let size = 800.0, margin = 40.0

    public init(box: Box, title: String) {
        self.box = box
        self.title = title
    }

    func px(_ x: [Double]) -> (Double, Double) {
        let lo0 = box.lower[0], hi0 = box.upper[0]
        let lo1 = box.lower.count > 1 ? box.lower[1] : -1, hi1 = box.upper.count > 1 ? box.upper[1] : 1
        let y = x.count > 1 ? x[1] : 0
        return (margin + (x[0] - lo0) / (hi0 - lo0) * size, margin + (hi1 - y) / (hi1 - lo1) * size)
    }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f"]

    /// The brute-force basin grid: one rectangle per grid point, coloured by destination.
    public mutating func basins(_ grid: GridAgreement) {
        guard grid.resolution.count == 2, grid.cellCodes.count == grid.resolution[0] * grid.resolution[1] else { return }
        let n0 = grid.resolution[0], n1 = grid.resolution[1]
        let w = size / Double(n0), h = size / Double(n1)
        body.append(##"<g id="basins" class="basins">"##)
        for j in 0..<n1 {
            for i in 0..<n0 {
                let colour: String
                switch grid.cell(j * n0 + i) {
                case .attractor(let a): colour = Self.palette[a % Self.palette.count]
                case .divergence: colour = "#e0e0e0"
                case .undecided: colour = "#ffffff"
                }
                let x = margin + Double(i) * w, y = margin + size - Double(j + 1) * h
                body.append(##"<rect class="cell" x="\##(Self.f(x))" y="\##(Self.f(y))" width="\##(Self.f(w + 0.3))" height="\##(Self.f(h + 0.3))" fill="\##(colour)" fill-opacity="0.35"/>"##)
            }
        }
        body.append("</g>")
    }

    /// A manifold: segments for polylines, support points for sheets.
    public mutating func manifold(_ m: Manifold, name: String) {
        let colour = m.kind == .stable ? "#1f3fbf" : "#c0392b"
        body.append(##"<g id="\##(Self.escape(name))" class="manifold \##(m.kind.rawValue)" stroke="\##(colour)" fill="\##(colour)">"##)
        if m.method == .polyline {
            for s in m.sheets {
                let (x0, y0) = px(s.supportPoints[0]), (x1, y1) = px(s.supportPoints[1])
                body.append(##"<line x1="\##(Self.f(x0))" y1="\##(Self.f(y0))" x2="\##(Self.f(x1))" y2="\##(Self.f(y1))" stroke-width="1.5"/>"##)
            }
        } else {
            for s in m.sheets {
                for p in s.supportPoints {
                    let (x, y) = px(p)
                    body.append(##"<circle class="support" cx="\##(Self.f(x))" cy="\##(Self.f(y))" r="1.2" stroke="none"/>"##)
                }
            }
        }
        body.append("</g>")
    }

    /// Cycle points: filled for stable, open for saddles and repellers.
    public mutating func cycles(_ cycles: [Cycle]) {
        body.append(##"<g id="cycles">"##)
        for (i, c) in cycles.enumerated() {
            for p in c.points {
                let (x, y) = px(p)
                let fill = c.stability == .stable ? "#000000" : "#ffffff"
                body.append(##"<circle class="cycle \##(c.stability.rawValue)" data-cycle="\##(i)" cx="\##(Self.f(x))" cy="\##(Self.f(y))" r="5" fill="\##(fill)" stroke="#000000" stroke-width="1.5"/>"##)
            }
        }
        body.append("</g>")
    }

    /// A curve through `points` (a chart of a slow manifold), as one polyline.
    public mutating func curve(_ points: [[Double]], name: String) {
        let path = points.map { p in let (x, y) = px(p); return "\(Self.f(x)),\(Self.f(y))" }.joined(separator: " ")
        body.append(##"<polyline id="\##(Self.escape(name))" class="curve" points="\##(path)" fill="none" stroke="#2ca02c" stroke-width="2.5" stroke-opacity="0.7"/>"##)
    }

    public mutating func intersections(_ points: [IntersectionPoint]) {
        body.append(##"<g id="intersections">"##)
        for p in points {
            let (x, y) = px(p.point)
            body.append(##"<circle class="intersection\##(p.verified ? " verified" : "")" cx="\##(Self.f(x))" cy="\##(Self.f(y))" r="2.5" fill="#2ca02c" stroke="none"/>"##)
        }
        body.append("</g>")
    }

    public func render() -> String {
        let total = size + 2 * margin
        let lo1 = box.lower.count > 1 ? box.lower[1] : -1, hi1 = box.upper.count > 1 ? box.upper[1] : 1
        var lines = [
            ##"<?xml version="1.0" encoding="UTF-8"?>"##,
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(total))" height="\##(Int(total))" viewBox="0 0 \##(Int(total)) \##(Int(total))">"##,
            "<title>\(Self.escape(title))</title>",
            ##"<defs><clipPath id="frame"><rect x="\##(Self.f(margin))" y="\##(Self.f(margin))" width="\##(Self.f(size))" height="\##(Self.f(size))"/></clipPath></defs>"##,
            ##"<rect x="0" y="0" width="\##(Int(total))" height="\##(Int(total))" fill="#ffffff"/>"##,
            ##"<g clip-path="url(#frame)">"##,
        ]
        lines += body
        lines.append("</g>")
        lines.append(##"<rect class="frame" x="\##(Self.f(margin))" y="\##(Self.f(margin))" width="\##(Self.f(size))" height="\##(Self.f(size))" fill="none" stroke="#000000"/>"##)
        let labels = [
            (margin, margin + size + 15, String(format: "%.3g", box.lower[0]), "start"),
            (margin + size, margin + size + 15, String(format: "%.3g", box.upper[0]), "end"),
            (margin - 4, margin + size, String(format: "%.3g", lo1), "end"),
            (margin - 4, margin + 10, String(format: "%.3g", hi1), "end"),
            (margin + size / 2, margin + size + 30, "z1", "middle"),
            (margin / 2, margin + size / 2, "z2", "middle"),
        ]
        for (x, y, text, anchor) in labels {
            lines.append(##"<text x="\##(Self.f(x))" y="\##(Self.f(y))" font-family="sans-serif" font-size="12" text-anchor="\##(anchor)">\##(Self.escape(text))</text>"##)
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    public func write(_ path: String) throws {
        try render().write(toFile: path, atomically: true, encoding: .utf8)
    }
}
