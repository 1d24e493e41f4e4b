import RealModule

/// Where an orbit ends: an attractor (index into the list given), divergence, or undecided.
public enum Destination: Hashable, Sendable, CustomStringConvertible {
    case attractor(Int)
    case divergence
    case undecided

    public var description: String {
        switch self {
        case .attractor(let i): "attractor \(i)"
        case .divergence: "divergence"
        case .undecided: "undecided"
        }
    }
}

/// Brute-force classification: iterate F until the orbit comes close to an attractor or diverges.
public struct OrbitClassifier: Sendable {
    public let form: ShallowForm
    public let attractors: [Cycle]
    public var maxSteps = 3000
    /// Close means within this distance of an attractor point (after at least one full period).
    public var tolerance: Double
    /// Diverged means ||x|| above this.
    public var divergence: Double

    public init(form: ShallowForm, attractors: [Cycle], scale: Double) {
        self.form = form
        self.attractors = attractors
        // Within a tenth of the distance to the nearest region boundary of an attractor point,
        // capped at 1e-3 of the scale, the orbit is caught (a contracting affine piece).
        var tolerance = 1e-3 * (1 + scale)
        for a in attractors {
            for p in a.points {
                let u = form.preActivation(p)
                for k in 0..<form.hiddenCount {
                    var n2 = 0.0
                    for j in 0..<form.dimension { n2 += form.N[k * form.dimension + j] * form.N[k * form.dimension + j] }
                    if n2 > 0 { tolerance = min(tolerance, 0.1 * abs(u[k]) / n2.squareRoot()) }
                }
            }
        }
        self.tolerance = max(tolerance, 1e-9 * (1 + scale))
        self.divergence = 1e6 * (1 + scale)
    }

    public func destination(of start: [Double]) -> Destination {
        var x = start
        let m = form.dimension
        var out = [Double](repeating: 0, count: m), scratch = [Double](repeating: 0, count: form.hiddenCount)
        for _ in 0..<maxSteps {
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    scratch.withUnsafeMutableBufferPointer { sp in form.apply(xp.baseAddress!, into: op.baseAddress!, scratch: sp.baseAddress!) }
                }
            }
            swap(&x, &out)
            var n2 = 0.0
            for v in x { n2 += v * v }
            if !(n2.squareRoot() < divergence) { return .divergence }
            for (i, a) in attractors.enumerated() {
                for p in a.points where Vec.distanceSquared(p, x) < tolerance * tolerance { return .attractor(i) }
            }
        }
        return .undecided
    }
}

/// The two sides of a codimension-1 stable manifold, from its oriented sheets: side +1 is the
/// side of the saddle's unstable eigenvector (at cycle point 0), -1 the other. A point's side
/// is the sign of n . (x - q) for the nearest manifold point q (exact projection onto the
/// nearest piece) and that piece's normal n.
public struct BoundarySides: Sendable {
    public let manifold: Manifold
    let samples: [[Double]]
    let owner: [Int]
    let cellSize: Double
    let grid: [[Int]: [Int]]
    let projected: Int

    public init(_ manifold: Manifold) throws(ManifoldError) {
        let m = manifold.saddle.points[0].count
        guard manifold.kind == .stable, manifold.dimension == m - 1, manifold.sheets.allSatisfy({ $0.normal != nil }) else {
            throw .notCodimensionOne(dimension: manifold.dimension, stateDimension: m)
        }
        self.manifold = manifold
        var samples: [[Double]] = [], owner: [Int] = []
        let spacing = manifold.bounds.diagonal / 1000
        for (i, sheet) in manifold.sheets.enumerated() {
            if manifold.method == .polyline {
                let a = sheet.supportPoints[0], b = sheet.supportPoints[1]
                let n = min(200, max(1, Int((Vec.distance(a, b) / spacing).rounded(.up))))
                for j in 0...n {
                    samples.append(Vec.axpy(a, Double(j) / Double(n), Vec.sub(b, a)))
                    owner.append(i)
                }
            } else {
                for p in sheet.supportPoints {
                    samples.append(p)
                    owner.append(i)
                }
            }
        }
        self.samples = samples
        self.owner = owner
        self.projected = min(m, 3)
        self.cellSize = max(spacing * 10, 1e-12)
        var grid: [[Int]: [Int]] = [:]
        for (i, p) in samples.enumerated() { grid[Self.key(p, projected, cellSize), default: []].append(i) }
        self.grid = grid
    }

