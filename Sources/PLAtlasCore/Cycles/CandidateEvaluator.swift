import LinearAlgebra

/// The inner loop of every cycle search: for a region sequence d_0..d_{k-1}, the candidate
/// z = (I - P)^-1 q of F^k restricted to those regions, and the regions its orbit really visits.
///
/// With z_{j+1} = J_{d_j} z_j + c_{d_j}, the composition is P_j = J_{d_{j-1}} ... J_{d_0} and
/// q_j = J_{d_{j-1}} q_{j-1} + c_{d_{j-1}}; the candidate solves (I - P_k) z = q_k. The
/// prefix products P_j, q_j are kept, so a sequence that shares its first p regions with the
/// previous one costs only k - p products. Jacobians and offsets of up to `cacheLimit` regions
/// are cached (models with at most 64 units). Nothing is allocated per candidate.
final class CandidateEvaluator {
    enum Outcome { case real, virtual, singular }

    let form: ShallowForm
    let m: Int
    let h: Int
    /// Words per region code.
    let w: Int
    private(set) var order = 0

    /// The sequence under evaluation, k codes of w words.
    var sequence: [UInt64] = []
    /// The regions the candidate's orbit visits (filled by `evaluate`).
    var visited: [UInt64] = []
    /// The orbit z_0..z_k ((k+1) x m); z_0 is the candidate.
    var orbit: [Double] = []
    /// How far the prefix products agree with `sequence`.
    private var validPrefix = 0
    private var computedSequence: [UInt64] = []
    private var prefixP: [Double] = []
    private var prefixQ: [Double] = []
    private var jacobian: [Double]
    private var offsetVector: [Double]
    private var system: [Double]
    private var pivots: [Int]
    private var scratch: [Double]
    private let closureTolerance: Double

    // Cache of J_d and c_d by code (single-word codes only).
    private var cacheIndex: [UInt64: Int] = [:]
    private var cachedJacobians: [Double] = []
    private var cachedOffsets: [Double] = []
    private let cacheLimit: Int

    /// Counters for the statistics.
    var candidatesEvaluated = 0
    var singularSystems = 0

    init(form: ShallowForm, closureTolerance: Double) {
        self.form = form
        self.m = form.dimension
        self.h = form.hiddenCount
        self.w = RegionCode.wordCount(form.hiddenCount)
        self.closureTolerance = closureTolerance
        jacobian = [Double](repeating: 0, count: m * m)
        offsetVector = [Double](repeating: 0, count: m)
        system = [Double](repeating: 0, count: m * m)
        pivots = [Int](repeating: 0, count: m)
        scratch = [Double](repeating: 0, count: max(h, 1))
        // At most ~64 MB of cached Jacobians, and no cache for multi-word codes.
        cacheLimit = w == 1 ? min(1 << 16, max(16, (8 << 20) / max(1, m * m + m))) : 0
    }

    /// Prepares the buffers for cycles of order k.
    func setOrder(_ k: Int) {
        order = k
        sequence = [UInt64](repeating: 0, count: k * w)
        visited = sequence
        computedSequence = sequence
        orbit = [Double](repeating: 0, count: (k + 1) * m)
        prefixP = [Double](repeating: 0, count: (k + 1) * m * m)
        prefixQ = [Double](repeating: 0, count: (k + 1) * m)
        for i in 0..<m { prefixP[i * m + i] = 1 }
        validPrefix = 0
    }

    // MARK: Regions

