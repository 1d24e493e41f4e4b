import LinearAlgebra
import RealModule

// The steppers of FTLE fields: forward tangent products with rescaling, backward walks along
// every preimage branch (FTLE.swift has the field and its options).

// MARK: - Products of region Jacobians
/// A product of M x M matrices kept as `scale` x `matrix` with scale = 2^exponent: rescaled by
/// powers of two (exact) whenever its largest entry leaves [2^-500, 2^500].
struct ScaledProduct {
    var matrix: [Double]
    var exponent = 0
    let m: Int

    init(identity m: Int) {
        self.m = m
        matrix = [Double](repeating: 0, count: m * m)
        for i in 0..<m { matrix[i * m + i] = 1 }
    }

    /// The largest absolute entry.
    var largest: Double { matrix.reduce(0) { max($0, abs($1)) } }

    mutating func renormalise() {
        let big = largest
        guard big > 0, big.isFinite, big > 0x1p500 || big < 0x1p-500 else { return }
        let e = big.exponent
        for i in matrix.indices { matrix[i] = Double(sign: .plus, exponent: -e, significand: 1) * matrix[i] }
        exponent += Int(e)
    }

    /// log of the largest singular value of the product (-infinity for a zero product).
    func logLargestSingularValue() -> Double {
        // Scaled to a largest entry in [1, 2) first, so that squares neither underflow nor overflow.
        let big = largest
        guard big > 0 else { return -.infinity }
        guard big.isFinite else { return .nan }
        let e = big.exponent
        let unit = Double(sign: .plus, exponent: -e, significand: 1)
        let matrix = self.matrix.map { $0 * unit }
        let s: Double
        switch m {
        case 1: s = abs(matrix[0])
        case 2:
            let (a, b, c, d) = (matrix[0], matrix[1], matrix[2], matrix[3])
            let f2 = a * a + b * b + c * c + d * d
            let det = abs(a * d - b * c)
            let disc = max((f2 - 2 * det) * (f2 + 2 * det), 0)
            s = ((f2 + disc.squareRoot()) / 2).squareRoot()
        case 3...8:
            s = largestEigenvalueOfGram(matrix, m).squareRoot()
        default:
            s = (try? singularValueDecomposition(Matrix(rows: m, columns: m, elements: matrix)).singularValues.first) ?? .nan
        }
        return Double.log(s) + Double(exponent + Int(e)) * Double.log(2)
    }

    /// log growth so far as log2 scale + log of the largest entry (for ranking branches).
    var logSize: Double { Double(exponent) * Double.log(2) + Double.log(largest) }
}

/// The largest eigenvalue of P^T P (P: m x m, row-major, largest entry near 1) by cyclic Jacobi
/// rotations: accurate to a few units of rounding relative to ||P||^2, without LAPACK's call
/// overhead (the FTLE of a small network needs one per grid point).
func largestEigenvalueOfGram(_ p: [Double], _ m: Int) -> Double {
    var g = [Double](repeating: 0, count: m * m)
    for r in 0..<m {
        for c in r..<m {
            var sum = 0.0
            for t in 0..<m { sum += p[t * m + r] * p[t * m + c] }
            g[r * m + c] = sum
            g[c * m + r] = sum
        }
    }
    var trace = 0.0
    for i in 0..<m { trace += g[i * m + i] }
    for _ in 0..<60 {
        var off = 0.0
        for r in 0..<m { for c in (r + 1)..<m { off += g[r * m + c] * g[r * m + c] } }
        if off <= 1e-34 * trace * trace { break }
        for i in 0..<(m - 1) {
            for j in (i + 1)..<m where g[i * m + j] != 0 {
                // The rotation that zeroes g[i][j] (Golub and Van Loan, symmetric Schur).
                let tau = (g[j * m + j] - g[i * m + i]) / (2 * g[i * m + j])
                let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                let c = 1 / (1 + t * t).squareRoot(), s = t * c
                for k in 0..<m {
                    let (a, b) = (g[k * m + i], g[k * m + j])
                    g[k * m + i] = c * a - s * b
                    g[k * m + j] = s * a + c * b
                }
                for k in 0..<m {
                    let (a, b) = (g[i * m + k], g[j * m + k])
                    g[i * m + k] = c * a - s * b
                    g[j * m + k] = s * a + c * b
                }
            }
        }
    }
    return (0..<m).map { g[$0 * m + $0] }.max()!
}

