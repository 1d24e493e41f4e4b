/// The pieces of a codimension-1 stable manifold that the side test needs, in one flat array:
/// a few words per piece instead of a `Sheet` with its arrays. Small enough to hold on every
/// rank: each rank encodes the sheets it holds and the words are all-gathered.
///
/// Records: polyline segment `[a (M), b (M), normal (M)]`; sheet `[k, b, origin (M),
/// normal (M), basis (b x M), support points (k x M)]`.
public struct BoundaryPieces: Sendable, Equatable {
    /// M.
    public let dimension: Int
    public let polyline: Bool
    public private(set) var words: [Double] = []
    /// Number of records (segments or sheets).
    public private(set) var count = 0

    public init(dimension: Int, polyline: Bool) {
        self.dimension = dimension
        self.polyline = polyline
    }

    /// The pieces of a manifold, or of the part of it one rank holds. Throws unless it is a
    /// stable manifold of dimension M - 1 whose sheets all carry a normal.
    public init(_ manifold: Manifold) throws(ManifoldError) {
        let m = manifold.bounds.dimension
        guard manifold.kind == .stable, manifold.dimension == m - 1, manifold.sheets.allSatisfy({ $0.normal != nil }) else {
            throw .notCodimensionOne(dimension: manifold.dimension, stateDimension: m)
        }
        self.init(dimension: m, polyline: manifold.method == .polyline)
        for sheet in manifold.sheets { append(sheet) }
    }

    /// Records encoded by `BoundaryPieces` of the same dimension and method, one after another
    /// (e.g. every rank's `words`, concatenated).
    public init(dimension: Int, polyline: Bool, words: [Double]) {
        self.init(dimension: dimension, polyline: polyline)
        self.words = words
        var p = 0
        while p < words.count {
            p += recordLength(at: p)
            count += 1
        }
        precondition(p == words.count, "truncated boundary records")
    }

    func recordLength(at p: Int) -> Int {
        let m = dimension
        return polyline ? 3 * m : 2 + 2 * m + (Int(words[p + 1]) + Int(words[p])) * m
    }

    public mutating func append(_ sheet: Sheet) {
        let normal = sheet.normal!
        if polyline {
            words += sheet.supportPoints[0]
            words += sheet.supportPoints[1]
            words += normal
        } else {
            words.append(Double(sheet.supportPoints.count))
            words.append(Double(sheet.basis.count))
            words += sheet.origin
            words += normal
            for e in sheet.basis { words += e }
            for p in sheet.supportPoints { words += p }
        }
        count += 1
    }
}

/// The two sides of a codimension-1 stable manifold, from its oriented pieces: side +1 is the
/// side of the saddle's unstable eigenvector (at cycle point 0), -1 the other. A point's side
/// is the sign of n . (x - q) for the nearest point q of the nearest piece and that piece's
/// normal n.
///
/// Polylines: the nearest segment, exactly (a bounding-volume tree over chunks of the
/// segments). Sheets: the support points are indexed; a sheet's nearest point is the
/// projection of x onto its flat when that lies within `reach` (1/50 of the box diagonal) of
/// the sheet's nearest support point, else that support point. Every sheet with a support
/// point within (distance to the nearest support point) + `reach` of x is a candidate. The
/// answer depends only on the set of pieces, not on their order (ties are decided by the
/// values, not by position), so every rank count gives the same sides.
public struct BoundarySides: Sendable {
    public let pieces: BoundaryPieces
    let m: Int
    let tree: BoxTree
    /// Sheets: support points (m each), the sheet of each, and per sheet its origin, normal
    /// and basis (b x m words from `basisStart`).
    let points: [Double]
    let pointSheet: [Int32]
    let origins: [Double], normals: [Double], bases: [Double]
    let basisStart: [Int], basisCount: [Int]
    let reach: Double
    /// The number of items in the index (chunks of segments, or support points).
    public var indexedItems: Int { tree.items.count }
    /// Polylines: the segment of each indexed chunk.
    let segmentOfItem: [Int32]
    /// Polylines: about this many chunks per segment on average (long segments get more).
    /// More chunks make queries in bundles of strands cheaper and the index bigger and slower
    /// to build (measured in docs/benchmarks.md, "Basins").
    static let chunksPerSegment = 4

    public init(_ manifold: Manifold) throws(ManifoldError) {
        self.init(pieces: try BoundaryPieces(manifold), bounds: manifold.bounds)
    }

