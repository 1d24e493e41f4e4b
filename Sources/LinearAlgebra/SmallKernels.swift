/// Allocation-free kernels for small dense matrices on caller-owned, row-major storage.
///
/// These are the inner loops of searches that evaluate millions of short products and small
/// solves (matrix orders 2 to about 50), where the fixed cost of a BLAS or LAPACK call and the
/// allocations of `Matrix` dominate. Nothing here allocates, throws, or checks for NaN or
/// infinity: non-finite entries propagate. Output buffers must not overlap inputs unless a
/// function says it works in place.
///
/// Results agree with the BLAS/LAPACK path to rounding: the loops use no fused multiply-add and
/// sum in a different order, so they differ from OpenBLAS in the last bits (the tests check
/// agreement to 1e-12 relative for random matrices of orders 1 to 60).
public enum SmallKernels {
    /// `multiply` uses its own loops while `m * k * n` is at most this (13³), `cblas_dgemm`
    /// above.
    ///
    /// Measured on the reference machine (2-core AMD EPYC (Zen, AVX2), Debian 12, OpenBLAS
    /// 0.3.21 pthread build, Swift 6.3.1 release build): for square orders the loops win up to
    /// 13 (2x2: 11 ns against 105 ns, 12x12: 0.28 µs against 0.34 µs) and lose from 14 on
    /// (32x32: 5.1 µs against 2.4 µs), because the loops are limited to the baseline x86-64
    /// vector width while OpenBLAS dispatches to AVX2 with fused multiply-add. See
    /// docs/linear-algebra.md.
    @inlinable public static var multiplyCrossoverVolume: Int { 13 * 13 * 13 }

    /// `multiplyVector` uses its own loops while `m * n` is at most this (14²), `cblas_dgemv`
    /// above (measured as for ``multiplyCrossoverVolume``: 12x12 0.06 µs against 0.07 µs,
    /// 16x16 0.10 µs against 0.09 µs).
    @inlinable public static var multiplyVectorCrossoverArea: Int { 14 * 14 }

    /// ``LUFactorization`` and the free function `determinant(_:)` use ``luFactor(_:n:pivots:)`` up to this
    /// order and `LAPACKE_dgetrf` above (measured as for ``multiplyCrossoverVolume``: the
    /// unblocked loops win up to 72, by 10x at order 2 and 2x at order 32, because LAPACKE
    /// transposes row-major input and a `dgetrf` call costs 0.12 to 0.16 µs even at order 2).
    @inlinable public static var luCrossoverOrder: Int { 72 }

    // MARK: Products

