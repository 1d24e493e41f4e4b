import ComplexModule
import LinearAlgebra
import RealModule

/// How a cycle attracts or repels, from the eigenvalues of its Jacobian product.
public enum Stability: String, Sendable, Codable, CaseIterable {
    /// Every |lambda| < 1.
    case stable
    /// Some |lambda| > 1 and some < 1.
    case saddle
    /// Every |lambda| > 1.
    case unstable
    /// Some |lambda| within the marginal tolerance of 1.
    case marginal
}

/// A fixed point (order 1) or a cycle of minimal period `order` of a piecewise-affine map.
///
/// Its points start at the canonical rotation (the rotation whose region sequence is smallest
/// by `RegionCode` order), so one cycle always prints the same way, whichever point the search
/// met first.
public struct Cycle: Sendable, Equatable {
    public var order: Int { points.count }
    /// z_0, ..., z_{k-1} with F(z_i) = z_{i+1} and F(z_{k-1}) = z_0.
    public var points: [[Double]]
    /// The region of each point.
    public var regions: [RegionCode]
    /// Eigenvalues of P = J_{d_{k-1}} ... J_{d_0} (the Jacobian of F^k at z_0), by decreasing
    /// modulus.
    public var eigenvalues: [Complex<Double>]
    /// The number of eigenvalues with |lambda| > 1 (strictly).
    public var unstableDimension: Int
    /// Whether some |lambda| lies within the marginal tolerance of 1.
    public var isMarginal: Bool
    public var stability: Stability
    /// max_i ||F(z_i) - z_{i+1}|| / (1 + ||z_{i+1}||): how exactly the points close up.
    public var residual: Double

    public init(points: [[Double]], regions: [RegionCode], eigenvalues: [Complex<Double>], residual: Double,
                marginalTolerance: Double) {
        self.points = points
        self.regions = regions
        let sorted = eigenvalues.sorted { $0.length > $1.length }
        self.eigenvalues = sorted
        self.residual = residual
        self.unstableDimension = sorted.filter { $0.length > 1 }.count
        self.isMarginal = sorted.contains { abs($0.length - 1) <= marginalTolerance }
        let stableCount = sorted.filter { $0.length < 1 }.count
        if isMarginal {
            stability = .marginal
        } else if unstableDimension == 0 {
            stability = .stable
        } else if stableCount == 0 {
            stability = .unstable
        } else {
            stability = .saddle
        }
    }

    /// Whether two cycles are the same set of points (any rotation), each point within
    /// `tolerance * (1 + ||z||)`.
    public func isSameCycle(as other: Cycle, tolerance: Double = 1e-7) -> Bool {
        guard order == other.order, let first = points.first else { return false }
        for shift in 0..<order where Self.close(first, other.points[shift], tolerance) {
            if (0..<order).allSatisfy({ Self.close(points[$0], other.points[($0 + shift) % order], tolerance) }) {
                return true
            }
        }
        return false
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        var d2 = 0.0, n2 = 0.0
        for i in a.indices {
            d2 += (a[i] - b[i]) * (a[i] - b[i])
            n2 += a[i] * a[i]
        }
        return d2.squareRoot() <= tolerance * (1 + n2.squareRoot())
    }
}
