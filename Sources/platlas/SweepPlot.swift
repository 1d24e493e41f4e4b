import Foundation
import PLAtlasCore

/// The `--plot` chart: the orbit diagram with the Lyapunov curve for 1D sweeps, the grid
/// coloured by the largest Lyapunov exponent (with --lyapunov) or by attractor count for 2D
/// sweeps, with bifurcations marked.
enum SweepPlot {
    static func svg(points: [SweepPoint], bifurcations: [Bifurcation], sweep: Sweep, specs: [String]) -> String {
        let width = 640.0, height = 420.0, left = 60.0, top = 20.0, plotW = 560.0, plotH = 340.0
        var body: [String] = []
        let xs = sweep.grid.axes[0]
        let (x0, x1) = (xs.min()!, xs.max()!)
        func sx(_ x: Double) -> Double { x1 == x0 ? left + plotW / 2 : left + (x - x0) / (x1 - x0) * plotW }
        func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
        if sweep.grid.axes.count == 1 {
            let ys = points.flatMap { $0.orbit.map { $0[0] } }.filter(\.isFinite)
            let ly = points.map(\.lyapunov).filter(\.isFinite)
            if !ys.isEmpty {
                let (y0, y1) = (ys.min()!, max(ys.max()!, ys.min()! + 1e-12))
                for p in points { for z in p.orbit where z[0].isFinite {
                    body.append("<circle cx=\"\(fmt(sx(p.values[0])))\" cy=\"\(fmt(top + (1 - (z[0] - y0) / (y1 - y0)) * plotH))\" r=\"0.7\" fill=\"black\"/>")
                } }
            }
            if !ly.isEmpty {
                let (l0, l1) = (min(ly.min()!, 0), max(ly.max()!, 0) + 1e-12)
                let path = points.filter { $0.lyapunov.isFinite }.map { "\(fmt(sx($0.values[0]))),\(fmt(top + (1 - ($0.lyapunov - l0) / (l1 - l0)) * plotH))" }
                body.append("<polyline points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"crimson\" stroke-width=\"1\"/>")
                let zero = top + (1 - (0 - l0) / (l1 - l0)) * plotH
                body.append("<line x1=\"\(left)\" y1=\"\(fmt(zero))\" x2=\"\(left + plotW)\" y2=\"\(fmt(zero))\" stroke=\"crimson\" stroke-dasharray=\"4 3\" stroke-width=\"0.5\"/>")
            }
            for b in bifurcations {
                body.append("<line x1=\"\(fmt(sx(b.value)))\" y1=\"\(top)\" x2=\"\(fmt(sx(b.value)))\" y2=\"\(top + plotH)\" stroke=\"steelblue\" stroke-width=\"0.4\"/>")
            }
        } else {
            let ys = sweep.grid.axes[1]
            let (y0, y1) = (ys.min()!, ys.max()!)
            let cw = plotW / Double(xs.count), ch = plotH / Double(ys.count)
            let maxCount = max(points.map(\.attractorCount).max() ?? 1, 1)
            // With Lyapunov exponents the cells show the largest exponent, otherwise the attractor count.
            let byLyapunov = points.contains { $0.lyapunov.isFinite }
            let lyapunovScale = max(points.map { abs($0.lyapunov) }.filter(\.isFinite).max() ?? 1, 1e-12)
            for p in points {
                let c = sweep.grid.coordinates(of: p.index)
                let fill: String
                if byLyapunov {
                    // Red for positive exponents (chaos), blue for negative, white at 0.
                    let x = p.lyapunov.isFinite ? max(-1, min(1, p.lyapunov / lyapunovScale)) : 0
                    let fade = Int(255 - 200 * abs(x))
                    fill = x > 0 ? "rgb(255,\(fade),\(fade))" : "rgb(\(fade),\(fade),255)"
                } else {
                    let shade = Int(255 - 200 * Double(p.attractorCount) / Double(maxCount))
                    fill = "rgb(\(shade),\(shade),255)"
                }
                body.append("<rect x=\"\(fmt(left + Double(c[0]) * cw))\" y=\"\(fmt(top + plotH - Double(c[1] + 1) * ch))\" width=\"\(fmt(cw))\" height=\"\(fmt(ch))\" fill=\"\(fill)\"/>")
            }
            for b in bifurcations {
                let a = sweep.grid.coordinates(of: b.between.0), d = sweep.grid.coordinates(of: b.between.1)
                let cx = left + (Double(a[0] + d[0]) / 2 + 0.5) * cw, cy = top + plotH - (Double(a[1] + d[1]) / 2 + 0.5) * ch
                body.append("<circle cx=\"\(fmt(cx))\" cy=\"\(fmt(cy))\" r=\"1.2\" fill=\"crimson\"/>")
            }
            body.append("<text x=\"8\" y=\"\(top + 10)\" font-size=\"11\">\(specs.count > 1 ? specs[1] : ""): \(y0) .. \(y1)</text>")
        }
        body.append("<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"black\"/>")
        body.append("<text x=\"\(left)\" y=\"\(top + plotH + 20)\" font-size=\"11\">\(specs[0]): \(x0) .. \(x1)</text>")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
