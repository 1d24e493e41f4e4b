/// The thin singular value decomposition `a = u · diagonal(singularValues) · vt` of an
/// `m x n` matrix, with `k = min(m, n)`: `u` is `m x k` and `vt` is `k x n`, both with
/// orthonormal rows/columns (`uᵀu = I`, `vt vtᵀ = I`), and `singularValues` (k entries) are
/// non-negative and descending.
///
/// Each singular value is accurate to about unit roundoff times σ_max; singular vectors of
/// close singular values are individually ill-determined.
///
/// - Throws: `.notFinite` for NaN or infinities, `.lapack` when the divide-and-conquer
///   iteration fails to converge (`info > 0`).
///
/// Calls `LAPACKE_dgesdd` with `jobz = 'S'`.
public func singularValueDecomposition(_ a: Matrix) throws(LinearAlgebraError)
    -> (u: Matrix, singularValues: [Double], vt: Matrix)
{
    try a.requireFinite("singularValueDecomposition")
    let (m, n) = (a.rows, a.columns)
    let k = min(m, n)
    if k == 0 {
        return (Matrix(rows: m, columns: 0), [], Matrix(rows: 0, columns: n))
    }
    var work = a.elements
    var s = [Double](repeating: 0, count: k)
    var u = [Double](repeating: 0, count: m * k)
    var vt = [Double](repeating: 0, count: k * n)
    try check(lapackSingularValueDecomposition(m: m, n: n, &work, lda: n, &s, &u, ldu: k, &vt, ldvt: n),
              "dgesdd")
    return (Matrix(rows: m, columns: k, elements: u), s, Matrix(rows: k, columns: n, elements: vt))
}
