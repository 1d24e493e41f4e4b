/// An LU factorisation with partial pivoting, `P A = L U`, of a square matrix, kept so that
/// many right-hand sides can be solved for the cost of one factorisation.
///
/// Orders up to ``SmallKernels/luCrossoverOrder`` are factored by
/// ``SmallKernels/luFactor(_:n:pivots:)`` (unblocked, allocation-free loops), larger ones by
/// LAPACK's blocked `dgetrf`; both choose the same pivots (first entry of largest magnitude) and
/// are backward stable in practice. Only an exactly zero pivot counts as singular: an
/// ill-conditioned matrix factors without complaint, so check
/// ``reciprocalConditionEstimate`` when it matters.
public struct LUFactorization: Sendable {
    /// The order `n` of the factored matrix.
    public let order: Int
    /// `L` (strict lower triangle, unit diagonal implied) and `U` (upper triangle), packed.
    public let factors: Matrix
    /// 0-based row interchanges: row `j` was swapped with row `pivots[j]` at step `j`.
    public let pivots: [Int]
    /// The 1-norm (largest absolute column sum) of the factored matrix.
    public let oneNorm: Double

    /// Factors the square matrix `a`.
    ///
    /// - Throws: `.dimensionMismatch` if `a` is not square, `.notFinite` if it contains NaN or
    ///   an infinity, `.singular` when a pivot is exactly zero.
    ///
    /// Calls ``SmallKernels/luFactor(_:n:pivots:)`` or `LAPACKE_dgetrf`.
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        try a.requireSquare("LUFactorization")
        try a.requireFinite("LUFactorization")
        let n = a.rows
        var norm = 0.0
        for j in 0..<n {
            var sum = 0.0
            for i in 0..<n { sum += abs(a.elements[i * n + j]) }
            norm = max(norm, sum)
        }
        var lu = a.elements
        var pivots = [Int](repeating: 0, count: n)
        if n <= SmallKernels.luCrossoverOrder {
            let succeeded = lu.withUnsafeMutableBufferPointer { lu in
                pivots.withUnsafeMutableBufferPointer { p in
                    n == 0 || SmallKernels.luFactor(lu.baseAddress!, n: n, pivots: p.baseAddress!)
                }
            }
            if !succeeded {
                // luFactor stops at the first column without a nonzero pivot candidate; earlier
                // diagonal entries are the nonzero pivots already chosen.
                let j = (0..<n).first { lu[$0 * n + $0] == 0 } ?? n - 1
                throw .singular("matrix is singular (U[\(j),\(j)] = 0)")
            }
        } else {
            var pivots32 = [Int32](repeating: 0, count: n)
            let info = lapackLUFactor(m: n, n: n, &lu, lda: n, &pivots32)
            if info > 0 { throw .singular("matrix is singular (U[\(info - 1),\(info - 1)] = 0)") }
            try check(info, "dgetrf")
            pivots = pivots32.map { Int($0) - 1 }
        }
        self.order = n
        self.factors = Matrix(rows: n, columns: n, elements: lu)
        self.pivots = pivots
        self.oneNorm = norm
    }

    /// Solves `A x = b`; `b.count` must equal ``order``. Non-finite entries of `b` propagate.
    ///
    /// Calls ``SmallKernels/luSolve(_:n:pivots:_:)``.
    public func solve(_ b: [Double]) -> [Double] {
        precondition(b.count == order, "LUFactorization.solve: \(b.count) entries for order \(order)")
        var x = b
        if order == 0 { return x }
        factors.elements.withUnsafeBufferPointer { lu in
            pivots.withUnsafeBufferPointer { p in
                x.withUnsafeMutableBufferPointer { x in
                    SmallKernels.luSolve(lu.baseAddress!, n: order, pivots: p.baseAddress!, x.baseAddress!)
                }
            }
        }
        return x
    }

    /// Solves `A X = B` for all columns of `b` at once; `b.rows` must equal ``order``.
    ///
    /// Calls ``SmallKernels/luSolve(_:n:pivots:_:)`` per column up to
    /// ``SmallKernels/luCrossoverOrder``, `LAPACKE_dgetrs` above.
    public func solve(_ b: Matrix) -> Matrix {
        precondition(b.rows == order, "LUFactorization.solve: \(b.rows) rows for order \(order)")
        let n = order
        if n == 0 || b.columns == 0 { return b }
        if n <= SmallKernels.luCrossoverOrder {
            var columns = b.transposed // column k of B is now a contiguous row
            factors.elements.withUnsafeBufferPointer { lu in
                pivots.withUnsafeBufferPointer { p in
                    columns.elements.withUnsafeMutableBufferPointer { x in
                        for k in 0..<b.columns {
                            SmallKernels.luSolve(lu.baseAddress!, n: n, pivots: p.baseAddress!, x.baseAddress! + k * n)
                        }
                    }
                }
            }
            return columns.transposed
        }
        var x = b.elements
        let pivots32 = pivots.map { Int32($0 + 1) }
        let info = lapackLUSolve(n: n, nrhs: b.columns, factors.elements, lda: n, pivots32, &x, ldb: b.columns)
        precondition(info == 0, "dgetrs: info = \(info)") // only argument errors are possible
        return Matrix(rows: n, columns: b.columns, elements: x)
    }

    /// `det A`: the product of `U`'s diagonal, negated once per row interchange. May overflow
    /// or underflow for large orders even when `A` is well conditioned.
    public var determinant: Double {
        var d = 1.0
        for j in 0..<order {
            d *= factors.elements[j * order + j]
            if pivots[j] != j { d = -d }
        }
        return d
    }

    /// An estimate of `1 / (‖A‖₁ ‖A⁻¹‖₁)`, the reciprocal 1-norm condition number: near 1 for
    /// well-conditioned matrices, below about 1e-16 for matrices that are singular to working
    /// precision. Usually within a factor of 3 of the truth (Hager-Higham estimator); costs
    /// O(n²) per access.
    ///
    /// Calls `LAPACKE_dgecon` with `norm = '1'`.
    public var reciprocalConditionEstimate: Double {
        if order == 0 { return 1 }
        var rcond = 0.0
        let info = lapackReciprocalCondition(n: order, factors.elements, lda: order, oneNorm: oneNorm, &rcond)
        return info == 0 ? rcond : .nan
    }
}

