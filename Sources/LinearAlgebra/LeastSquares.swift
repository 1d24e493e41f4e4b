/// The `x` (`a.columns x b.columns`) minimising `‖a x - b‖² + ridge ‖x‖²` (Frobenius norms),
/// column by column.
///
/// With `ridge == 0` this is the minimum-norm least-squares solution, computed from the SVD
/// of `a`: singular values at or below `max(m, n) · eps · σ_max` are treated as zero, so
/// rank-deficient and underdetermined problems get the pseudo-inverse solution instead of
/// an error. With `ridge > 0` the same routine solves the augmented problem
/// `[a; √ridge I] x ≈ [b; 0]`, whose solution is `(aᵀa + ridge I)⁻¹ aᵀ b` (Tikhonov
/// regularisation) without forming `aᵀa`, so without squaring the condition number.
///
/// - Precondition: `ridge >= 0`.
/// - Throws: `.dimensionMismatch` when `a.rows != b.rows`, `.notFinite` for NaN or infinities
///   in `a`, `b` or `ridge`, `.lapack` when the SVD fails to converge (`info > 0`).
///
/// Calls `LAPACKE_dgelsd`.
public func leastSquares(_ a: Matrix, _ b: Matrix, ridge: Double = 0) throws(LinearAlgebraError) -> Matrix {
    if a.rows != b.rows {
        throw .dimensionMismatch("leastSquares: \(a.rows)x\(a.columns) matrix, right-hand side \(b.rows)x\(b.columns)")
    }
    if !ridge.isFinite { throw .notFinite("leastSquares: ridge is \(ridge)") }
    precondition(ridge >= 0, "leastSquares: negative ridge \(ridge)")
    try a.requireFinite("leastSquares")
    try b.requireFinite("leastSquares (right-hand side)")

    let n = a.columns
    let nrhs = b.columns
    // The system handed to dgelsd: a itself, or a over √ridge I.
    let m = ridge > 0 ? a.rows + n : a.rows
    if n == 0 || nrhs == 0 { return Matrix(rows: n, columns: nrhs) }
    if m == 0 { return Matrix(rows: n, columns: nrhs) } // no equations: the minimum-norm x is 0

    var system = a.elements
    if ridge > 0 {
        system.append(contentsOf: Matrix.diagonal(Array(repeating: ridge.squareRoot(), count: n)).elements)
    }
    // dgelsd wants b with max(m, n) rows; the first n rows come back as x.
    let bRows = max(m, n)
    var rhs = [Double](repeating: 0, count: bRows * nrhs)
    rhs.replaceSubrange(0..<(b.rows * nrhs), with: b.elements)
    var singularValues = [Double](repeating: 0, count: min(m, n))
    var rank: Int32 = 0
    let rcond = Double(max(m, n)) * Double.ulpOfOne
    try check(lapackLeastSquares(m: m, n: n, nrhs: nrhs, &system, lda: n, &rhs, ldb: nrhs,
                                 &singularValues, rcond: rcond, &rank), "dgelsd")
    return Matrix(rows: n, columns: nrhs, elements: Array(rhs[0..<(n * nrhs)]))
}
