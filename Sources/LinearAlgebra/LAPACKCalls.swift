// Every call into OpenBLAS (CBLAS) and LAPACKE made by this module, one thin function each.
//
// Conventions: matrices are row-major (`CblasRowMajor`, `LAPACK_ROW_MAJOR`); sizes are `Int`
// here and narrowed to the C integer types (`blasint`, `lapack_int`, both 32-bit on this
// platform) at the call, trapping if they do not fit; each LAPACKE function returns its `info`
// as an `Int` (0: success, -i: argument i was invalid, +i: a routine-specific failure).
// Nothing in this file validates arguments or throws: the callers do.

internal import CLAPACK

@inline(__always)
private func job(_ c: Unicode.Scalar) -> CChar { CChar(truncatingIfNeeded: c.value) }

@inline(__always)
private func int32(_ x: Int) -> Int32 { Int32(x) }

private let rowMajor = Int32(LAPACK_ROW_MAJOR)

// MARK: - BLAS

/// `c = a * b` with `a` `m x k`, `b` `k x n`, `c` `m x n`, all row-major with leading
/// dimensions `lda`, `ldb`, `ldc`. Calls `cblas_dgemm`.
@usableFromInline
internal func blasMultiply(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Double>, lda: Int,
    _ b: UnsafePointer<Double>, ldb: Int,
    _ c: UnsafeMutablePointer<Double>, ldc: Int
) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int32(m), int32(n), int32(k),
                1, a, int32(lda), b, int32(ldb), 0, c, int32(ldc))
}

/// `y = a * x` with `a` `m x n` row-major. Calls `cblas_dgemv`.
@usableFromInline
internal func blasMultiplyVector(
    m: Int, n: Int, _ a: UnsafePointer<Double>, lda: Int,
    _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>
) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, int32(m), int32(n), 1, a, int32(lda), x, 1, 0, y, 1)
}

/// `x · y` over `n` contiguous entries. Calls `cblas_ddot`.
internal func blasDot(n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    cblas_ddot(int32(n), x, 1, y, 1)
}

/// Euclidean norm of `n` contiguous entries, scaled against overflow. Calls `cblas_dnrm2`.
internal func blasNorm(n: Int, _ x: UnsafePointer<Double>) -> Double {
    cblas_dnrm2(int32(n), x, 1)
}

// MARK: - LAPACK

/// LU factorisation with partial pivoting of the `m x n` row-major `a`, in place; `pivots`
/// (min(m, n) entries) are 1-based row interchanges. Calls `LAPACKE_dgetrf`.
internal func lapackLUFactor(
    m: Int, n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ pivots: UnsafeMutablePointer<Int32>
) -> Int {
    Int(LAPACKE_dgetrf(rowMajor, int32(m), int32(n), a, int32(lda), pivots))
}

/// Solves `A X = B` from `dgetrf`'s output; `b` is `n x nrhs` row-major and is overwritten
/// with `X`. Calls `LAPACKE_dgetrs`.
internal func lapackLUSolve(
    n: Int, nrhs: Int, _ lu: UnsafePointer<Double>, lda: Int,
    _ pivots: UnsafePointer<Int32>, _ b: UnsafeMutablePointer<Double>, ldb: Int
) -> Int {
    Int(LAPACKE_dgetrs(rowMajor, job("N"), int32(n), int32(nrhs), lu, int32(lda), pivots,
                       b, int32(ldb)))
}

/// Reciprocal 1-norm condition estimate from LU factors and the 1-norm of the original
/// matrix. Calls `LAPACKE_dgecon`.
internal func lapackReciprocalCondition(
    n: Int, _ lu: UnsafePointer<Double>, lda: Int, oneNorm: Double,
    _ rcond: UnsafeMutablePointer<Double>
) -> Int {
    Int(LAPACKE_dgecon(rowMajor, job("1"), int32(n), lu, int32(lda), oneNorm, rcond))
}

/// Eigenvalues (`wr + i wi`) and, when `vr` is non-nil, right eigenvectors in LAPACK's
/// packed real form of the general `n x n` `a` (destroyed). Calls `LAPACKE_dgeev`.
internal func lapackEigen(
    n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ wr: UnsafeMutablePointer<Double>, _ wi: UnsafeMutablePointer<Double>,
    _ vr: UnsafeMutablePointer<Double>?, ldvr: Int
) -> Int {
    Int(LAPACKE_dgeev(rowMajor, job("N"), vr == nil ? job("N") : job("V"), int32(n),
                      a, int32(lda), wr, wi, nil, 1, vr, int32(ldvr)))
}

/// Householder QR of the `m x n` `a`, in place (R above the diagonal, reflectors below).
/// Calls `LAPACKE_dgeqrf`.
internal func lapackQRFactor(
    m: Int, n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ tau: UnsafeMutablePointer<Double>
) -> Int {
    Int(LAPACKE_dgeqrf(rowMajor, int32(m), int32(n), a, int32(lda), tau))
}

/// Forms the `m x n` matrix Q with orthonormal columns from `k` reflectors left by `dgeqrf`,
/// in place. Calls `LAPACKE_dorgqr`.
internal func lapackQRFormQ(
    m: Int, n: Int, k: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ tau: UnsafePointer<Double>
) -> Int {
    Int(LAPACKE_dorgqr(rowMajor, int32(m), int32(n), int32(k), a, int32(lda), tau))
}

/// Minimum-norm least-squares solution of `A X = B` by divide-and-conquer SVD; singular
/// values at or below `rcond * s[0]` count as zero. `a` (`m x n`) is destroyed; `b` is
/// `max(m, n) x nrhs` and its first `n` rows receive `X`. Calls `LAPACKE_dgelsd`.
internal func lapackLeastSquares(
    m: Int, n: Int, nrhs: Int,
    _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ b: UnsafeMutablePointer<Double>, ldb: Int,
    _ s: UnsafeMutablePointer<Double>, rcond: Double, _ rank: UnsafeMutablePointer<Int32>
) -> Int {
    Int(LAPACKE_dgelsd(rowMajor, int32(m), int32(n), int32(nrhs), a, int32(lda), b, int32(ldb),
                       s, rcond, rank))
}

/// Eigenvalues (ascending, into `w`) and orthonormal eigenvectors (columns of `a`, which is
/// overwritten) of the symmetric `n x n` `a`, reading its upper triangle. Calls
/// `LAPACKE_dsyevd`.
internal func lapackSymmetricEigen(
    n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int, _ w: UnsafeMutablePointer<Double>
) -> Int {
    Int(LAPACKE_dsyevd(rowMajor, job("V"), job("U"), int32(n), a, int32(lda), w))
}

/// Thin SVD of the `m x n` `a` (destroyed): `u` is `m x min(m, n)`, `s` descending, `vt` is
/// `min(m, n) x n`. Calls `LAPACKE_dgesdd` with `jobz = 'S'`.
internal func lapackSingularValueDecomposition(
    m: Int, n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
    _ s: UnsafeMutablePointer<Double>,
    _ u: UnsafeMutablePointer<Double>, ldu: Int,
    _ vt: UnsafeMutablePointer<Double>, ldvt: Int
) -> Int {
    Int(LAPACKE_dgesdd(rowMajor, job("S"), int32(m), int32(n), a, int32(lda), s,
                       u, int32(ldu), vt, int32(ldvt)))
}