    public init(pieces: BoundaryPieces, bounds: Box) {
        self.pieces = pieces
        let m = pieces.dimension
        self.m = m
        self.reach = bounds.diagonal / 50
        var points: [Double] = [], pointSheet: [Int32] = []
        var origins: [Double] = [], normals: [Double] = [], bases: [Double] = []
        var basisStart: [Int] = [], basisCount: [Int] = []
        var segmentOfItem: [Int32] = [], firstItem: [Int32] = []
        let w = pieces.words
        if pieces.polyline {
            // Long segments are indexed as chunks (each item names its segment): a box around
            // a long, slanted segment holds much empty space, and in a bundle of nearly
            // coincident strands every such box would contain the query point. About
            // `chunksPerSegment` chunks per segment on average, of equal length overall.
            var lengths = [Double](repeating: 0, count: pieces.count), total = 0.0
            for s in 0..<pieces.count {
                var l2 = 0.0
                for a in 0..<m { l2 += (w[3 * m * s + m + a] - w[3 * m * s + a]) * (w[3 * m * s + m + a] - w[3 * m * s + a]) }
                lengths[s] = l2.squareRoot()
                total += lengths[s]
            }
            let chunk = max(total / Double(max(1, Self.chunksPerSegment * pieces.count)), 1e-300)
            firstItem.reserveCapacity(pieces.count + 1)
            firstItem.append(0)
            for s in 0..<pieces.count {
                let parts = Int32(min((lengths[s] / chunk).rounded(.up), Double(1 << 20)))
                firstItem.append(firstItem[s] + max(1, parts))
                for _ in 0..<max(1, parts) { segmentOfItem.append(Int32(s)) }
            }
        } else {
            var p = 0, sheet = 0
            while p < w.count {
                let k = Int(w[p]), b = Int(w[p + 1])
                var q = p + 2
                origins += w[q..<(q + m)]
                q += m
                normals += w[q..<(q + m)]
                q += m
                basisStart.append(bases.count)
                basisCount.append(b)
                bases += w[q..<(q + b * m)]
                q += b * m
                points += w[q..<(q + k * m)]
                pointSheet += [Int32](repeating: Int32(sheet), count: k)
                p = q + k * m
                sheet += 1
            }
        }
        if pieces.polyline {
            let (segments, firsts) = (segmentOfItem, firstItem)
            self.tree = segments.withUnsafeBufferPointer { sb in
                firsts.withUnsafeBufferPointer { fb in
                    w.withUnsafeBufferPointer { wb in
                        let segment = sb.baseAddress!, first = fb.baseAddress!, words = wb.baseAddress!
                        return BoxTree(m: m, count: segments.count) { item, lo, hi in
                            // Chunk j of `parts` of segment s: from t = j / parts to (j + 1) / parts.
                            let s = Int(segment[item]), f = Int(first[s]), parts = Int(first[s + 1]) - f, j = item - f
                            let t0 = Double(j) / Double(parts), t1 = Double(j + 1) / Double(parts)
                            let ends = words + 3 * m * s
                            for a in 0..<m {
                                let ea = ends[a], eb = ends[m + a]
                                let u = ea + t0 * (eb - ea), v = j + 1 == parts ? eb : ea + t1 * (eb - ea)
                                // Widened by a few units in the last place, so that the rounded
                                // nearest point of the segment never lies outside its chunk's box.
                                let margin = 1e-14 * (abs(ea) + abs(eb)) + 1e-300
                                lo[a] = min(u, v) - margin
                                hi[a] = max(u, v) + margin
                            }
                        }
                    }
                }
            }
        } else {
            let coordinates = points
            self.tree = coordinates.withUnsafeBufferPointer { pb in
                let p = pb.baseAddress!
                return BoxTree(m: m, count: pointSheet.count) { i, lo, hi in
                    for a in 0..<m {
                        lo[a] = p[i * m + a]
                        hi[a] = p[i * m + a]
                    }
                }
            }
        }
        self.segmentOfItem = segmentOfItem
        self.points = points
        self.pointSheet = pointSheet
        self.origins = origins
        self.normals = normals
        self.bases = bases
        self.basisStart = basisStart
        self.basisCount = basisCount
    }

