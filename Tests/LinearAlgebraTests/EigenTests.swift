import ComplexModule
import RealModule
import Testing
@testable import LinearAlgebra

@Test(arguments: [0.3, 1.0, 2.5, Double.pi / 2])
func rotationEigenvalues(theta: Double) throws {
    let r = Matrix([[Double.cos(theta), -Double.sin(theta)], [Double.sin(theta), Double.cos(theta)]])
    let values = try eigenvalues(r)
    // e^{±iθ}, positive imaginary part first.
    #expect(values.count == 2)
    #expect((values[0] - Complex(Double.cos(theta), Double.sin(theta))).length < 1e-15)
    #expect((values[1] - Complex(Double.cos(theta), -Double.sin(theta))).length < 1e-15)
}

@Test func companionMatrixRoots() throws {
    let roots = [1.0, -2, 3, 0.5, -4]
    let values = try eigenvalues(companion(monicCoefficients(roots: roots)))
    #expect(values.allSatisfy { $0.imaginary == 0 })
    #expect(setDistance(values, roots.map { Complex($0, 0) }) < 1e-12)

    // (x² + 1)(x - 2)(x² - 2x + 5) = roots ±i, 2, 1 ± 2i.
    // (x³ - 2x² + x - 2)(x² - 2x + 5) = x⁵ - 4x⁴ + 10x³ - 14x² + 9x - 10
    let c = companion([-10, 9, -14, 10, -4])
    let expected = [Complex(0.0, 1), Complex(0.0, -1), Complex(2.0, 0), Complex(1.0, 2), Complex(1.0, -2)]
    let complexValues = try eigenvalues(c)
    #expect(setDistance(complexValues, expected) < 1e-12)
    let (values2, vectors) = try eigenDecomposition(c)
    #expect(setDistance(values2, expected) < 1e-12)
    for (lambda, v) in zip(values2, vectors) {
        #expect(residual(c, lambda, v) < 1e-12)
    }
}

@Test func triangularEigenvaluesAreTheDiagonal() throws {
    let d = [4.0, -1, 0.25, 7, 0]
    #expect(setDistance(try eigenvalues(Matrix.diagonal(d)), d.map { Complex($0, 0) }) == 0)
    var rng = SplitMix64(seed: 11)
    var t = Matrix.diagonal(d)
    for i in 0..<5 { for j in (i + 1)..<5 { t[i, j] = rng.uniform() } }
    #expect(setDistance(try eigenvalues(t), d.map { Complex($0, 0) }) < 1e-14)
    #expect(setDistance(try eigenvalues(t.transposed), d.map { Complex($0, 0) }) < 1e-14)
}

/// ‖a v - λ v‖₂ for a complex vector v.
func residual(_ a: Matrix, _ lambda: Complex<Double>, _ v: [Complex<Double>]) -> Double {
    let n = a.rows
    var sum = 0.0
    for i in 0..<n {
        var s = Complex<Double>.zero
        for j in 0..<n { s = s + Complex(a[i, j], 0) * v[j] }
        sum += (s - lambda * v[i]).lengthSquared
    }
    return sum.squareRoot()
}

@Test(arguments: [1, 2, 3, 5, 8, 13, 21, 40])
func randomEigenpairs(n: Int) throws {
    var rng = SplitMix64(seed: UInt64(500 + n))
    var complexPairs = 0
    for _ in 0..<4 {
        let a = rng.matrix(n, n)
        let (values, vectors) = try eigenDecomposition(a)
        #expect(values.count == n && vectors.count == n)
        #expect(try eigenvalues(a) == values)
        var k = 0
        while k < n {
            let v = vectors[k]
            #expect(v.count == n)
            #expect(abs(v.reduce(0) { $0 + $1.lengthSquared } - 1) < 1e-14)
            #expect(residual(a, values[k], v) < 1e-13 * Double(n))
            if values[k].imaginary != 0 {
                // Conjugate pair, positive imaginary part first, conjugate vectors.
                #expect(values[k].imaginary > 0)
                #expect(values[k + 1] == values[k].conjugate)
                #expect(vectors[k + 1] == v.map(\.conjugate))
                complexPairs += 1
                k += 2
            } else {
                #expect(v.allSatisfy { $0.imaginary == 0 })
                k += 1
            }
        }
        // Sum and product of the eigenvalues: trace and determinant.
        let trace = (0..<n).reduce(0.0) { $0 + a[$1, $1] }
        let sum = values.reduce(Complex<Double>.zero, +)
        #expect(abs(sum.real - trace) < 1e-12 * Double(n) && abs(sum.imaginary) < 1e-12)
        let product = values.reduce(Complex<Double>.one, *)
        #expect(relativeError(product.real, determinant(a)) < 1e-9)
    }
    if n >= 5 { #expect(complexPairs > 0) }
}

@Test func symmetricEigenKnownAnswers() throws {
    let (values, vectors) = try symmetricEigen(Matrix([[2, 1], [1, 2]]))
    #expect(relativeError(values, [1, 3]) < 1e-15)
    let s = 0.5.squareRoot()
    #expect(abs(abs(vectors[0, 0]) - s) < 1e-15 && abs(vectors[0, 0] + vectors[1, 0]) < 1e-15)
    #expect(abs(abs(vectors[0, 1]) - s) < 1e-15 && abs(vectors[0, 1] - vectors[1, 1]) < 1e-15)
    // Only the upper triangle is read.
    let (upper, _) = try symmetricEigen(Matrix([[2, 1], [99, 2]]))
    #expect(upper == values)
}

@Test(arguments: [1, 4, 17, 50])
func symmetricEigenRandom(n: Int) throws {
    var rng = SplitMix64(seed: UInt64(900 + n))
    let b = rng.matrix(n, n)
    let a = b + b.transposed
    let (values, v) = try symmetricEigen(a)
    #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(relativeError(v.transposed * v, Matrix.identity(n)) < 1e-13 * Double(n))
    #expect(relativeError(a * v, v * Matrix.diagonal(values)) < 1e-13 * Double(n))
    // Agrees with the general solver.
    let general = try eigenvalues(a).map(\.real).sorted()
    #expect(relativeError(general, values) < 1e-13 * Double(n))
}

@Test func eigenBadInputs() throws {
    #expect(throws: LinearAlgebraError.self) { try eigenvalues(Matrix(rows: 2, columns: 3)) }
    for f in [{ try eigenvalues($0) as Any }, { try eigenDecomposition($0) as Any }, { try symmetricEigen($0) as Any }]
        as [(Matrix) throws -> Any]
    {
        do {
            _ = try f(Matrix([[1, 0], [.nan, 1]]))
            Issue.record("NaN did not throw")
        } catch let error as LinearAlgebraError {
            guard case .notFinite = error else { Issue.record("wrong error \(error)"); continue }
        } catch {
            Issue.record("untyped error \(error)")
        }
    }
    #expect(try eigenvalues(Matrix([])) == [])
}
