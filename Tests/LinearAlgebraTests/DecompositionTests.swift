import Testing
@testable import LinearAlgebra

@Test(arguments: [(1, 1), (5, 3), (3, 5), (8, 8), (40, 7), (7, 40), (100, 60)])
func qrReconstructs(m: Int, n: Int) throws {
    var rng = SplitMix64(seed: UInt64(m * 1000 + n))
    let a = rng.matrix(m, n)
    let (q, r) = try qr(a)
    let k = min(m, n)
    #expect(q.rows == m && q.columns == k && r.rows == k && r.columns == n)
    #expect(relativeError(q.transposed * q, Matrix.identity(k)) < 1e-14 * Double(m))
    #expect(relativeError(q * r, a) < 1e-14 * Double(m))
    for i in 0..<k { for j in 0..<i { #expect(r[i, j] == 0) } }
}

@Test func qrKnownAnswer() throws {
    // Columns (3, 4) and (0, 5): |r00| = 5, r01 = 4 · sign, |r11| = 3.
    let (q, r) = try qr(Matrix([[3, 0], [4, 5]]))
    #expect(abs(abs(r[0, 0]) - 5) < 1e-15 && abs(abs(r[1, 1]) - 3) < 1e-15 && abs(abs(r[0, 1]) - 4) < 1e-15)
    #expect(relativeError(q * r, Matrix([[3, 0], [4, 5]])) < 1e-15)
    #expect(throws: LinearAlgebraError.self) { try qr(Matrix([[.infinity]])) }
}

@Test(arguments: [(5, 2), (20, 5), (100, 30)])
func leastSquaresRecoversConsistentSolution(m: Int, n: Int) throws {
    var rng = SplitMix64(seed: UInt64(7 * m + n))
    let a = rng.matrix(m, n), x = rng.matrix(n, 3)
    let b = a * x
    #expect(relativeError(try leastSquares(a, b), x) < 1e-12)
}

@Test func leastSquaresMatchesNormalEquations() throws {
    var rng = SplitMix64(seed: 77)
    let a = rng.matrix(30, 6), b = rng.matrix(30, 2)
    let at = a.transposed
    for ridge in [0.0, 1e-3, 0.5, 10] {
        // (aᵀa + ridge I) x = aᵀ b
        let x = try leastSquares(a, b, ridge: ridge)
        let normal = try solve(at * a + ridge * Matrix.identity(6), at * b)
        #expect(relativeError(x, normal) < 1e-12)
    }
    // Ridge on a square system differs from the plain solution by the regularisation.
    let x0 = try leastSquares(Matrix.identity(2), Matrix([[1], [2]]), ridge: 1)
    #expect(relativeError(x0, Matrix([[0.5], [1]])) < 1e-15)
}

@Test func leastSquaresRankDeficientGivesMinimumNorm() throws {
    // Two identical columns: every x with x0 + x1 = 2 fits exactly; the minimum-norm one is (1, 1).
    let c = [1.0, 2, 3, 4]
    let a = Matrix(c.map { [$0, $0] })
    let x = try leastSquares(a, Matrix(c.map { [2 * $0] }))
    #expect(relativeError(x, Matrix([[1], [1]])) < 1e-14)
    // Underdetermined: one equation x0 + 2 x1 = 5 -> minimum norm (1, 2).
    let y = try leastSquares(Matrix([[1, 2]]), Matrix([[5]]))
    #expect(relativeError(y, Matrix([[1], [2]])) < 1e-14)
}

@Test func leastSquaresBadInputs() {
    do {
        _ = try leastSquares(Matrix(rows: 3, columns: 2), Matrix(rows: 4, columns: 1))
        Issue.record("shape mismatch did not throw")
    } catch {
        guard case .dimensionMismatch = error else { Issue.record("wrong error \(error)"); return }
    }
    do {
        _ = try leastSquares(Matrix.identity(2), Matrix([[1], [.nan]]))
        Issue.record("NaN did not throw")
    } catch {
        guard case .notFinite = error else { Issue.record("wrong error \(error)"); return }
    }
}

@Test(arguments: [(1, 1), (6, 4), (4, 6), (30, 30), (80, 20)])
func singularValueDecompositionReconstructs(m: Int, n: Int) throws {
    var rng = SplitMix64(seed: UInt64(31 * m + n))
    let a = rng.matrix(m, n)
    let (u, s, vt) = try singularValueDecomposition(a)
    let k = min(m, n)
    #expect(u.rows == m && u.columns == k && s.count == k && vt.rows == k && vt.columns == n)
    #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 } && s.allSatisfy { $0 >= 0 })
    #expect(relativeError(u.transposed * u, Matrix.identity(k)) < 1e-14 * Double(m + n))
    #expect(relativeError(vt * vt.transposed, Matrix.identity(k)) < 1e-14 * Double(m + n))
    #expect(relativeError(u * Matrix.diagonal(s) * vt, a) < 1e-14 * Double(m + n))
}

@Test func singularValuesKnownAnswers() throws {
    #expect(try singularValueDecomposition(Matrix([[3, 0], [0, -2]])).singularValues == [3, 2])
    // Rank one: the outer product (1, 2)ᵀ (2, 2) has the single singular value √5 · √8.
    let s = try singularValueDecomposition(Matrix([[2, 2], [4, 4]])).singularValues
    #expect(relativeError(s[0], 40.0.squareRoot()) < 1e-15 && abs(s[1]) < 1e-15)
    #expect(throws: LinearAlgebraError.self) { try singularValueDecomposition(Matrix([[.nan, 1]])) }
}
