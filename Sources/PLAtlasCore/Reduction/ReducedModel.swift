import ComplexModule
import RealModule

/// Settings of a reduction (docs/reduce.md).
public struct ReductionOptions: Sendable {
    /// d, the dimension of the slow subspace.
    public var dimension = 1
    /// The box the SSM is computed in (d = 1: the curve's bounds).
    public var bounds: Box
    /// d = 1: the curve's step and vertex limits and convergence tolerance (its `bounds` are
    /// replaced by `bounds`).
    public var curve: CurveOptions
    /// Drift tolerance per step, in chart units (arc length); nil: `relativeDriftTolerance`
    /// times the extent of the reduced map's domain.
    public var driftTolerance: Double?
    public var relativeDriftTolerance = 1e-3
    /// A line attractor needs a spectral gap at least this large...
    public var minimumGap = 10.0
    /// ... and a slow interval (drift within the tolerance) covering at least this fraction of
    /// the reduced map's domain.
    public var minimumFraction = 0.25
    /// Reduce onto the unstable subspace of a saddle (unstable eigenvalues ordered first; see
    /// `SpectralSubspace.init(cycle:form:dimension:unstableFirst:)`): with d = 1, the saddle's
    /// 1D unstable manifold, the slow manifold of a decision network.
    public var unstableFirst = false

    public init(dimension: Int = 1, bounds: Box) {
        self.dimension = dimension
        self.bounds = bounds
        self.curve = CurveOptions(bounds: bounds)
    }
}

/// What the reduced dynamics are, in seed 000's vocabulary (docs/reduce.md).
public struct SlowManifoldClassification: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A 1D SSM with a large spectral gap on which the reduced map barely moves points
        /// over an interval.
        case lineAttractor = "line-attractor"
        /// A closed invariant curve of slow drift on a 2D SSM.
        case ringAttractor = "ring-attractor"
        case none
    }

    public var kind: Kind
    /// Line attractor: the longest interval of the chart (arc length) on which the drift stays
    /// within the tolerance (reported whatever the kind, when there is a 1D map).
    public var interval: ClosedRange<Double>?
    /// The drift tolerance used (per step, chart units).
    public var driftTolerance: Double
    /// One line saying why.
    public var reason: String
}

/// The reduced model of a fixed point or cycle on its slow spectral submanifold.
public struct ReducedModel: Sendable {
    public var subspace: SpectralSubspace
    /// d = 1 at a fixed point with a real slow eigenvalue: the SSM as an exact curve.
    public var curve: InvariantCurve?
    /// The reduced map on the curve, in arc length (nil without a curve: then the reduced model
    /// is `subspace.reducedMatrix` on the local piece).
    public var map: PiecewiseLinearMap?
    /// Fixed points of the reduced map (without a curve: the chart's origin, with the
    /// stability of the slow eigenvalues).
    public var fixedPoints: [ReducedFixedPoint]
    /// {s : |f(s) - s| <= tolerance} (empty without a curve).
    public var slowSet: [ClosedRange<Double>]
    /// d = 2 with the model's other fixed points given: the closed chain of saddle connections
    /// found among them (`RingAttractor.find`), if any.
    public var ring: RingAttractorReport?
    public var classification: SlowManifoldClassification

    public var spectralGap: Double { subspace.spectralGap }
    /// The d slow time scales, then the M - d fast ones (steps of F).
    public var timeScales: [Double] { subspace.timeScales }
}

