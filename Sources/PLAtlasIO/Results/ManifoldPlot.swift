import ComplexModule
import Foundation
import HDF5
import PLAtlasCore

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