/// F and its region Jacobian along forward orbits: the model's arrays copied once into raw
/// memory, and no allocation per step. One per work item (not shared between threads).
final class TangentStepper {
    let m: Int, h: Int
    let selectorOffset: Int?
    /// A (M x M), W1 (M x H), N (H x M), b (H), h1 (M), one block.
    let parameters: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>, w1: UnsafeMutablePointer<Double>, n: UnsafeMutablePointer<Double>
    let b: UnsafeMutablePointer<Double>, h1: UnsafeMutablePointer<Double>

    init(form: ShallowForm) {
        m = form.dimension
        h = form.hiddenCount
        selectorOffset = form.selectorOffset
        let arrays = [form.A, form.W1, form.N, form.b, form.h1]
        parameters = UnsafeMutablePointer<Double>.allocate(capacity: max(1, arrays.reduce(0) { $0 + $1.count }))
        var offsets: [Int] = []
        var position = 0
        for array in arrays {
            offsets.append(position)
            for (i, x) in array.enumerated() { parameters[position + i] = x }
            position += array.count
        }
        (a, w1, n, b, h1) = (parameters + offsets[0], parameters + offsets[1], parameters + offsets[2], parameters + offsets[3],
                             parameters + offsets[4])
    }

    deinit { parameters.deallocate() }

    /// (1/T) log sigma_max of the Jacobian product along T steps from x, or nil when the orbit's
    /// norm exceeds `bound` (or stops being finite) before step T.
    func forwardExponent(from start: [Double], steps: Int, bound: Double) -> Double? {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 2 * m + h + 3 * m * m)
        defer { buffer.deallocate() }
        var z = buffer, next = buffer + m
        let u = buffer + 2 * m, jacobian = u + h
        var product = jacobian + m * m, scratch = product + m * m
        for i in 0..<m { z[i] = start[i] }
        for i in 0..<(m * m) { product[i] = 0 }
        for i in 0..<m { product[i * m + i] = 1 }
        var exponent = 0
        let bound2 = bound * bound
        for _ in 0..<steps {
            step(z, next: next, jacobian: jacobian, preActivation: u)
            if m == 2 {
                let (p0, p1, p2, p3) = (product[0], product[1], product[2], product[3])
                product[0] = jacobian[0] * p0 + jacobian[1] * p2
                product[1] = jacobian[0] * p1 + jacobian[1] * p3
                product[2] = jacobian[2] * p0 + jacobian[3] * p2
                product[3] = jacobian[2] * p1 + jacobian[3] * p3
            } else if m <= 8 {
                for r in 0..<m {
                    for c in 0..<m {
                        var sum = 0.0
                        for t in 0..<m { sum += jacobian[r * m + t] * product[t * m + c] }
                        scratch[r * m + c] = sum
                    }
                }
                swap(&product, &scratch)
            } else {
                SmallKernels.multiply(jacobian, product, into: scratch, m: m, k: m, n: m)
                swap(&product, &scratch)
            }
            var largest = 0.0
            for i in 0..<(m * m) { largest = max(largest, abs(product[i])) }
            if largest > 0x1p500 || (largest < 0x1p-500 && largest > 0) {
                let e = largest.exponent
                let unit = Double(sign: .plus, exponent: -e, significand: 1)
                for i in 0..<(m * m) { product[i] *= unit }
                exponent += Int(e)
            }
            swap(&z, &next)
            var n2 = 0.0
            for i in 0..<m { n2 += z[i] * z[i] }
            guard n2 <= bound2 else { return nil }
        }
        var result = ScaledProduct(identity: m)
        for i in 0..<(m * m) { result.matrix[i] = product[i] }
        result.exponent = exponent
        return result.logLargestSingularValue() / Double(steps)
    }

    /// next = F(z) and jacobian = J_d for the region d of z (a unit exactly at 0 is off).
    @inline(__always)
    func step(_ z: UnsafeMutablePointer<Double>, next: UnsafeMutablePointer<Double>, jacobian: UnsafeMutablePointer<Double>,
              preActivation u: UnsafeMutablePointer<Double>) {
        for i in 0..<m {
            var s = h1[i]
            for j in 0..<m { s += a[i * m + j] * z[j] }
            next[i] = s
        }
        for i in 0..<(m * m) { jacobian[i] = a[i] }
        if let offset = selectorOffset {
            for k in 0..<h {
                let uk = z[offset + k]
                guard uk > 0 else { continue }
                for r in 0..<m {
                    let wr = w1[r * h + k]
                    next[r] += wr * uk
                    jacobian[r * m + offset + k] += wr
                }
            }
            return
        }
        for k in 0..<h {
            var s = b[k]
            for j in 0..<m { s += n[k * m + j] * z[j] }
            u[k] = s
        }
        for k in 0..<h where u[k] > 0 {
            let uk = u[k]
            for r in 0..<m {
                let wr = w1[r * h + k]
                if wr == 0 { continue }
                next[r] += wr * uk
                for c in 0..<m { jacobian[r * m + c] += wr * n[k * m + c] }
            }
        }
    }
}

