import LinearAlgebra
import RealModule

extension Model {
    /// An upper bound on the number of linear regions, as a Double (it can exceed any integer
    /// type): 2^M for a PLRNN, 2^P for an ALRNN, the number of cells of H hyperplanes in general
    /// position in R^M, sum_{i<=M} C(H, i), for a shPLRNN, and for a clipped shPLRNN (H pairs of
    /// parallel hyperplanes, otherwise in general position) sum_{i<=M} C(H, i) 2^i. The bound is
    /// the exact count when the hyperplanes are in general position.
    public var regionCountUpperBound: Double {
        switch kind {
        case .plrnn: return Double.pow(2, Double(dimension))
        case .alrnn: return Double.pow(2, Double(activeUnits!))
        case .shplrnn: return Self.cellBound(hyperplanes: hiddenUnits, dimension: dimension)
        case .clippedShplrnn:
            // Pairs of parallel hyperplanes never meet: choose i pairs, then one plane of each.
            var total = 0.0, binomial = 1.0
            for i in 0...min(dimension, hiddenUnits) {
                if i > 0 { binomial = binomial * Double(hiddenUnits - i + 1) / Double(i) }
                total += binomial * Double.pow(2, Double(i))
            }
            return total
        }
    }

    /// C(n, k) as a Double.
    static func binomial(_ n: Int, _ k: Int) -> Double {
        guard k >= 0 && k <= n else { return 0 }
        var result = 1.0
        for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
        return result
    }

    /// sum_{i=0}^{min(M,H)} C(H, i): the number of cells of H hyperplanes in general position in R^M.
    static func cellBound(hyperplanes h: Int, dimension m: Int) -> Double {
        var total = 0.0, binomial = 1.0
        for i in 0...min(m, h) {
            if i > 0 { binomial = binomial * Double(h - i + 1) / Double(i) }
            total += binomial
        }
        return total
    }
}

/// The signs of det J_d over a set of regions: a continuous piecewise-affine map whose region
/// determinants all have one sign is a homeomorphism (invertible); mixed signs mean the map
/// folds somewhere (F^-1 is multi-valued there).
public struct DeterminantSignReport: Sendable, Equatable {
    /// How many distinct regions were examined.
    public var regionsExamined: Int
    /// Whether those were all the regions of the model (exhaustive) or a sample.
    public var exhaustive: Bool
    public var positive: Int
    public var negative: Int
    /// Regions with det J exactly 0 (the map collapses a direction there).
    public var zero: Int
    /// The smallest |det J| seen.
    public var smallestMagnitude: Double

    /// One sign throughout the examined regions, none zero.
    public var hasOneSign: Bool { zero == 0 && (positive == 0 || negative == 0) }
}

extension ShallowForm {
    /// The signs of det J_d over the regions of the model: all of them when there are at most
    /// `exhaustiveLimit` codes that are all regions (PLRNN, ALRNN), `exhaustiveLimit` random codes
    /// when there are more, and for shallow models the cells found by a survey of `samples / 5`
    /// random lines (`surveyCells`), which is exhaustive when it reaches `expectedCellCount`.
    public func determinantSigns(exhaustiveLimit: Int = 4096, samples: Int = 20_000, radius: Double? = nil,
                                 expectedCellCount: Double? = nil, seed: UInt64 = 1) -> DeterminantSignReport {
        var regions = Set<RegionCode>()
        var exhaustive = false
        if allCodesAreRegions, hiddenCount < 63, (1 << hiddenCount) <= exhaustiveLimit {
            for index in 0..<(UInt64(1) << UInt64(hiddenCount)) { regions.insert(RegionCode(index: index, count: hiddenCount)) }
            exhaustive = true
        } else if allCodesAreRegions {
            var generator = SeededGenerator(seed: seed)
            for _ in 0..<exhaustiveLimit {
                var code = RegionCode(count: hiddenCount)
                for k in 0..<hiddenCount where generator.next() & 1 == 1 { code[k] = true }
                regions.insert(code)
            }
        } else {
            let survey = surveyCells(expectedCount: expectedCellCount ?? .infinity, lines: samples / 5, seed: seed, radius: radius)
            regions = Set(survey.cells)
            exhaustive = survey.isComplete
        }
        var report = DeterminantSignReport(regionsExamined: regions.count, exhaustive: exhaustive, positive: 0,
                                           negative: 0, zero: 0, smallestMagnitude: .infinity)
        for d in regions {
            let det = determinant(jacobian(d))
            if det > 0 { report.positive += 1 } else if det < 0 { report.negative += 1 } else { report.zero += 1 }
            report.smallestMagnitude = min(report.smallestMagnitude, abs(det))
        }
        return report
    }

    /// A box radius that reaches every hyperplane N_i z + b_i = 0: twice the largest distance
    /// |b_i| / ||N_i|| from the origin, plus 1.
    public var defaultSamplingRadius: Double {
        var largest = 0.0
        for i in 0..<hiddenCount {
            var norm2 = 0.0
            for j in 0..<dimension { norm2 += N[i * dimension + j] * N[i * dimension + j] }
            if norm2 > 0 { largest = max(largest, abs(b[i]) / norm2.squareRoot()) }
        }
        return 2 * largest + 1
    }
}