public enum Reduction {
    /// The reduced model of `cycle` on its d-dimensional slow SSM (docs/reduce.md): the
    /// spectral subspace; for d = 1 at a fixed point with a real slow eigenvalue the exact
    /// invariant curve and its piecewise-linear reduced map, with fixed points, drift and the
    /// line-attractor classification; otherwise the linear reduced map on the local piece, and
    /// for d = 2 the ring-attractor classification of the closed chain of saddle connections
    /// among `fixedPoints` (the model's fixed points, `cycle` among them or not), if any.
    public static func reduce(form: ShallowForm, cycle: Cycle, options: ReductionOptions,
                              fixedPoints: [Cycle] = []) throws(ReductionError) -> ReducedModel {
        let subspace = try SpectralSubspace(cycle: cycle, form: form, dimension: options.dimension, unstableFirst: options.unstableFirst)
        let slow = subspace.slowEigenvalues
        guard options.dimension == 1, cycle.order == 1, slow[0].imaginary == 0, slow[0].real != 0, abs(slow[0].real) != 1 else {
            let origin = ReducedFixedPoint(s: 0, leftSlope: nil, rightSlope: nil)
            var fixed = origin
            let moduli = slow.map(\.length)
            fixed.stability = moduli.allSatisfy { $0 < 1 } ? .stable : (moduli.allSatisfy { $0 > 1 } ? .unstable : .marginal)
            var why = options.dimension == 1 ? "no 1D curve (a cycle, or a slow eigenvalue that is not real with 0 < |lambda| != 1): only the local reduced model"
                : "d = \(options.dimension): the local reduced model only"
            var classification = SlowManifoldClassification(kind: .none, interval: nil, driftTolerance: options.driftTolerance ?? 0, reason: why)
            var ring: RingAttractorReport?
            if options.dimension == 2 && !fixedPoints.isEmpty {
                ring = RingAttractor.find(form: form, fixedPoints: fixedPoints, options: options)
                why = "d = 2: no closed chain of saddle connections among the \(fixedPoints.count) fixed points given"
                classification = ring?.classification ?? .init(kind: .none, interval: nil, driftTolerance: options.driftTolerance ?? 0, reason: why)
            }
            return ReducedModel(subspace: subspace, curve: nil, map: nil, fixedPoints: [fixed], slowSet: [], ring: ring,
                                classification: classification)
        }
        var curveOptions = options.curve
        curveOptions.bounds = options.bounds
        let curve = try InvariantCurve(subspace: subspace, form: form, options: curveOptions)
        let map = curve.reducedMap
        let tolerance = options.driftTolerance ?? options.relativeDriftTolerance * (map.domain.upperBound - map.domain.lowerBound)
        let slowSet = map.slowSet(tolerance: tolerance)
        let classification = classifyLine(subspace: subspace, map: map, slowSet: slowSet, tolerance: tolerance, options: options)
        return ReducedModel(subspace: subspace, curve: curve, map: map, fixedPoints: map.fixedPoints, slowSet: slowSet, ring: nil,
                            classification: classification)
    }

    /// Line attractor: an attracting 1D SSM (fast eigenvalues inside the unit circle) with
    /// spectral gap >= `minimumGap` whose longest slow interval covers at least `minimumFraction`
    /// of the reduced map's domain.
    static func classifyLine(subspace: SpectralSubspace, map: PiecewiseLinearMap, slowSet: [ClosedRange<Double>],
                             tolerance: Double, options: ReductionOptions) -> SlowManifoldClassification {
        let longest = slowSet.max { ($0.upperBound - $0.lowerBound) < ($1.upperBound - $1.lowerBound) }
        let width = map.domain.upperBound - map.domain.lowerBound
        let fraction = width > 0 ? (longest.map { $0.upperBound - $0.lowerBound } ?? 0) / width : 0
        let gap = subspace.spectralGap
        func none(_ reason: String) -> SlowManifoldClassification {
            .init(kind: .none, interval: longest, driftTolerance: tolerance, reason: reason)
        }
        guard subspace.isAttracting else { return none("the fast directions do not all attract (a fast eigenvalue has |lambda| >= 1)") }
        guard gap >= options.minimumGap else {
            return none("spectral gap \(formatShort(gap)) is below \(formatShort(options.minimumGap))")
        }
        guard fraction >= options.minimumFraction else {
            return none("the drift stays within \(formatShort(tolerance)) on \(formatShort(100 * fraction))% of the curve at most (a line attractor needs \(formatShort(100 * options.minimumFraction))%)")
        }
        return .init(kind: .lineAttractor, interval: longest, driftTolerance: tolerance,
                     reason: "spectral gap \(formatShort(gap)); drift within \(formatShort(tolerance)) on \(formatShort(100 * fraction))% of the curve")
    }
}

/// A number with four significant digits for one-line reasons (no exponent between 1e-4 and
/// 1e6; the core does not use Foundation's formatting).
func formatShort(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    if x == 0 { return "0" }
    let magnitude = abs(x)
    guard magnitude >= 1e-4 && magnitude < 1e6 else { return x.description }
    let exponent = Int(Double.log10(magnitude).rounded(.down))
    let decimals = max(0, 3 - exponent)
    let scale = Double.pow(10, Double(decimals))
    let scaled = Int((magnitude * scale).rounded())
    var digits = String(scaled)
    if decimals > 0 {
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        while digits.hasSuffix("0") { digits.removeLast() }
        if digits.hasSuffix(".") { digits.removeLast() }
    }
    return (x < 0 ? "-" : "") + digits
}
