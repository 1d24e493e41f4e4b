import Foundation
import PLAtlasCore

/// `--plot F.svg` of `platlas ftle`: the field shaded (diverged points grey), the fixed points
/// in the plane's coordinates (filled: stable; open: saddles and repellers) and, where the
/// model has a saddle fixed point with one unstable direction, its stable manifold where it
/// meets the plane (docs/ftle.md, "The figure").
public struct FTLEPlot {
    public var field: FTLEField
    public var fixedPoints: [Cycle] = []
    /// Segments [(u0, v0), (u1, v1)] of the stable manifold in plane coordinates.
    public var manifold: [[[Double]]] = []
    public var title: String
    /// At most this many cells per axis are drawn (blocks of the grid keep their largest value,
    /// so ridges survive).
    public var maxCells = 200
    let size = 800.0, margin = 40.0

    public init(field: FTLEField, title: String) {
        self.field = field
        self.title = title
    }

    /// The fixed points (order 1) and the stable manifold of the saddle with one unstable
    /// direction nearest the plane's centre, built in this process in a box around the plane
    /// and the saddle (at most `maxIterations` steps). Best effort: a figure without them when
    /// the search or the construction fails.
    public mutating func addStructures(model: Model, seed: UInt64 = 0, maxIterations: Int = 60, log: Log = .silent) {
        var search = CycleSearchOptions(maxOrder: 1)
        search.seed = seed
        guard let cycles = try? CycleSearch(model: model, options: search).run().cycles else { return }
        fixedPoints = cycles
        let plane = field.plane
        let saddles = cycles.filter { $0.stability == .saddle && $0.unstableDimension == 1 }
        func distance(_ x: [Double]) -> Double { zip(x, plane.centre).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        guard let saddle = saddles.min(by: { distance($0.points[0]) < distance($1.points[0]) }) else { return }
        let form = model.shallowForm()
        let span = max(plane.upper[0] - plane.lower[0], plane.upper[1] - plane.lower[1])
        var lower = plane.centre.map { $0 - span }, upper = plane.centre.map { $0 + span }
        for (k, axis) in plane.axes.enumerated() {
            lower[axis] = plane.lower[k] - 0.1 * span
            upper[axis] = plane.upper[k] + 0.1 * span
        }
        for k in lower.indices {
            lower[k] = min(lower[k], saddle.points[0][k] - 0.1 * span)
            upper[k] = max(upper[k], saddle.points[0][k] + 0.1 * span)
        }
        var options = ManifoldOptions(kind: .stable, bounds: Box(lower: lower, upper: upper))
        options.maxIterations = maxIterations
        options.seed = seed
        var distribution = DistributionOptions()
        distribution.deltaSigma = nil
        distribution.coverage = nil
        guard let builder = try? ManifoldBuilder(form: form, saddle: saddle, options: options),
              let built = try? builder.build(distribution: distribution, log: Log.silent) else {
            log("ftle --plot: the stable manifold of the saddle at \(saddle.points[0].map { String(format: "%.4g", $0) }.joined(separator: ", ")) could not be built; drawn without it")
            return
        }
        manifold = built.manifold.section(by: plane, chain: builder.chain)
    }

    /// A colour of the viridis-like ramp for t in [0, 1].
    static func colour(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let k = min(Int(x), stops.count - 2), f = x - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        return String(format: "#%02x%02x%02x", Int(a.0 + f * (b.0 - a.0)), Int(a.1 + f * (b.1 - a.1)), Int(a.2 + f * (b.2 - a.2)))
    }

    public func render() -> String {
        let plane = field.plane
        let (nx, ny) = (plane.resolution[0], plane.resolution[1])
        let (lo, hi) = (plane.lower, plane.upper)
        func px(_ u: Double, _ v: Double) -> (Double, Double) {
            (margin + (u - lo[0]) / (hi[0] - lo[0]) * size, margin + (hi[1] - v) / (hi[1] - lo[1]) * size)
        }
        let finite = field.values.filter(\.isFinite)
        let (vmin, vmax) = (finite.min() ?? 0, finite.max() ?? 1)
        // Blocks of the grid: the largest finite value of each (NaN when all diverged).
        let bx = (nx + maxCells - 1) / maxCells, by = (ny + maxCells - 1) / maxCells
        let cx = (nx + bx - 1) / bx, cy = (ny + by - 1) / by
        let (du, dv) = (nx > 1 ? (hi[0] - lo[0]) / Double(nx - 1) : hi[0] - lo[0], ny > 1 ? (hi[1] - lo[1]) / Double(ny - 1) : hi[1] - lo[1])
        let total = size + 2 * margin
        var lines = [
            ##"<?xml version="1.0" encoding="UTF-8"?>"##,
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(total))" height="\##(Int(total) + 30)" viewBox="0 0 \##(Int(total)) \##(Int(total) + 30)">"##,
            "<title>\(ManifoldPlot.escape(title))</title>",
            ##"<defs><clipPath id="frame"><rect x="\##(ManifoldPlot.f(margin))" y="\##(ManifoldPlot.f(margin))" width="\##(ManifoldPlot.f(size))" height="\##(ManifoldPlot.f(size))"/></clipPath></defs>"##,
            ##"<rect x="0" y="0" width="\##(Int(total))" height="\##(Int(total) + 30)" fill="#ffffff"/>"##,
            ##"<g clip-path="url(#frame)">"##,
            ##"<g id="ftle" class="field">"##,
        ]
        for p in 0..<cx {
            for q in 0..<cy {
                var best = -Double.infinity
                for a in (p * bx)..<min((p + 1) * bx, nx) {
                    for b in (q * by)..<min((q + 1) * by, ny) where field.value(a, b).isFinite { best = max(best, field.value(a, b)) }
                }
                let fill = best.isFinite ? Self.colour(vmax > vmin ? (best - vmin) / (vmax - vmin) : 0.5) : "#c8c8c8"
                // The cell of grid points a..a' spans half a spacing beyond them.
                let (u0, u1) = (lo[0] + (Double(p * bx) - 0.5) * du, lo[0] + (Double(min((p + 1) * bx, nx)) - 0.5) * du)
                let (v0, v1) = (lo[1] + (Double(q * by) - 0.5) * dv, lo[1] + (Double(min((q + 1) * by, ny)) - 0.5) * dv)
                let (x0, y1) = px(u0, v0), (x1, y0) = px(u1, v1)
                lines.append(##"<rect class="cell" x="\##(ManifoldPlot.f(x0))" y="\##(ManifoldPlot.f(y0))" width="\##(ManifoldPlot.f(x1 - x0 + 0.3))" height="\##(ManifoldPlot.f(y1 - y0 + 0.3))" fill="\##(fill)"/>"##)
            }
        }
        lines.append("</g>")
        if !manifold.isEmpty {
            lines.append(##"<g id="stable-manifold" class="manifold stable" stroke="#ffffff" stroke-width="2">"##)
            for s in manifold {
                let (x0, y0) = px(s[0][0], s[0][1]), (x1, y1) = px(s[1][0], s[1][1])
                lines.append(##"<line x1="\##(ManifoldPlot.f(x0))" y1="\##(ManifoldPlot.f(y0))" x2="\##(ManifoldPlot.f(x1))" y2="\##(ManifoldPlot.f(y1))"/>"##)
            }
            lines.append("</g>")
        }
        lines.append(##"<g id="cycles">"##)
        for (index, c) in fixedPoints.enumerated() {
            let p = c.points[0]
            let (x, y) = px(p[plane.axes[0]], p[plane.axes[1]])
            let fill = c.stability == .stable ? "#000000" : "#ffffff"
            lines.append(##"<circle class="cycle \##(c.stability.rawValue)" data-cycle="\##(index)" cx="\##(ManifoldPlot.f(x))" cy="\##(ManifoldPlot.f(y))" r="5" fill="\##(fill)" stroke="#000000" stroke-width="1.5"/>"##)
        }
        lines.append("</g>")
        lines.append("</g>")
        lines.append(##"<rect class="frame" x="\##(ManifoldPlot.f(margin))" y="\##(ManifoldPlot.f(margin))" width="\##(ManifoldPlot.f(size))" height="\##(ManifoldPlot.f(size))" fill="none" stroke="#000000"/>"##)
        let (i, j) = (plane.axes[0], plane.axes[1])
        let labels = [
            (margin, margin + size + 15, String(format: "%.3g", lo[0]), "start"),
            (margin + size, margin + size + 15, String(format: "%.3g", hi[0]), "end"),
            (margin - 4, margin + size, String(format: "%.3g", lo[1]), "end"),
            (margin - 4, margin + 10, String(format: "%.3g", hi[1]), "end"),
            (margin + size / 2, margin + size + 15, "z\(i + 1)", "middle"),
            (margin / 2, margin + size / 2, "z\(j + 1)", "middle"),
            (margin, margin + size + 40, String(format: "%@ FTLE, T = %d: %.4g (dark) to %.4g (light); grey: diverged", field.options.direction.rawValue,
                                                field.options.steps, vmin, vmax), "start"),
        ]
        for (x, y, text, anchor) in labels {
            lines.append(##"<text x="\##(ManifoldPlot.f(x))" y="\##(ManifoldPlot.f(y))" font-family="sans-serif" font-size="12" text-anchor="\##(anchor)">\##(ManifoldPlot.escape(text))</text>"##)
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    public func write(_ path: String) throws {
        try render().write(toFile: path, atomically: true, encoding: .utf8)
    }
}
