import Testing
@testable import LinearAlgebra

@Test func matrixStoresRowMajor() {
    let m = Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
    #expect(m.elements[1 * 3 + 2] == 6)
}

@Test func constructorsAndAccessors() {
    let m = Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(m.rows == 2 && m.columns == 3 && !m.isSquare)
    #expect(m[1, 0] == 4)
    #expect(m.row(1) == [4, 5, 6])
    #expect(m.column(2) == [3, 6])
    #expect(m.transposed == Matrix([[1, 4], [2, 5], [3, 6]]))
    #expect(Matrix(rows: 2, columns: 2, repeating: 7).elements == [7, 7, 7, 7])
    #expect(Matrix(rows: 1, columns: 2).elements == [0, 0])
    #expect(Matrix.identity(3) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    #expect(Matrix.diagonal([2, -1]) == Matrix([[2, 0], [0, -1]]))
    #expect(Matrix([]).rows == 0 && Matrix([]).isSquare)
    var n = m
    n[0, 2] = -3
    #expect(n.elements == [1, 2, -3, 4, 5, 6])
}

@Test func entrywiseArithmetic() {
    let a = Matrix([[1, 2], [3, 4]])
    let b = Matrix([[0.5, -1], [2, 0]])
    #expect(a + b == Matrix([[1.5, 1], [5, 4]]))
    #expect(a - b == Matrix([[0.5, 3], [1, 4]]))
    #expect(2 * a == Matrix([[2, 4], [6, 8]]))
}

@Test func knownProducts() {
    let a = Matrix([[1, 2], [3, 4]])
    let b = Matrix([[5, 6], [7, 8]])
    #expect(a * b == Matrix([[19, 22], [43, 50]]))
    #expect(a * [1, -1] == [-1, -1])
    // Shapes with an empty inner dimension give zeros.
    #expect(Matrix(rows: 2, columns: 0) * Matrix(rows: 0, columns: 3) == Matrix(rows: 2, columns: 3))
    #expect(Matrix(rows: 2, columns: 0) * [Double]() == [0, 0])
}

/// Products on both sides of the loop/BLAS crossover agree with the textbook triple loop.
@Test(arguments: [(1, 1, 1), (2, 3, 4), (5, 1, 7), (13, 13, 13), (14, 14, 14), (17, 9, 23), (40, 33, 2), (64, 64, 64)])
func productsMatchTripleLoop(m: Int, k: Int, n: Int) {
    var rng = SplitMix64(seed: UInt64(m * 10_000 + k * 100 + n))
    let a = rng.matrix(m, k), b = rng.matrix(k, n)
    #expect(relativeError(a * b, naiveProduct(a, b)) < 1e-13)
    let x = rng.vector(k)
    let y = naiveProduct(a, Matrix(rows: k, columns: 1, elements: x)).elements
    #expect(relativeError(a * x, y) < 1e-13)
}

@Test func matrixVectorAboveCrossover() {
    var rng = SplitMix64(seed: 7)
    let a = rng.matrix(30, 50), x = rng.vector(50)
    let y = naiveProduct(a, Matrix(rows: 50, columns: 1, elements: x)).elements
    #expect(relativeError(a * x, y) < 1e-13)
}

@Test func dotAndNorm() {
    #expect(dot([1, 2, 3], [4, -5, 6]) == 12)
    #expect(dot([], []) == 0)
    #expect(norm([3, 4]) == 5)
    #expect(norm([]) == 0)
    // Scaled: the squares would overflow.
    #expect(relativeError(norm([1e200, 1e200]), 2.0.squareRoot() * 1e200) < 1e-15)
}

@Test func errorDescriptions() {
    #expect(LinearAlgebraError.singular("matrix is singular (U[3,3] = 0)").description
            == "matrix is singular (U[3,3] = 0)")
    #expect(LinearAlgebraError.lapack(function: "dgeev", info: 2).description == "dgeev failed (info = 2)")
    #expect(LinearAlgebraError.lapack(function: "dgesdd", info: -4).description.contains("argument 4"))
}