    static func key(_ p: [Double], _ k: Int, _ h: Double) -> [Int] { (0..<k).map { Int((p[$0] / h).rounded(.down)) } }

    /// The lower bound of the distance from x to any point of grid cell `key` (projected).
    func cellDistance(_ x: [Double], _ key: [Int]) -> Double {
        var s = 0.0
        for a in 0..<projected {
            let lo = Double(key[a]) * cellSize, hi = lo + cellSize
            let d = x[a] < lo ? lo - x[a] : (x[a] > hi ? x[a] - hi : 0)
            s += d * d
        }
        return s.squareRoot()
    }

    /// Indices of the samples in cells that come within `radius` of x.
    func samplesNear(_ x: [Double], radius: Double) -> [Int] {
        let rings = Int((radius / cellSize).rounded(.up)) + 1
        var out: [Int] = []
        var cellsToVisit = 1
        for _ in 0..<projected { cellsToVisit = cellsToVisit.multipliedReportingOverflow(by: 2 * rings + 1).partialValue }
        if cellsToVisit > 0 && cellsToVisit <= grid.count {
            let centre = Self.key(x, projected, cellSize)
            var offsets: [[Int]] = [[]]
            for _ in 0..<projected { offsets = offsets.flatMap { o in (-rings...rings).map { o + [$0] } } }
            for o in offsets { out += grid[zip(centre, o).map { $0 + $1 }] ?? [] }
        } else {
            for (key, list) in grid where cellDistance(x, key) <= radius { out += list }
        }
        return out
    }

    /// The nearest manifold sample (index).
    func nearestSample(_ x: [Double]) -> Int? {
        guard !samples.isEmpty else { return nil }
        var radius = 2 * cellSize
        while true {
            var best = -1, bestD = Double.infinity
            for i in samplesNear(x, radius: radius) {
                let d = Vec.distanceSquared(samples[i], x)
                if d < bestD || (d == bestD && i < best) { bestD = d; best = i }
            }
            // Exact once the nearest found lies within the searched radius.
            if best >= 0 && bestD.squareRoot() <= radius { return best }
            if radius > 1e3 * (1 + manifold.bounds.diagonal) + Vec.norm(x) { return best >= 0 ? best : nil }
            radius *= 4
        }
    }

    /// The nearest point of one sheet to x (exact for segments; the projection onto the flat,
    /// kept near the sample, for sheets).
    func nearestPoint(_ x: [Double], sheet index: Int, sample: Int) -> [Double] {
        let sheet = manifold.sheets[index]
        if manifold.method == .polyline {
            let a = sheet.supportPoints[0], b = sheet.supportPoints[1]
            let ab = Vec.sub(b, a)
            let len2 = Vec.dot(ab, ab)
            let t = len2 > 0 ? min(1, max(0, Vec.dot(Vec.sub(x, a), ab) / len2)) : 0
            return Vec.axpy(a, t, ab)
        }
        let r = Vec.sub(x, sheet.origin)
        var proj = sheet.origin
        for e in sheet.basis { proj = Vec.axpy(proj, Vec.dot(r, e), e) }
        return Vec.distance(proj, samples[sample]) < 2 * cellSize ? proj : samples[sample]
    }

    /// The side (+1 or -1) of x and its distance to the manifold. Where several pieces are
    /// (nearly) equally close, as at a corner of the polyline, the piece along whose normal x
    /// lies farthest decides (the pseudo-normal rule, which is exact at corners).
    public func side(of x: [Double]) -> (side: Int, distance: Double) {
        guard let i = nearestSample(x) else { return (0, .infinity) }
        let reach = Vec.distance(samples[i], x) + 2 * cellSize
        // Every sheet with a sample within reach of x.
        let candidates = samplesNear(x, radius: reach).filter { Vec.distance(samples[$0], x) <= reach }
        var best: (distance: Double, signed: Double) = (.infinity, 0)
        var bySheet: [Int: Int] = [:]
        for j in candidates.sorted() where bySheet[owner[j]] == nil { bySheet[owner[j]] = j }
        var found: [(Double, Double)] = []
        for (sheet, sample) in bySheet {
            let q = nearestPoint(x, sheet: sheet, sample: sample)
            found.append((Vec.distance(x, q), Vec.dot(manifold.sheets[sheet].normal!, Vec.sub(x, q))))
        }
        let nearest = found.map(\.0).min() ?? .infinity
        for (d, signed) in found where d <= nearest * (1 + 1e-9) + 1e-12 && abs(signed) >= abs(best.signed) {
            best = (d, signed)
        }
        return (best.signed >= 0 ? 1 : -1, nearest)
    }
}

