import Testing
@testable import LinearAlgebra

/// The loops against `cblas_dgemm` / `cblas_dgemv` for every square order 1...60 and some
/// rectangular shapes.
@Test func multiplyAgreesWithBLAS() {
    var rng = SplitMix64(seed: 2024)
    var shapes = (1...60).map { ($0, $0, $0) }
    shapes += [(1, 60, 1), (60, 1, 60), (7, 3, 11), (33, 17, 5), (5, 40, 9), (2, 2, 59)]
    for (m, k, n) in shapes {
        let a = rng.vector(m * k), b = rng.vector(k * n)
        var loops = [Double](repeating: .nan, count: m * n)
        var blas = [Double](repeating: .nan, count: m * n)
        var dispatched = [Double](repeating: .nan, count: m * n)
        SmallKernels.multiplyLoops(a, b, into: &loops, m: m, k: k, n: n)
        blasMultiply(m: m, n: n, k: k, a, lda: k, b, ldb: n, &blas, ldc: n)
        SmallKernels.multiply(a, b, into: &dispatched, m: m, k: k, n: n)
        #expect(relativeError(loops, blas) < 1e-12, "multiply \(m)x\(k)x\(n)")
        #expect(relativeError(dispatched, blas) < 1e-12, "multiply \(m)x\(k)x\(n)")

        let x = rng.vector(k)
        var y = [Double](repeating: .nan, count: m)
        var yBLAS = [Double](repeating: .nan, count: m)
        SmallKernels.multiplyVector(a, x, into: &y, m: m, n: k)
        blasMultiplyVector(m: m, n: k, a, lda: k, x, &yBLAS)
        #expect(relativeError(y, yBLAS) < 1e-12, "multiplyVector \(m)x\(k)")
    }
}

/// `luFactor` chooses the same pivots as `dgetrf`, its factors agree, and so do solutions and
/// determinants, for every order 1...60.
@Test func luAgreesWithLAPACK() {
    var rng = SplitMix64(seed: 4048)
    for n in 1...60 {
        let a = rng.vector(n * n), b = rng.vector(n)
        var lu = a
        var pivots = [Int](repeating: -1, count: n)
        #expect(SmallKernels.luFactor(&lu, n: n, pivots: &pivots))
        var x = b
        SmallKernels.luSolve(lu, n: n, pivots: pivots, &x)

        var luLAPACK = a
        var pivotsLAPACK = [Int32](repeating: 0, count: n)
        #expect(lapackLUFactor(m: n, n: n, &luLAPACK, lda: n, &pivotsLAPACK) == 0)
        var xLAPACK = b
        #expect(lapackLUSolve(n: n, nrhs: 1, luLAPACK, lda: n, pivotsLAPACK, &xLAPACK, ldb: 1) == 0)

        #expect(pivots == pivotsLAPACK.map { Int($0) - 1 }, "pivots, order \(n)")
        #expect(relativeError(lu, luLAPACK) < 1e-12, "factors, order \(n)")
        #expect(relativeError(x, xLAPACK) < 1e-12, "solution, order \(n)")

        var detLAPACK = 1.0
        for j in 0..<n { detLAPACK *= pivotsLAPACK[j] == Int32(j + 1) ? luLAPACK[j * n + j] : -luLAPACK[j * n + j] }
        var scratch = [Double](repeating: 0, count: n * n)
        let det = SmallKernels.determinant(a, n: n, scratch: &scratch, pivots: &pivots)
        #expect(relativeError(det, detLAPACK) < 1e-12, "determinant, order \(n)")

        // The dispatching solver (closed forms for n <= 2).
        var aCopy = a, xSolve = b
        #expect(SmallKernels.solve(&aCopy, n: n, pivots: &pivots, &xSolve))
        #expect(relativeError(xSolve, xLAPACK) < 1e-12, "solve, order \(n)")
    }
}

@Test func closedFormsForOrderTwo() {
    // Kahan's example: ad - bc = (1 + e)(1 - e) - 1 = -e² with e = 2^-30; the naive formula
    // rounds (1 + e)(1 - e) to 1 and returns 0.
    let e = 0x1p-30
    let a = [1 + e, 1, 1, 1 - e]
    #expect(SmallKernels.determinant2(a) == -0x1p-60)
    var scratch = [Double](repeating: 0, count: 4)
    var pivots = [0, 0]
    #expect(SmallKernels.determinant(a, n: 2, scratch: &scratch, pivots: &pivots) == -0x1p-60)

    var b = [3.0, 5]
    #expect(SmallKernels.solve2([2, 1, 1, 3], &b))
    #expect(relativeError(b, [0.8, 1.4]) < 1e-15)
    var unchanged = [1.0, 1]
    #expect(!SmallKernels.solve2([1, 2, 2, 4], &unchanged))
    #expect(unchanged == [1, 1])

    var one = [4.0]
    var x = [2.0]
    #expect(SmallKernels.solve(&one, n: 1, pivots: &pivots, &x) && x == [0.5])
    var zero = [0.0]
    #expect(!SmallKernels.solve(&zero, n: 1, pivots: &pivots, &x))
}

@Test func luFactorReportsZeroPivot() {
    // Singular: column 1 is twice column 0.
    var a: [Double] = [1, 2, 0, 2, 4, 1, 3, 6, 5]
    var pivots = [0, 0, 0]
    #expect(!SmallKernels.luFactor(&a, n: 3, pivots: &pivots))
    var scratch = [Double](repeating: 0, count: 9)
    #expect(SmallKernels.determinant([1, 2, 0, 2, 4, 1, 3, 6, 5], n: 3, scratch: &scratch, pivots: &pivots) == 0)
}