    /// Segment s of `w` (a, b, normal at 3 m s): the squared distance from x to its nearest
    /// point a + t (b - a), and the signed distance n . (x - q) along its normal. No
    /// allocation: this runs for every segment a query looks at.
    @inline(__always) static func segment(_ w: UnsafePointer<Double>, _ s: Int, _ x: UnsafePointer<Double>, _ m: Int)
        -> (distanceSquared: Double, signed: Double)
    {
        let a = w + 3 * m * s, b = a + m, n = b + m
        var ab2 = 0.0, t = 0.0
        for i in 0..<m {
            let d = b[i] - a[i]
            ab2 += d * d
            t += (x[i] - a[i]) * d
        }
        t = ab2 > 0 ? min(1, max(0, t / ab2)) : 0
        var d2 = 0.0, signed = 0.0
        for i in 0..<m {
            let r = x[i] - (a[i] + t * (b[i] - a[i]))
            d2 += r * r
            signed += n[i] * r
        }
        return (d2, signed)
    }

    @inline(__always) func pointDistanceSquared(_ x: [Double], _ i: Int) -> Double {
        var s = 0.0
        for a in 0..<m { s += (x[a] - points[i * m + a]) * (x[a] - points[i * m + a]) }
        return s
    }

    /// The side (+1 or -1) of x and its distance to the manifold. Where several pieces are
    /// (nearly) equally close, as at a corner of the polyline, the piece along whose normal x
    /// lies farthest decides (the pseudo-normal rule, which is exact at corners).
    public func side(of x: [Double]) -> (side: Int, distance: Double) {
        // (distance, signed distance along the normal) of every candidate piece.
        var found: [(Double, Double)] = []
        if pieces.polyline {
            let m = m
            pieces.words.withUnsafeBufferPointer { wb in
                segmentOfItem.withUnsafeBufferPointer { sb in
                x.withUnsafeBufferPointer { xb in
                    let w = wb.baseAddress!, xp = xb.baseAddress!, seg = sb.baseAddress!
                    let best = tree.nearest(x) { Self.segment(w, Int(seg[$0]), xp, m).distanceSquared }
                    guard best.isFinite else { return }
                    let radius = best.squareRoot() * (1 + 1e-9) + 1e-12
                    // A segment may come once per chunk: repeats change neither the nearest
                    // distance nor the decisive normal.
                    tree.within(x, radiusSquared: radius * radius) { item in
                        let (d2, signed) = Self.segment(w, Int(seg[item]), xp, m)
                        if d2.squareRoot() <= radius { found.append((d2.squareRoot(), signed)) }
                    }
                }
                }
            }
            guard !found.isEmpty else { return (0, .infinity) }
        } else {
            let best = tree.nearest(x) { pointDistanceSquared(x, $0) }
            guard best.isFinite else { return (0, .infinity) }
            let radius = best.squareRoot() + reach
            // Per candidate sheet, its nearest support point (the first of equally near ones).
            var nearestPoint: [Int32: (Int, Double)] = [:]
            tree.within(x, radiusSquared: radius * radius) { i in
                let d2 = pointDistanceSquared(x, i)
                guard d2 <= radius * radius else { return }
                if let (j, e2) = nearestPoint[pointSheet[i]], e2 < d2 || (e2 == d2 && j < i) { return }
                nearestPoint[pointSheet[i]] = (i, d2)
            }
            for (sheet, (i, _)) in nearestPoint {
                let s = Int(sheet)
                let support = Array(points[(i * m)..<(i * m + m)])
                let origin = Array(origins[(s * m)..<(s * m + m)])
                let r = Vec.sub(x, origin)
                var proj = origin
                for e in 0..<basisCount[s] {
                    let v = Array(bases[(basisStart[s] + e * m)..<(basisStart[s] + e * m + m)])
                    proj = Vec.axpy(proj, Vec.dot(r, v), v)
                }
                let q = Vec.distance(proj, support) < reach ? proj : support
                var signed = 0.0
                for a in 0..<m { signed += normals[s * m + a] * (x[a] - q[a]) }
                found.append((Vec.distance(x, q), signed))
            }
        }
        let nearest = found.map(\.0).min() ?? .infinity
        var decisive = 0.0
        for (d, signed) in found where d <= nearest * (1 + 1e-9) + 1e-12 {
            if abs(signed) > abs(decisive) || (abs(signed) == abs(decisive) && signed > decisive) { decisive = signed }
        }
        return (decisive >= 0 ? 1 : -1, nearest)
    }
}