/// Backward orbits through every preimage branch (see `ftleField`). Holds a preimage solver
/// and LU factors per region: one per work item.
final class BackwardWalker {
    let form: ShallowForm
    let solver: PreimageSolver
    let maxBranches: Int
    var inverses: [RegionCode: LUFactorization?] = [:]

    init(form: ShallowForm, box: Box, maxBranches: Int) {
        self.form = form
        self.solver = PreimageSolver(form: form, box: box)
        self.maxBranches = maxBranches
    }

    func inverse(_ d: RegionCode) -> LUFactorization? {
        if let known = inverses[d] { return known }
        let lu = try? LUFactorization(form.jacobian(d))
        let usable = lu.flatMap { $0.reciprocalConditionEstimate > 1e-13 ? $0 : nil }
        inverses[d] = usable
        return usable
    }

    /// The largest (1/T) log sigma_max over branches reaching step T (nil if none does), whether
    /// branches were pruned, and the most branches alive at once.
    func exponent(from start: [Double], steps: Int) -> (value: Double?, pruned: Bool, most: Int) {
        let m = form.dimension
        var branches: [(x: [Double], product: ScaledProduct)] = [(start, ScaledProduct(identity: m))]
        var pruned = false, most = 1
        for _ in 0..<steps {
            var next: [(x: [Double], product: ScaledProduct)] = []
            for branch in branches {
                for (x, d) in solver.preimages(of: branch.x).points {
                    guard let lu = inverse(d) else { continue }
                    var product = branch.product
                    // J_d^-1 P, column by column.
                    let solved = lu.solve(Matrix(rows: m, columns: m, elements: product.matrix))
                    product.matrix = solved.elements
                    product.renormalise()
                    next.append((x, product))
                }
            }
            if next.isEmpty { return (nil, pruned, most) }
            most = max(most, next.count)
            if next.count > maxBranches {
                pruned = true
                let order = next.indices.sorted { i, j in
                    let (a, b) = (next[i].product.logSize, next[j].product.logSize)
                    return a != b ? a > b : i < j
                }
                next = order.prefix(maxBranches).map { next[$0] }
            }
            branches = next
        }
        let best = branches.map { $0.product.logLargestSingularValue() }.max()!
        return (best / Double(steps), pruned, most)
    }
}
