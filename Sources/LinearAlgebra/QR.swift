/// The thin QR factorisation `a = q r` of an `m x n` matrix `a`, with `k = min(m, n)`:
/// `q` is `m x k` with orthonormal columns (`qᵀ q = I` to about unit roundoff) and `r` is
/// `k x n` upper triangular (upper trapezoidal when `n > m`).
///
/// Householder reflections, backward stable. The diagonal of `r` may be negative (LAPACK's
/// sign convention); `r` has zeros on its diagonal where `a` is rank deficient, and then the
/// corresponding columns of `q` are still orthonormal but not determined by `a`.
///
/// - Throws: `.notFinite` for NaN or infinities in `a`.
///
/// Calls `LAPACKE_dgeqrf`, then `LAPACKE_dorgqr` on the first `k` columns.
public func qr(_ a: Matrix) throws(LinearAlgebraError) -> (q: Matrix, r: Matrix) {
    try a.requireFinite("qr")
    let (m, n) = (a.rows, a.columns)
    let k = min(m, n)
    if k == 0 {
        return (Matrix(rows: m, columns: 0), Matrix(rows: 0, columns: n))
    }
    var work = a.elements
    var tau = [Double](repeating: 0, count: k)
    try check(lapackQRFactor(m: m, n: n, &work, lda: n, &tau), "dgeqrf")

    var r = Matrix(rows: k, columns: n)
    for i in 0..<k {
        for j in i..<n { r.elements[i * n + j] = work[i * n + j] }
    }
    // The reflectors sit below the diagonal of the first k columns: copy them out as m x k.
    var q = [Double](repeating: 0, count: m * k)
    for i in 0..<m {
        for j in 0..<k { q[i * k + j] = work[i * n + j] }
    }
    try check(lapackQRFormQ(m: m, n: k, k: k, &q, lda: k, tau), "dorgqr")
    return (Matrix(rows: m, columns: k, elements: q), r)
}