/// Solves the square system `a x = b`.
///
/// - Throws: `.dimensionMismatch` for a non-square `a` or a `b` of the wrong length,
///   `.notFinite` for NaN or infinities in `a` or `b`, `.singular` for an exactly zero pivot.
///
/// Calls ``LUFactorization`` (``SmallKernels`` loops or `LAPACKE_dgetrf`), then
/// ``SmallKernels/luSolve(_:n:pivots:_:)``.
public func solve(_ a: Matrix, _ b: [Double]) throws(LinearAlgebraError) -> [Double] {
    try a.requireSquare("solve")
    if b.count != a.rows {
        throw .dimensionMismatch("solve: \(a.rows)x\(a.columns) matrix, right-hand side of \(b.count)")
    }
    try requireFinite(b, "solve")
    return try LUFactorization(a).solve(b)
}

/// Solves the square system `a X = b` for every column of `b`.
///
/// - Throws: as ``solve(_:_:)-(Matrix,[Double])``, with `b.rows` in place of the length.
///
/// Calls ``LUFactorization``, then ``SmallKernels/luSolve(_:n:pivots:_:)`` or
/// `LAPACKE_dgetrs`.
public func solve(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    try a.requireSquare("solve")
    if b.rows != a.rows {
        throw .dimensionMismatch("solve: \(a.rows)x\(a.columns) matrix, right-hand side \(b.rows)x\(b.columns)")
    }
    try b.requireFinite("solve (right-hand side)")
    return try LUFactorization(a).solve(b)
}

/// `det a` for a square `a` (trap otherwise): exactly 0 when elimination meets an exactly
/// zero pivot, NaN when `a` contains NaN or an infinity. 1 for the 0x0 matrix.
///
/// Closed forms for orders 1 and 2, ``SmallKernels/determinant(_:n:scratch:pivots:)`` up to
/// ``SmallKernels/luCrossoverOrder``, `LAPACKE_dgetrf` above.
public func determinant(_ a: Matrix) -> Double {
    precondition(a.isSquare, "determinant: matrix is \(a.rows)x\(a.columns), not square")
    let n = a.rows
    if !a.isFinite { return .nan }
    if n == 0 { return 1 }
    if n <= SmallKernels.luCrossoverOrder {
        var scratch = [Double](repeating: 0, count: n * n)
        var pivots = [Int](repeating: 0, count: n)
        return a.elements.withUnsafeBufferPointer { a in
            SmallKernels.determinant(a.baseAddress!, n: n, scratch: &scratch, pivots: &pivots)
        }
    }
    do {
        return try LUFactorization(a).determinant
    } catch {
        return 0 // only .singular is possible here
    }
}

/// `a⁻¹` for a square, nonsingular `a`. Prefer ``solve(_:_:)-(Matrix,Matrix)`` or
/// ``LUFactorization`` when the inverse is only multiplied by something.
///
/// - Throws: `.dimensionMismatch`, `.notFinite`, `.singular` as ``LUFactorization/init(_:)``.
///
/// Calls ``LUFactorization`` and solves against the identity (`LAPACKE_dgetrs` above the
/// crossover).
public func inverse(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
    try LUFactorization(a).solve(Matrix.identity(a.rows))
}
