/// The fitted map's topology against the true system's (docs/fitting.md, "Long-horizon
/// check"): the fixed points inside the region of interest (position and unstable dimension),
/// the spurious fixed points inside it, and the attractor classes.
public struct TopologyComparison: Sendable {
    /// A true equilibrium inside the region and the fitted fixed point matched to it.
    public struct Match: Sendable, Equatable {
        /// Index into `LongHorizonReport.trueEquilibria`.
        public var trueIndex: Int
        /// Index into `LongHorizonReport.fixedPoints` (nil: none within the tolerance).
        public var fittedIndex: Int?
        /// Distance to the matched fixed point, or to the nearest fixed point inside the region
        /// when none matched (nil: the fit has none there).
        public var distance: Double?
        public var trueUnstableDimension: Int
        public var fittedUnstableDimension: Int?

        public var agrees: Bool { fittedIndex != nil && fittedUnstableDimension == trueUnstableDimension }
    }

    public var region: (lower: [Double], upper: [Double])
    /// A fitted fixed point matches a true equilibrium within this distance
    /// (`positionTolerance` times the region's diagonal).
    public var tolerance: Double
    /// One per true equilibrium inside the region, in the order of the true equilibria.
    public var matches: [Match]
    /// Fitted fixed points inside the region that match no true equilibrium.
    public var spurious: [Int]
    /// Fitted fixed points outside the region: reported, not counted.
    public var outside: [Int]
    /// Whether the attractor classes agree (`LongHorizonReport.reproducesAttractors`).
    public var attractorsAgree: Bool
    /// Every difference; empty when the topology agrees.
    public var differences: [TopologyDifference]

    public var agrees: Bool { differences.isEmpty }

    /// The largest distance of a matched fixed point from its true equilibrium (nil when
    /// nothing matched).
    public var largestMatchedDistance: Double? {
        matches.compactMap { $0.fittedIndex != nil ? $0.distance : nil }.max()
    }

    /// Compares `report` (with its true equilibria and attractors) inside `region`. Matching is
    /// greedy by increasing distance: the closest (true, fitted) pair within the tolerance
    /// first, each point used once.
    public init(report: LongHorizonReport, region: (lower: [Double], upper: [Double]), positionTolerance: Double) {
        self.region = region
        tolerance = positionTolerance * KnownSystem.diagonal(region)
        let fitted = report.fixedPoints.map { $0.points[0] }
        let inside = fitted.indices.filter { KnownSystem.contains(region, fitted[$0]) }
        outside = fitted.indices.filter { !KnownSystem.contains(region, fitted[$0]) }
        let truth = report.trueEquilibria.indices.filter { KnownSystem.contains(region, report.trueEquilibria[$0].point) }
        var pairs: [(t: Int, f: Int, d: Double)] = []
        for t in truth {
            for f in inside {
                let d = LongHorizonCheck.distance(report.trueEquilibria[t].point, fitted[f])
                if d <= tolerance { pairs.append((t, f, d)) }
            }
        }
        pairs.sort { ($0.d, $0.t, $0.f) < ($1.d, $1.t, $1.f) }
        var matchedTrue: [Int: (Int, Double)] = [:]
        var usedFitted = Set<Int>()
        for pair in pairs where matchedTrue[pair.t] == nil && !usedFitted.contains(pair.f) {
            matchedTrue[pair.t] = (pair.f, pair.d)
            usedFitted.insert(pair.f)
        }
        matches = truth.map { t in
            let equilibrium = report.trueEquilibria[t]
            if let (f, d) = matchedTrue[t] {
                return Match(trueIndex: t, fittedIndex: f, distance: d, trueUnstableDimension: equilibrium.unstableDimension,
                             fittedUnstableDimension: report.fixedPoints[f].unstableDimension)
            }
            let nearest = inside.map { LongHorizonCheck.distance(equilibrium.point, fitted[$0]) }.min()
            return Match(trueIndex: t, fittedIndex: nil, distance: nearest, trueUnstableDimension: equilibrium.unstableDimension,
                         fittedUnstableDimension: nil)
        }
        spurious = inside.filter { !usedFitted.contains($0) }
        attractorsAgree = report.reproducesAttractors ?? true

        var differences: [TopologyDifference] = []
        for match in matches {
            let truePoint = report.trueEquilibria[match.trueIndex].point
            if let f = match.fittedIndex, let k = match.fittedUnstableDimension, k != match.trueUnstableDimension {
                differences.append(.stability(fitted: fitted[f], unstable: k, truth: truePoint, trueUnstable: match.trueUnstableDimension))
            } else if match.fittedIndex == nil {
                differences.append(.missing(truth: truePoint, trueUnstable: match.trueUnstableDimension, nearest: match.distance))
            }
        }
        for f in spurious {
            differences.append(.spurious(fitted: fitted[f], unstable: report.fixedPoints[f].unstableDimension))
        }
        if !attractorsAgree, let truth = report.trueAttractors {
            func classes(_ list: [AttractorSummary]) -> [AttractorKind: Int] {
                var out: [AttractorKind: Int] = [:]
                for a in list { out[a.kind, default: 0] += 1 }
                return out
            }
            differences.append(.attractors(fitted: classes(report.attractors), truth: classes(truth)))
        }
        self.differences = differences
    }
}

