import ComplexModule
import RealModule

/// The eigenvalues of the square matrix `a`, in the order LAPACK returns them: complex
/// conjugate pairs are adjacent, the one with positive imaginary part first; real eigenvalues
/// have imaginary part exactly 0.
///
/// Computed by Hessenberg reduction and the shifted QR algorithm (with balancing); each
/// eigenvalue is backward stable, so its error is about unit roundoff times ‖a‖ divided by its
/// own condition (large for defective or nearly defective eigenvalues: a Jordan block of size
/// k perturbs by roughly eps^(1/k)).
///
/// - Throws: `.dimensionMismatch` (not square), `.notFinite`, or `.lapack` when the QR
///   iteration fails to converge (`info > 0`).
///
/// Calls `LAPACKE_dgeev` with `jobvl = jobvr = 'N'`.
public func eigenvalues(_ a: Matrix) throws(LinearAlgebraError) -> [Complex<Double>] {
    try a.requireSquare("eigenvalues")
    try a.requireFinite("eigenvalues")
    let n = a.rows
    if n == 0 { return [] }
    var work = a.elements
    var wr = [Double](repeating: 0, count: n)
    var wi = [Double](repeating: 0, count: n)
    try check(lapackEigen(n: n, &work, lda: n, &wr, &wi, nil, ldvr: 1), "dgeev")
    return (0..<n).map { Complex(wr[$0], wi[$0]) }
}

/// Eigenvalues and right eigenvectors of the square matrix `a`: `a * vectors[k] ≈
/// values[k] * vectors[k]`, with `values` ordered as ``eigenvalues(_:)``.
///
/// Each vector has unit 2-norm and its largest-magnitude component real. The vectors of a
/// conjugate pair are conjugates of each other. For a defective matrix the returned vectors
/// of a repeated eigenvalue are nearly parallel (there is no full eigenbasis).
///
/// - Throws: as ``eigenvalues(_:)``.
///
/// Calls `LAPACKE_dgeev` with `jobvr = 'V'` and unpacks its real storage of complex vectors
/// (`v[j] = VR[:, j] ± i VR[:, j+1]` for a pair at `j, j+1`).
public func eigenDecomposition(_ a: Matrix) throws(LinearAlgebraError)
    -> (values: [Complex<Double>], vectors: [[Complex<Double>]])
{
    try a.requireSquare("eigenDecomposition")
    try a.requireFinite("eigenDecomposition")
    let n = a.rows
    if n == 0 { return ([], []) }
    var work = a.elements
    var wr = [Double](repeating: 0, count: n)
    var wi = [Double](repeating: 0, count: n)
    var vr = [Double](repeating: 0, count: n * n)
    try check(lapackEigen(n: n, &work, lda: n, &wr, &wi, &vr, ldvr: n), "dgeev")

    let values = (0..<n).map { Complex(wr[$0], wi[$0]) }
    var vectors: [[Complex<Double>]] = []
    vectors.reserveCapacity(n)
    var j = 0
    while j < n {
        if wi[j] != 0 && j + 1 < n {
            var v = (0..<n).map { Complex(vr[$0 * n + j], vr[$0 * n + j + 1]) }
            normalize(&v)
            vectors.append(v)
            vectors.append(v.map(\.conjugate))
            j += 2
        } else {
            var v = (0..<n).map { Complex(vr[$0 * n + j], 0) }
            normalize(&v)
            vectors.append(v)
            j += 1
        }
    }
    return (values, vectors)
}

/// Scales `v` to unit 2-norm (dgeev already returns unit vectors; this removes its rounding).
private func normalize(_ v: inout [Complex<Double>]) {
    var sum = 0.0
    for z in v { sum += z.lengthSquared }
    let length = sum.squareRoot()
    if length > 0 && length.isFinite {
        for i in v.indices { v[i] = v[i].divided(by: length) }
    }
}

/// Eigenvalues in ascending order and an orthonormal matrix of eigenvectors of the symmetric
/// matrix `a`: `a * vectors ≈ vectors * diagonal(values)`, column `k` belonging to
/// `values[k]`.
///
/// Only the upper triangle of `a` (including the diagonal) is read; the lower triangle is
/// assumed to mirror it. Eigenvalues are accurate to about unit roundoff times ‖a‖₂;
/// eigenvectors of close eigenvalues are individually ill-determined, their span is not.
///
/// - Throws: `.dimensionMismatch` (not square), `.notFinite`, or `.lapack` when the
///   divide-and-conquer iteration fails (`info > 0`).
///
/// Calls `LAPACKE_dsyevd` with `jobz = 'V'`, `uplo = 'U'`.
public func symmetricEigen(_ a: Matrix) throws(LinearAlgebraError) -> (values: [Double], vectors: Matrix) {
    try a.requireSquare("symmetricEigen")
    try a.requireFinite("symmetricEigen")
    let n = a.rows
    if n == 0 { return ([], a) }
    var work = a.elements
    var w = [Double](repeating: 0, count: n)
    try check(lapackSymmetricEigen(n: n, &work, lda: n, &w), "dsyevd")
    return (w, Matrix(rows: n, columns: n, elements: work))
}
