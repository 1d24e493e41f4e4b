import ComplexModule
import RealModule
@testable import LinearAlgebra

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator so every test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [-1, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-52 - 1 }
    mutating func vector(_ n: Int) -> [Double] { (0..<n).map { _ in uniform() } }
    mutating func matrix(_ rows: Int, _ columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: vector(rows * columns))
    }
}

func maxAbs(_ x: [Double]) -> Double { x.reduce(0) { max($0, abs($1)) } }

/// max |x - y| / max |y| (or the absolute difference when y is zero).
func relativeError(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count)
    let difference = maxAbs(zip(x, y).map { $0 - $1 })
    let scale = maxAbs(y)
    return scale == 0 ? difference : difference / scale
}

func relativeError(_ x: Matrix, _ y: Matrix) -> Double {
    precondition(x.rows == y.rows && x.columns == y.columns)
    return relativeError(x.elements, y.elements)
}

func relativeError(_ x: Double, _ y: Double) -> Double {
    y == 0 ? abs(x) : abs(x - y) / abs(y)
}

/// The textbook triple loop, as an independent reference for products.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    var c = Matrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var s = 0.0
            for p in 0..<a.columns { s += a[i, p] * b[p, j] }
            c[i, j] = s
        }
    }
    return c
}

/// Maximum distance of each expected value to the nearest actual value, after checking counts.
func setDistance(_ actual: [Complex<Double>], _ expected: [Complex<Double>]) -> Double {
    precondition(actual.count == expected.count)
    return expected.map { e in actual.map { ($0 - e).length }.min()! }.max() ?? 0
}

/// Companion matrix (ones on the subdiagonal, negated coefficients in the last column) of the
/// monic polynomial x^n + c[n-1] x^(n-1) + ... + c[0]; its eigenvalues are the roots.
func companion(_ c: [Double]) -> Matrix {
    let n = c.count
    var m = Matrix(rows: n, columns: n)
    for i in 1..<n { m[i, i - 1] = 1 }
    for i in 0..<n { m[i, n - 1] = -c[i] }
    return m
}

/// Coefficients c[0..<n] of the monic polynomial with the given real roots.
func monicCoefficients(roots: [Double]) -> [Double] {
    var p: [Double] = [1] // highest degree last
    for r in roots {
        var q = [Double](repeating: 0, count: p.count + 1)
        for (i, a) in p.enumerated() {
            q[i + 1] += a
            q[i] -= r * a
        }
        p = q
    }
    return Array(p.dropLast())
}