/// One way a fitted map's topology differs from the true system's.
public enum TopologyDifference: Sendable, Equatable {
    /// A fixed point matched to a true equilibrium has another unstable dimension.
    case stability(fitted: [Double], unstable: Int, truth: [Double], trueUnstable: Int)
    /// No fixed point within the tolerance of a true equilibrium (`nearest`: the distance of
    /// the closest one inside the region).
    case missing(truth: [Double], trueUnstable: Int, nearest: Double?)
    /// A fixed point inside the region that matches no true equilibrium.
    case spurious(fitted: [Double], unstable: Int)
    /// The attractor classes (kind: how many attractors of that kind) differ.
    case attractors(fitted: [AttractorKind: Int], truth: [AttractorKind: Int])

    /// A phrase for the one-line report, numbers written by `number`.
    public func describe(_ number: (Double) -> String) -> String {
        func point(_ z: [Double]) -> String { "(" + z.map(number).joined(separator: ", ") + ")" }
        func directions(_ k: Int) -> String { k == 1 ? "1 unstable direction" : "\(k) unstable directions" }
        func classes(_ c: [AttractorKind: Int]) -> String {
            let parts = AttractorKind.allCases.compactMap { kind -> String? in
                guard let n = c[kind] else { return nil }
                switch kind {
                case .fixedPoint: return n == 1 ? "1 fixed point" : "\(n) fixed points"
                case .cycle: return n == 1 ? "1 limit cycle" : "\(n) limit cycles"
                case .chaotic: return n == 1 ? "1 chaotic attractor" : "\(n) chaotic attractors"
                case .unbounded: return "orbits that escape"
                }
            }
            return parts.isEmpty ? "none" : parts.joined(separator: " + ")
        }
        switch self {
        case let .stability(fitted, unstable, truth, trueUnstable):
            return "the fixed point at \(point(fitted)) has \(directions(unstable)), the true one at \(point(truth)) \(trueUnstable)"
        case let .missing(truth, trueUnstable, nearest):
            return "no fixed point near the true one at \(point(truth)) (\(directions(trueUnstable)); "
                + (nearest.map { "the nearest is \(number($0)) away)" } ?? "none in the region)")
        case let .spurious(fitted, unstable):
            return "spurious fixed point at \(point(fitted)) (\(directions(unstable)))"
        case let .attractors(fitted, truth):
            return "attractors: \(classes(fitted)), true system: \(classes(truth))"
        }
    }
}