/// Which attractor lies on which side of a saddle's codimension-1 stable manifold, and how
/// well the sides agree with brute-force iteration on a grid.
public struct BasinReport: Sendable {
    public struct AttractorSide: Sendable {
        public var index: Int
        public var side: Int
        public var distance: Double
        /// Whether all points of the attractor are on the same side.
        public var consistent: Bool
    }

    /// Where the two branches of the unstable manifold go (side +1, side -1).
    public var plusDestination: Destination
    public var minusDestination: Destination
    public var attractors: [AttractorSide]
    public var grid: GridAgreement?
}

public struct GridAgreement: Sendable {
    public var resolution: [Int]
    public var points: Int
    /// Points farther than `band` from the manifold with a decided brute-force destination.
    public var compared: Int
    public var agreeing: Int
    public var band: Double
    public var undecided: Int
    public var insideBand: Int
    /// Brute-force destination counts.
    public var destinations: [Destination: Int]
    /// The brute-force destination of every grid point (first coordinate fastest).
    public var cells: [Destination] = []
    public var agreement: Double { compared > 0 ? Double(agreeing) / Double(compared) : 0 }
}

public enum Basins {
    /// Sides of the attractors, the branches' destinations and (with `gridResolution`) the
    /// agreement with brute force on a grid over the box (only for M <= 3; a grid in the
    /// first two coordinates through the saddle otherwise).
    public static func analyse(_ manifold: Manifold, form: ShallowForm, attractors: [Cycle], gridResolution: Int?,
                               band: Double? = nil) throws(ManifoldError) -> BasinReport {
        let sides = try BoundarySides(manifold)
        let box = manifold.bounds
        let classifier = OrbitClassifier(form: form, attractors: attractors, scale: box.diagonal)
        let p0 = manifold.saddle.points[0]
        let vu = Vec.normalized(manifold.local.unstableDirection ?? [])
        let eps = 1e-6 * (1 + box.diagonal)
        let plus = classifier.destination(of: Vec.axpy(p0, eps, vu))
        let minus = classifier.destination(of: Vec.axpy(p0, -eps, vu))
        var list: [BasinReport.AttractorSide] = []
        for (i, a) in attractors.enumerated() {
            let s = a.points.map { sides.side(of: $0) }
            list.append(.init(index: i, side: s[0].side, distance: s.map(\.distance).min()!, consistent: Set(s.map(\.side)).count == 1))
        }
        var agreement: GridAgreement?
        if let n = gridResolution {
            let m = form.dimension
            let axes = min(m, 2)
            let width = band ?? 0.01 * box.diagonal
            var counts: [Destination: Int] = [:]
            var compared = 0, agreeing = 0, undecided = 0, inside = 0, total = 0
            var index = [Int](repeating: 0, count: axes)
            var cells: [Destination] = []
            repeat {
                var x = p0
                for a in 0..<axes { x[a] = box.lower[a] + (Double(index[a]) + 0.5) / Double(n) * (box.upper[a] - box.lower[a]) }
                total += 1
                let truth = classifier.destination(of: x)
                counts[truth, default: 0] += 1
                cells.append(truth)
                let (side, distance) = sides.side(of: x)
                if truth == .undecided { undecided += 1 } else if distance <= width { inside += 1 } else {
                    compared += 1
                    if (side > 0 ? plus : minus) == truth { agreeing += 1 }
                }
                var a = 0
                while a < axes {
                    index[a] += 1
                    if index[a] < n { break }
                    index[a] = 0
                    a += 1
                }
                if a == axes { break }
            } while true
            agreement = GridAgreement(resolution: [Int](repeating: n, count: axes), points: total, compared: compared, agreeing: agreeing,
                                      band: width, undecided: undecided, insideBand: inside, destinations: counts, cells: cells)
        }
        return BasinReport(plusDestination: plus, minusDestination: minus, attractors: list, grid: agreement)
    }
}
