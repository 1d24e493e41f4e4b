import Testing
@testable import LinearAlgebra

/// Normwise backward error ‖a x - b‖∞ / (‖a‖∞ ‖x‖∞ + ‖b‖∞): O(n eps) for a stable solver.
func backwardError(_ a: Matrix, _ x: [Double], _ b: [Double]) -> Double {
    let r = zip(a * x, b).map { $0 - $1 }
    let normA = (0..<a.rows).map { i in a.row(i).reduce(0) { $0 + abs($1) } }.max() ?? 0
    return maxAbs(r) / (normA * maxAbs(x) + maxAbs(b))
}

/// Orders on both sides of the kernel/dgetrf crossover (72).
@Test(arguments: [1, 2, 3, 4, 7, 16, 33, 60, 72, 73, 100])
func solveHasSmallResidual(n: Int) throws {
    var rng = SplitMix64(seed: UInt64(100 + n))
    let a = rng.matrix(n, n), b = rng.vector(n)
    let x = try solve(a, b)
    #expect(backwardError(a, x, b) < 1e-15 * Double(n))

    let lu = try LUFactorization(a)
    #expect(lu.solve(b) == x)
    let bs = rng.matrix(n, 3)
    let xs = lu.solve(bs)
    for k in 0..<3 {
        #expect(backwardError(a, xs.column(k), bs.column(k)) < 1e-15 * Double(n))
    }
    #expect(try solve(a, bs) == xs)

    let inv = try inverse(a)
    #expect(relativeError(a * inv, Matrix.identity(n)) < 1e-12 / max(lu.reciprocalConditionEstimate, 1e-3))
}

@Test func solvesKnownSystem() throws {
    // 2x + y = 3, x + 3y = 5  ->  x = 0.8, y = 1.4
    let x = try solve(Matrix([[2, 1], [1, 3]]), [3, 5])
    #expect(relativeError(x, [0.8, 1.4]) < 1e-15)
    // Needs a row interchange: the leading entry is zero.
    let y = try solve(Matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]]), [1, 2, 3])
    #expect(y == [3, 1, 2])
}

/// det V = ∏_{i<j} (x_j - x_i) for the Vandermonde matrix V[i][j] = x_i^j.
@Test(arguments: 1...9)
func vandermondeDeterminant(n: Int) throws {
    let x = (0..<n).map { Double($0) * 0.5 - 1.25 }
    let v = Matrix((0..<n).map { i in (0..<n).map { j in (0..<j).reduce(1.0) { p, _ in p * x[i] } } })
    var expected = 1.0
    for i in 0..<n { for j in (i + 1)..<n { expected *= x[j] - x[i] } }
    #expect(relativeError(determinant(v), expected) < 1e-12)
    #expect(relativeError(try LUFactorization(v).determinant, expected) < 1e-12)
}

@Test func determinantsOfKnownMatrices() throws {
    #expect(determinant(Matrix([])) == 1)
    #expect(determinant(Matrix([[-4]])) == -4)
    #expect(determinant(Matrix([[1, 2], [3, 4]])) == -2)
    #expect(determinant(Matrix([[2, 0, 0], [1, 3, 0], [7, 8, 0.5]])) == 3)
    // A permutation matrix: a 3-cycle (even) and a transposition (odd).
    #expect(determinant(Matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]])) == 1)
    #expect(determinant(Matrix([[0, 1, 0], [1, 0, 0], [0, 0, 1]])) == -1)
    // Upper triangular of order 100 (dgetrf path): the product of the diagonal.
    var rng = SplitMix64(seed: 3)
    var t = Matrix(rows: 100, columns: 100)
    var expected = 1.0
    for i in 0..<100 {
        t[i, i] = 1 + 0.5 * rng.uniform()
        expected *= t[i, i]
        for j in (i + 1)..<100 { t[i, j] = rng.uniform() }
    }
    #expect(relativeError(determinant(t), expected) < 1e-13)
    #expect(relativeError(try LUFactorization(t).determinant, expected) < 1e-13)
}

@Test func singularMatricesThrow() {
    #expect(throws: LinearAlgebraError.singular("matrix is singular (U[1,1] = 0)")) {
        try solve(Matrix([[1, 2], [2, 4]]), [1, 1])
    }
    #expect(throws: LinearAlgebraError.singular("matrix is singular (U[0,0] = 0)")) {
        try LUFactorization(Matrix(rows: 3, columns: 3))
    }
    #expect(determinant(Matrix([[1, 2], [2, 4]])) == 0)
    // Singular in exact arithmetic; elimination leaves a rounding-sized last pivot.
    #expect(abs(determinant(Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))) < 1e-14)
    // Order 80 (dgetrf path) with a zero column 5.
    var rng = SplitMix64(seed: 5)
    var a = rng.matrix(80, 80)
    for i in 0..<80 { a[i, 5] = 0 }
    #expect(throws: LinearAlgebraError.singular("matrix is singular (U[5,5] = 0)")) { try inverse(a) }
    #expect(determinant(a) == 0)
}

@Test func conditionEstimate() throws {
    #expect(try LUFactorization(Matrix.identity(4)).reciprocalConditionEstimate == 1)
    // Exact for diagonal matrices: κ₁ = 1e12.
    let d = try LUFactorization(Matrix.diagonal([1, 1e-12, 0.5]))
    #expect(relativeError(d.reciprocalConditionEstimate, 1e-12) < 1e-12)
    // Hilbert matrix of order 10: κ₁ ≈ 3.5e13.
    let h = Matrix((0..<10).map { i in (0..<10).map { j in 1 / Double(i + j + 1) } })
    let rcond = try LUFactorization(h).reciprocalConditionEstimate
    #expect(rcond > 1e-15 && rcond < 1e-12)
}

@Test func badInputsThrow() {
    let nan = Matrix([[1, .nan], [0, 1]])
    #expect(throws: LinearAlgebraError.self) { try LUFactorization(nan) }
    do {
        _ = try solve(nan, [1, 2])
        Issue.record("NaN did not throw")
    } catch {
        guard case .notFinite = error else { Issue.record("wrong error \(error)"); return }
    }
    do {
        _ = try solve(Matrix.identity(2), [1, .infinity])
        Issue.record("infinity did not throw")
    } catch {
        guard case .notFinite = error else { Issue.record("wrong error \(error)"); return }
    }
    do {
        _ = try solve(Matrix(rows: 2, columns: 3), [1, 2])
        Issue.record("non-square did not throw")
    } catch {
        guard case .dimensionMismatch = error else { Issue.record("wrong error \(error)"); return }
    }
    do {
        _ = try solve(Matrix.identity(2), [1, 2, 3])
        Issue.record("wrong length did not throw")
    } catch {
        guard case .dimensionMismatch = error else { Issue.record("wrong error \(error)"); return }
    }
    #expect(determinant(nan).isNaN)
}