    /// J_d and c_d of the code at `words` into `jacobian` / `offsetVector`.
    private func loadRegion(_ words: UnsafePointer<UInt64>) {
        if cacheLimit > 0, let slot = cacheIndex[words[0]] {
            jacobian.withUnsafeMutableBufferPointer { j in
                cachedJacobians.withUnsafeBufferPointer { c in
                    for i in 0..<(m * m) { j[i] = c[slot * m * m + i] }
                }
            }
            offsetVector.withUnsafeMutableBufferPointer { o in
                cachedOffsets.withUnsafeBufferPointer { c in
                    for i in 0..<m { o[i] = c[slot * m + i] }
                }
            }
            return
        }
        form.A.withUnsafeBufferPointer { a in
            form.W1.withUnsafeBufferPointer { w1 in
                form.N.withUnsafeBufferPointer { n in
                    jacobian.withUnsafeMutableBufferPointer { j in
                        offsetVector.withUnsafeMutableBufferPointer { c in
                            for i in 0..<(m * m) { j[i] = a[i] }
                            for i in 0..<m { c[i] = form.h1[i] }
                            for k in 0..<h where (words[k >> 6] >> UInt64(k & 63)) & 1 == 1 {
                                if let offset = form.selectorOffset {
                                    let column = offset + k
                                    for r in 0..<m { j[r * m + column] += w1[r * h + k] }
                                } else {
                                    let bk = form.b[k]
                                    for r in 0..<m {
                                        let weight = w1[r * h + k]
                                        if weight == 0 { continue }
                                        for col in 0..<m { j[r * m + col] += weight * n[k * m + col] }
                                        c[r] += weight * bk
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if cacheLimit > 0, cacheIndex.count < cacheLimit {
            cacheIndex[words[0]] = cacheIndex.count
            cachedJacobians.append(contentsOf: jacobian)
            cachedOffsets.append(contentsOf: offsetVector)
        }
    }

    /// z' = F(z) and the region of z, for the point at `z`, writing the image to `out` and the
    /// region's words to `code`.
    @inline(__always)
    private func step(_ z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                      code: UnsafeMutablePointer<UInt64>, scratch s: UnsafeMutablePointer<Double>) {
        for i in 0..<w { code[i] = 0 }
        form.N.withUnsafeBufferPointer { n in
            for k in 0..<h {
                var u: Double
                if let offset = form.selectorOffset {
                    u = z[offset + k]
                } else {
                    u = form.b[k]
                    for j in 0..<m { u += n[k * m + j] * z[j] }
                }
                if u > 0 {
                    code[k >> 6] |= 1 << UInt64(k & 63)
                    s[k] = u
                } else {
                    s[k] = 0
                }
            }
        }
        form.A.withUnsafeBufferPointer { a in
            form.W1.withUnsafeBufferPointer { w1 in
                for i in 0..<m {
                    var value = form.h1[i]
                    for j in 0..<m { value += a[i * m + j] * z[j] }
                    for k in 0..<h { value += w1[i * h + k] * s[k] }
                    out[i] = value
                }
            }
        }
    }

    // MARK: Candidates

    /// Solves for the candidate of `sequence`, iterates it k steps, and reports whether it is a
    /// real cycle (visits exactly `sequence` and closes), virtual (visits other regions; they
    /// are in `visited`), or singular (I - P not invertible, or the candidate not finite).
    func evaluate() -> Outcome {
        candidatesEvaluated += 1
        let k = order, mm = m * m
        // First position where the sequence differs from the one the prefixes were built for.
        var start = 0
        sequence.withUnsafeBufferPointer { s in
            computedSequence.withUnsafeBufferPointer { c in
                while start < validPrefix {
                    var same = true
                    for i in 0..<w where s[start * w + i] != c[start * w + i] { same = false; break }
                    if !same { break }
                    start += 1
                }
            }
        }
        for j in start..<k {
            sequence.withUnsafeBufferPointer { s in loadRegion(s.baseAddress! + j * w) }
            prefixP.withUnsafeMutableBufferPointer { p in
                jacobian.withUnsafeBufferPointer { jac in
                    SmallKernels.multiply(jac.baseAddress!, p.baseAddress! + j * mm, into: p.baseAddress! + (j + 1) * mm,
                                          m: m, k: m, n: m)
                }
            }
            prefixQ.withUnsafeMutableBufferPointer { q in
                jacobian.withUnsafeBufferPointer { jac in
                    for r in 0..<m {
                        var value = offsetVector[r]
                        for c in 0..<m { value += jac[r * m + c] * q[j * m + c] }
                        q[(j + 1) * m + r] = value
                    }
                }
            }
            for i in 0..<w { computedSequence[j * w + i] = sequence[j * w + i] }
        }
        validPrefix = k
        // (I - P_k) z = q_k
        let solved = system.withUnsafeMutableBufferPointer { a -> Bool in
            prefixP.withUnsafeBufferPointer { p in
                for i in 0..<mm { a[i] = -p[k * mm + i] }
            }
            for i in 0..<m { a[i * m + i] += 1 }
            return pivots.withUnsafeMutableBufferPointer { piv in
                orbit.withUnsafeMutableBufferPointer { z in
                    for i in 0..<m { z[i] = prefixQ[k * m + i] }
                    return SmallKernels.solve(a.baseAddress!, n: m, pivots: piv.baseAddress!, z.baseAddress!)
                }
            }
        }
        if !solved {
            singularSystems += 1
            return .singular
        }
        var finite = true
        for i in 0..<m where !orbit[i].isFinite { finite = false }
        if !finite {
            singularSystems += 1
            return .singular
        }
        orbit.withUnsafeMutableBufferPointer { z in
            visited.withUnsafeMutableBufferPointer { v in
                scratch.withUnsafeMutableBufferPointer { s in
                    for j in 0..<k {
                        step(z.baseAddress! + j * m, into: z.baseAddress! + (j + 1) * m, code: v.baseAddress! + j * w,
                             scratch: s.baseAddress!)
                    }
                }
            }
        }
        if visited != sequence { return .virtual }
        var d2 = 0.0, n2 = 0.0
        for i in 0..<m {
            let d = orbit[k * m + i] - orbit[i]
            d2 += d * d
            n2 += orbit[i] * orbit[i]
        }
        return d2.squareRoot() <= closureTolerance * (1 + n2.squareRoot()) ? .real : .virtual
    }

    /// P_k, the Jacobian product of the last evaluated sequence (m x m, row-major).
    var product: [Double] { Array(prefixP[(order * m * m)..<((order + 1) * m * m)]) }

    /// The worst relative closure error over the orbit of the last real candidate:
    /// max_j ||F(z_j) - z_{j+1 mod k}|| / (1 + ||z_{j+1 mod k}||).
    func residual() -> Double {
        let k = order
        var worst = 0.0
        for j in 0..<k {
            let next = (j + 1) % k
            var d2 = 0.0, n2 = 0.0
            for i in 0..<m {
                let d = orbit[(j + 1) * m + i] - orbit[next * m + i]
                d2 += d * d
                n2 += orbit[next * m + i] * orbit[next * m + i]
            }
            worst = max(worst, d2.squareRoot() / (1 + n2.squareRoot()))
        }
        return worst
    }
}