    /// `c = a * b` for row-major `a` (`m x k`) and `b` (`k x n`), written to `c` (`m x n`),
    /// which must not overlap `a` or `b`.
    ///
    /// Plain loops while `m * k * n <= multiplyCrossoverVolume`, otherwise `cblas_dgemm`.
    /// With `k == 0` the result is all zeros.
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, k: Int, n: Int
    ) {
        if m * k * n <= multiplyCrossoverVolume {
            multiplyLoops(a, b, into: c, m: m, k: k, n: n)
        } else {
            blasMultiply(m: m, n: n, k: k, a, lda: k, b, ldb: n, c, ldc: n)
        }
    }

    /// `c = a * b` by plain loops whatever the size.
    ///
    /// Register-blocked: each 4x4 block of `c` is held in eight `SIMD2<Double>` accumulators
    /// (the baseline x86-64 target has 16 two-lane vector registers) while `p` runs over the
    /// shared dimension; edges fall back to one row or one column at a time. Every entry of
    /// `c` is the sum over `p` in increasing order, without fused multiply-add.
    @inlinable
    public static func multiplyLoops(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, k: Int, n: Int
    ) {
        typealias V = SIMD2<Double>
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
            var j = 0
            while j + 4 <= n {
                var c00 = V(), c01 = V(), c10 = V(), c11 = V()
                var c20 = V(), c21 = V(), c30 = V(), c31 = V()
                for p in 0..<k {
                    let bp = UnsafeRawPointer(b + p * n + j)
                    let b0 = bp.loadUnaligned(as: V.self)
                    let b1 = bp.loadUnaligned(fromByteOffset: 16, as: V.self)
                    let x0 = V(repeating: a0[p]), x1 = V(repeating: a1[p])
                    let x2 = V(repeating: a2[p]), x3 = V(repeating: a3[p])
                    c00 += x0 * b0; c01 += x0 * b1
                    c10 += x1 * b0; c11 += x1 * b1
                    c20 += x2 * b0; c21 += x2 * b1
                    c30 += x3 * b0; c31 += x3 * b1
                }
                let c0 = UnsafeMutableRawPointer(c + i * n + j)
                c0.storeBytes(of: c00, as: V.self); c0.storeBytes(of: c01, toByteOffset: 16, as: V.self)
                let c1 = c0 + 8 * n
                c1.storeBytes(of: c10, as: V.self); c1.storeBytes(of: c11, toByteOffset: 16, as: V.self)
                let c2 = c1 + 8 * n
                c2.storeBytes(of: c20, as: V.self); c2.storeBytes(of: c21, toByteOffset: 16, as: V.self)
                let c3 = c2 + 8 * n
                c3.storeBytes(of: c30, as: V.self); c3.storeBytes(of: c31, toByteOffset: 16, as: V.self)
                j += 4
            }
            while j < n {
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                for p in 0..<k {
                    let bpj = b[p * n + j]
                    s0 += a0[p] * bpj; s1 += a1[p] * bpj
                    s2 += a2[p] * bpj; s3 += a3[p] * bpj
                }
                c[i * n + j] = s0
                c[(i + 1) * n + j] = s1
                c[(i + 2) * n + j] = s2
                c[(i + 3) * n + j] = s3
                j += 1
            }
            i += 4
        }
        while i < m {
            let ai = a + i * k
            var j = 0
            while j + 4 <= n {
                var c0 = V(), c1 = V()
                for p in 0..<k {
                    let bp = UnsafeRawPointer(b + p * n + j)
                    let x = V(repeating: ai[p])
                    c0 += x * bp.loadUnaligned(as: V.self)
                    c1 += x * bp.loadUnaligned(fromByteOffset: 16, as: V.self)
                }
                let ci = UnsafeMutableRawPointer(c + i * n + j)
                ci.storeBytes(of: c0, as: V.self); ci.storeBytes(of: c1, toByteOffset: 16, as: V.self)
                j += 4
            }
            while j < n {
                var s = 0.0
                for p in 0..<k { s += ai[p] * b[p * n + j] }
                c[i * n + j] = s
                j += 1
            }
            i += 1
        }
    }

    /// `y = a * x` for row-major `a` (`m x n`); `y` (`m` entries) must not overlap `a` or `x`.
    ///
    /// Plain loops while `m * n <= multiplyVectorCrossoverArea`, otherwise `cblas_dgemv`. Each
    /// row's dot product sums in four interleaved partial sums.
    @inlinable
    public static func multiplyVector(
        _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
        m: Int, n: Int
    ) {
        if m * n > multiplyVectorCrossoverArea {
            blasMultiplyVector(m: m, n: n, a, lda: n, x, y)
            return
        }
        for i in 0..<m {
            y[i] = dot(a + i * n, x, count: n)
        }
    }

    /// `x · y` over `count` contiguous entries, summed in four interleaved partial sums.
    @inlinable
    public static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= count {
            s0 += x[j] * y[j]
            s1 += x[j + 1] * y[j + 1]
            s2 += x[j + 2] * y[j + 2]
            s3 += x[j + 3] * y[j + 3]
            j += 4
        }
        while j < count {
            s0 += x[j] * y[j]
            j += 1
        }
        return (s0 + s2) + (s1 + s3)
    }

    // MARK: LU factorisation

    /// Factors the `n x n` row-major `a` in place as `P a = L U` by Gaussian elimination with
    /// partial pivoting (the unblocked algorithm of LAPACK's `dgetf2`, same pivot choice: the
    /// first entry of largest magnitude).
    ///
    /// On return the strict lower triangle of `a` holds `L` (unit diagonal implied) and the
    /// upper triangle holds `U`. `pivots[j]` (0-based) is the row swapped with row `j` at
    /// step `j`, applied in order `j = 0, 1, ...`.
    ///
    /// - Returns: `false`, leaving `a` partly factored, as soon as a pivot is exactly zero
    ///   (the matrix is singular in floating point). A tiny nonzero pivot returns `true`: test
    ///   the conditioning separately where it matters.
    @inlinable
    public static func luFactor(_ a: UnsafeMutablePointer<Double>, n: Int, pivots: UnsafeMutablePointer<Int>) -> Bool {
        for j in 0..<n {
            var p = j
            var largest = abs(a[j * n + j])
            for i in (j + 1)..<n {
                let v = abs(a[i * n + j])
                if v > largest {
                    largest = v
                    p = i
                }
            }
            pivots[j] = p
            if largest == 0 { return false }
            let rowJ = a + j * n
            if p != j {
                let rowP = a + p * n
                for c in 0..<n {
                    let t = rowJ[c]
                    rowJ[c] = rowP[c]
                    rowP[c] = t
                }
            }
            let pivot = rowJ[j]
            for i in (j + 1)..<n {
                let rowI = a + i * n
                let l = rowI[j] / pivot
                rowI[j] = l
                if l != 0 {
                    for c in (j + 1)..<n {
                        rowI[c] -= l * rowJ[c]
                    }
                }
            }
        }
        return true
    }

    /// Solves `A x = b` in place in `b` (`n` entries) from the factors and pivots left by a
    /// successful `luFactor` of `A`: row interchanges, then forward substitution with the unit
    /// lower triangle, then back substitution with `U`. Backward stable in the sense of
    /// Gaussian elimination with partial pivoting.
    @inlinable
    public static func luSolve(_ lu: UnsafePointer<Double>, n: Int, pivots: UnsafePointer<Int>, _ b: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let p = pivots[j]
            if p != j {
                let t = b[j]
                b[j] = b[p]
                b[p] = t
            }
        }
        for i in 0..<n {
            b[i] -= dot(lu + i * n, b, count: i)
        }
        var i = n - 1
        while i >= 0 {
            let row = lu + i * n
            b[i] = (b[i] - dot(row + i + 1, b + i + 1, count: n - 1 - i)) / row[i]
            i -= 1
        }
    }

    /// Solves `A x = b` in place in `b` for the `n x n` row-major `a`, which is overwritten
    /// (by its LU factors when `n >= 3`). Closed forms for `n == 1` and `n == 2` (Cramer's rule
    /// with accurate 2x2 determinants, see `solve2`), `luFactor` + `luSolve` above.
    ///
    /// - Returns: `false` when `a` is exactly singular (a zero pivot, or a zero determinant
    ///   for `n == 2`); `b` is then unspecified.
    @inlinable
    public static func solve(
        _ a: UnsafeMutablePointer<Double>, n: Int, pivots: UnsafeMutablePointer<Int>,
        _ b: UnsafeMutablePointer<Double>
    ) -> Bool {
        switch n {
        case 0:
            return true
        case 1:
            if a[0] == 0 { return false }
            b[0] /= a[0]
            return true
        case 2:
            return solve2(a, b)
        default:
            guard luFactor(a, n: n, pivots: pivots) else { return false }
            luSolve(a, n: n, pivots: pivots, b)
            return true
        }
    }

    // MARK: Determinants and closed forms

    /// Determinant of the `n x n` row-major `a` (left unchanged). Closed forms for `n <= 2`;
    /// otherwise `a` is copied into `scratch` (`n * n` entries) and factored with `luFactor`
    /// into `scratch` and `pivots` (`n` entries). Exactly 0 when a pivot is exactly zero; the
    /// product of pivots may overflow or underflow for large orders.
    @inlinable
    public static func determinant(
        _ a: UnsafePointer<Double>, n: Int,
        scratch: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
    ) -> Double {
        switch n {
        case 0: return 1
        case 1: return a[0]
        case 2: return determinant2(a)
        default:
            scratch.update(from: a, count: n * n)
            guard luFactor(scratch, n: n, pivots: pivots) else { return 0 }
            var d = 1.0
            for j in 0..<n {
                d *= scratch[j * n + j]
                if pivots[j] != j { d = -d }
            }
            return d
        }
    }

    /// `p * q - r * s` with one rounding error's accuracy (Kahan's algorithm with fused
    /// multiply-add): no catastrophic cancellation when the two products nearly agree.
    @inlinable
    public static func differenceOfProducts(_ p: Double, _ q: Double, _ r: Double, _ s: Double) -> Double {
        let w = r * s
        let e = w.addingProduct(-r, s)  // w - r*s: the rounding error of w, exact
        let f = (-w).addingProduct(p, q) // p*q - w, rounded once
        return f + e
    }

    /// Determinant of the 2x2 row-major `a`: `a00 a11 - a01 a10`, accurate to within a couple
    /// of units in the last place (see `differenceOfProducts`).
    @inlinable
    public static func determinant2(_ a: UnsafePointer<Double>) -> Double {
        differenceOfProducts(a[0], a[3], a[1], a[2])
    }

    /// Solves the 2x2 system `a x = b` in place in `b` by Cramer's rule, each 2x2 determinant
    /// formed with `differenceOfProducts`. For order 2 Cramer's rule is forward stable (errors
    /// of the size of the condition number times unit roundoff, as for pivoted elimination).
    ///
    /// - Returns: `false`, leaving `b` unchanged, when the determinant is exactly zero.
    @inlinable
    public static func solve2(_ a: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) -> Bool {
        let d = determinant2(a)
        if d == 0 { return false }
        let x0 = differenceOfProducts(b[0], a[3], a[1], b[1]) / d
        let x1 = differenceOfProducts(a[0], b[1], b[0], a[2]) / d
        b[0] = x0
        b[1] = x1
        return true
    }
}
