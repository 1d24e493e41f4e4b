import RealModule

/// Where an orbit ends: an attractor (index into the list given), divergence, or undecided.
public enum Destination: Hashable, Sendable, CustomStringConvertible {
    case attractor(Int)
    case divergence
    case undecided

    /// An attractor's index, -1 for divergence, -2 for undecided.
    public var code: Int {
        switch self {
        case .attractor(let i): i
        case .divergence: -1
        case .undecided: -2
        }
    }

    public init(code: Int) {
        self = code >= 0 ? .attractor(code) : (code == -1 ? .divergence : .undecided)
    }

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
    /// Points farther than `band` from the manifold with a decided brute-force destination
    /// (0 when there is no attractor: nothing is compared then).
    public var compared: Int
    public var agreeing: Int
    public var band: Double
    public var undecided: Int
    public var insideBand: Int
    /// Whether there was an attractor to compare with. Without one the grid is still
    /// classified (divergence or undecided) but no side is compared.
    public var hasAttractors: Bool
    /// Brute-force destination counts.
    public var destinations: [Destination: Int]
    /// The brute-force destination code (`Destination.code`) of every grid point, first
    /// coordinate fastest; only when asked for (figures), else empty.
    public var cellCodes: [Int32] = []
    /// Seconds spent classifying the grid (brute force and sides, on this rank's share and the
    /// exchange).
    public var seconds = 0.0

    /// The fraction of compared points whose side predicts their destination; nil when
    /// nothing was compared (no attractor, or every point undecided or inside the band).
    public var agreement: Double? { compared > 0 ? Double(agreeing) / Double(compared) : nil }

    public func cell(_ i: Int) -> Destination { Destination(code: Int(cellCodes[i])) }
}

/// The grid of `Basins.analyse`.
public struct BasinGridOptions: Sendable {
    /// N: N points per axis (N x N over the first two coordinates).
    public var resolution: Int
    /// Grid points closer than this to the manifold are not compared (nil: 1% of the box diagonal).
    public var band: Double?
    /// Keep the destination of every point (`GridAgreement.cellCodes`, 4 bytes per point).
    public var keepCells = false
    /// Points classified per exchange: the results held at once, whatever N.
    public var blockSize = 1 << 16

    public init(resolution: Int, band: Double? = nil, keepCells: Bool = false) {
        self.resolution = resolution
        self.band = band
        self.keepCells = keepCells
    }
}

public enum Basins {
    /// Sides of the attractors, the branches' destinations and (with `gridResolution`) the
    /// agreement with brute force on a grid over the box (only for M <= 3; a grid in the
    /// first two coordinates through the saddle otherwise). Serial; the grid keeps its cells.
    public static func analyse(_ manifold: Manifold, form: ShallowForm, attractors: [Cycle], gridResolution: Int?,
                               band: Double? = nil) throws -> BasinReport {
        try analyse(manifold, sides: try BoundarySides(manifold), form: form, attractors: attractors,
                    grid: gridResolution.map { BasinGridOptions(resolution: $0, band: band, keepCells: true) }, sharing: SerialCollective())
    }

    /// The same with the sides of the whole manifold given (`manifold` may be one rank's part:
    /// only its saddle, local piece and bounds are read) and the grid points shared out by
    /// `sharing`, in blocks of `blockSize` points: each rank classifies its share of a block,
    /// the results are combined in grid order, and only the counts (and, if asked for, one
    /// code per point) are kept. Every rank returns the same report.
    public static func analyse(_ manifold: Manifold, sides: BoundarySides, form: ShallowForm, attractors: [Cycle],
                               grid: BasinGridOptions?, sharing: some Collective) throws -> BasinReport {
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
        guard let grid else { return BasinReport(plusDestination: plus, minusDestination: minus, attractors: list, grid: nil) }
        let started = ContinuousClock.now
        let n = grid.resolution, axes = min(form.dimension, 2)
        let width = grid.band ?? 0.01 * box.diagonal
        let total = axes == 1 ? n : n * n
        // Per point: [destination code, outcome]: 0 not compared (undecided or no attractor),
        // 1 inside the band, 2 the side agrees, 3 it does not.
        func classify(_ index: Int) -> [Double] {
            var x = p0
            var rest = index
            for a in 0..<axes {
                x[a] = box.lower[a] + (Double(rest % n) + 0.5) / Double(n) * (box.upper[a] - box.lower[a])
                rest /= n
            }
            let truth = classifier.destination(of: x)
            guard !attractors.isEmpty, truth != .undecided else { return [Double(truth.code), 0] }
            let (side, distance) = sides.side(of: x)
            if distance <= width { return [Double(truth.code), 1] }
            return [Double(truth.code), (side > 0 ? plus : minus) == truth ? 2 : 3]
        }
        var report = GridAgreement(resolution: [Int](repeating: n, count: axes), points: total, compared: 0, agreeing: 0, band: width,
                                   undecided: 0, insideBand: 0, hasAttractors: !attractors.isEmpty, destinations: [:])
        if grid.keepCells { report.cellCodes.reserveCapacity(total) }
        for first in stride(from: 0, to: total, by: max(grid.blockSize, 1)) {
            let results = try sharing.map(count: min(grid.blockSize, total - first)) { classify(first + $0) }
            for r in results {
                let truth = Destination(code: Int(r[0]))
                report.destinations[truth, default: 0] += 1
                if truth == .undecided { report.undecided += 1 }
                switch r[1] {
                case 1: report.insideBand += 1
                case 2: report.compared += 1; report.agreeing += 1
                case 3: report.compared += 1
                default: break
                }
                if grid.keepCells { report.cellCodes.append(Int32(r[0])) }
            }
        }
        report.seconds = CycleSearch.seconds(since: started)
        return BasinReport(plusDestination: plus, minusDestination: minus, attractors: list, grid: report)
    }
}
