import LinearAlgebra

// Over 400 lines on purpose: one class, the hot loop of every cycle search, whose buffers and
// region cache are shared by all its methods; split, they would have to be exposed.

/// The inner loop of every cycle search: for a region sequence d_0..d_{k-1}, the candidate
/// z = (I - P)^-1 q of F^k restricted to those regions, and the regions its orbit really visits.
///
/// With z_{j+1} = J_{d_j} z_j + c_{d_j}, the composition is P_j = J_{d_{j-1}} ... J_{d_0} and
/// q_j = J_{d_{j-1}} q_{j-1} + c_{d_{j-1}}; the candidate solves (I - P_k) z = q_k. The
/// prefix products P_j, q_j are kept, so a sequence that shares its first p regions with the
/// previous one costs only k - p products. Jacobians and offsets are cached per region code
/// (a direct table for up to 2^20 codes, a dictionary for other single-word codes). All
/// buffers are allocated once per order: nothing is allocated per candidate.
final class CandidateEvaluator {
    enum Outcome { case real, virtual, singular }

    let form: ShallowForm
    let m: Int
    let h: Int
    /// Words per region code.
    let w: Int
    private(set) var order = 0
    private let closureTolerance: Double

    // The model, copied into raw storage.
    private let a: UnsafeMutablePointer<Double>
    private let w1: UnsafeMutablePointer<Double>
    private let n: UnsafeMutablePointer<Double>
    private let b: UnsafeMutablePointer<Double>
    private let h1: UnsafeMutablePointer<Double>
    private let selectorOffset: Int?

    /// The sequence under evaluation, k codes of w words.
    private(set) var sequence: UnsafeMutablePointer<UInt64>
    /// The regions the candidate's orbit visits (filled by `evaluate`).
    private(set) var visited: UnsafeMutablePointer<UInt64>
    /// The orbit z_0..z_k ((k+1) x m); z_0 is the candidate.
    private(set) var orbit: UnsafeMutablePointer<Double>
    private var computed: UnsafeMutablePointer<UInt64>
    private var validPrefix = 0
    private var prefixP: UnsafeMutablePointer<Double>
    private var prefixQ: UnsafeMutablePointer<Double>
    private let jacobian: UnsafeMutablePointer<Double>
    private let system: UnsafeMutablePointer<Double>
    private let pivots: UnsafeMutablePointer<Int>
    private let scratch: UnsafeMutablePointer<Double>
    /// A state and its image, for trajectories.
    private let state: UnsafeMutablePointer<Double>
    private let image: UnsafeMutablePointer<Double>
    private let stateCode: UnsafeMutablePointer<UInt64>

    // Region cache: slot of each code's J_d (m x m) and c_d (m) in `cached`.
    private var table: UnsafeMutablePointer<Int32>?
    private var dictionary: [UInt64: Int32] = [:]
    private var cached: UnsafeMutablePointer<Double>
    private var cachedCount = 0
    private let cacheCapacity: Int

    /// Counters for the statistics.
    var candidatesEvaluated = 0
    var singularSystems = 0
    /// Region steps composed into prefix products (one m x m product each); the rest of a
    /// candidate's cost is one solve and k steps of F.
    var productsComputed = 0

    init(form: ShallowForm, closureTolerance: Double) {
        self.form = form
        m = form.dimension
        h = form.hiddenCount
        w = RegionCode.wordCount(form.hiddenCount)
        self.closureTolerance = closureTolerance
        selectorOffset = form.selectorOffset
        func copy(_ values: [Double]) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
            p.initialize(repeating: 0, count: max(values.count, 1))
            for i in values.indices { p[i] = values[i] }
            return p
        }
        a = copy(form.A)
        w1 = copy(form.W1)
        n = copy(form.N)
        b = copy(form.b)
        h1 = copy(form.h1)
        // J_d followed by c_d, for regions that are not cached.
        jacobian = copy([Double](repeating: 0, count: m * m + m))
        system = copy([Double](repeating: 0, count: m * m))
        scratch = copy([Double](repeating: 0, count: h))
        state = copy([Double](repeating: 0, count: m))
        image = copy([Double](repeating: 0, count: m))
        pivots = .allocate(capacity: max(m, 1))
        stateCode = .allocate(capacity: max(w, 1))
        sequence = .allocate(capacity: 1)
        visited = .allocate(capacity: 1)
        computed = .allocate(capacity: 1)
        orbit = .allocate(capacity: 1)
        prefixP = .allocate(capacity: 1)
        prefixQ = .allocate(capacity: 1)
        // At most ~64 MB of cached regions; single-word codes only.
        cacheCapacity = w == 1 ? min(1 << 20, max(16, (8 << 20) / (m * m + m))) : 0
        cached = .allocate(capacity: max(cacheCapacity * (m * m + m), 1))
        if w == 1 && h <= 20 {
            table = .allocate(capacity: 1 << h)
            table!.initialize(repeating: -1, count: 1 << h)
        }
    }

    deinit {
        for p in [a, w1, n, b, h1, jacobian, system, scratch, state, image, orbit, prefixP, prefixQ, cached] {
            p.deallocate()
        }
        pivots.deallocate()
        table?.deallocate()
        stateCode.deallocate()
        sequence.deallocate()
        visited.deallocate()
        computed.deallocate()
    }

    /// Prepares the buffers for cycles of order k.
    func setOrder(_ k: Int) {
        guard k != order else { validPrefix = 0; return }
        order = k
        for p in [sequence, visited, computed] { p.deallocate() }
        for p in [orbit, prefixP, prefixQ] { p.deallocate() }
        sequence = .allocate(capacity: k * w)
        sequence.initialize(repeating: 0, count: k * w)
        visited = .allocate(capacity: k * w)
        visited.initialize(repeating: 0, count: k * w)
        computed = .allocate(capacity: k * w)
        computed.initialize(repeating: 0, count: k * w)
        orbit = .allocate(capacity: (k + 1) * m)
        orbit.initialize(repeating: 0, count: (k + 1) * m)
        prefixP = .allocate(capacity: (k + 1) * m * m)
        prefixP.initialize(repeating: 0, count: (k + 1) * m * m)
        prefixQ = .allocate(capacity: (k + 1) * m)
        prefixQ.initialize(repeating: 0, count: (k + 1) * m)
        for i in 0..<m { prefixP[i * m + i] = 1 }
        validPrefix = 0
    }

    // MARK: Sequences

    /// Sets region j of the sequence.
    @inline(__always)
    func setRegion(_ j: Int, words: UnsafePointer<UInt64>) {
        for i in 0..<w { sequence[j * w + i] = words[i] }
    }

    func setRegion(_ j: Int, _ code: RegionCode) {
        for i in 0..<w { sequence[j * w + i] = code.words[i] }
    }

    /// Replaces the sequence by the regions the last candidate visited.
    func jumpToVisited() {
        sequence.update(from: visited, count: order * w)
    }

    /// Whether the last candidate visited exactly the sequence.
    var visitedIsSequence: Bool {
        for i in 0..<(order * w) where visited[i] != sequence[i] { return false }
        return true
    }

    /// A hash of the visited regions (FNV-1a over the words), to notice when the jumps from
    /// virtual candidates run in a loop.
    var visitedHash: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<(order * w) { hash = (hash ^ visited[i]) &* 0x100_0000_01B3 }
        return hash
    }

    /// The sequence as an array of words.
    var sequenceWords: [UInt64] { Array(UnsafeBufferPointer(start: sequence, count: order * w)) }

    /// The region of z_j of the last orbit, as a code.
    func orbitPoint(_ j: Int) -> [Double] { Array(UnsafeBufferPointer(start: orbit + j * m, count: m)) }

    // MARK: Regions

    /// A pointer to J_d (m x m) followed by c_d (m) for the code at `words`; `jacobian` when the
    /// region cannot be cached.
    @inline(__always)
    private func region(_ words: UnsafePointer<UInt64>) -> UnsafePointer<Double> {
        let stride = m * m + m
        if cacheCapacity > 0 {
            let key = words[0]
            if let table {
                let slot = table[Int(truncatingIfNeeded: key)]
                if slot >= 0 { return UnsafePointer(cached + Int(slot) &* stride) }
            } else if let slot = dictionary[key] {
                return UnsafePointer(cached + Int(slot) &* stride)
            }
            if cachedCount < cacheCapacity {
                let target = cached + cachedCount * stride
                build(words, jacobian: target, offset: target + m * m)
                if let table { table[Int(key)] = Int32(cachedCount) } else { dictionary[key] = Int32(cachedCount) }
                cachedCount += 1
                return UnsafePointer(target)
            }
        }
        build(words, jacobian: jacobian, offset: jacobian + m * m)
        return UnsafePointer(jacobian)
    }

    /// J_d = A + W1 diag(d) N and c_d = h1 + W1 diag(d) b.
    private func build(_ words: UnsafePointer<UInt64>, jacobian j: UnsafeMutablePointer<Double>,
                       offset c: UnsafeMutablePointer<Double>) {
        for i in 0..<(m * m) { j[i] = a[i] }
        for i in 0..<m { c[i] = h1[i] }
        for k in 0..<h where (words[k >> 6] >> UInt64(k & 63)) & 1 == 1 {
            if let offset = selectorOffset {
                let column = offset + k
                for r in 0..<m { j[r * m + column] += w1[r * h + k] }
            } else {
                let bk = b[k]
                for r in 0..<m {
                    let weight = w1[r * h + k]
                    if weight == 0 { continue }
                    for col in 0..<m { j[r * m + col] += weight * n[k * m + col] }
                    c[r] += weight * bk
                }
            }
        }
    }

    /// out = F(z), and the region of z into `code`.
    @inline(__always)
    func step(_ z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, code: UnsafeMutablePointer<UInt64>) {
        if m == 2 && h == 2 && selectorOffset == 0 {
            // 2D PLRNN: unrolled.
            let z0 = z[0], z1 = z[1]
            let r0 = z0 > 0 ? z0 : 0, r1 = z1 > 0 ? z1 : 0
            code[0] = (z0 > 0 ? 1 : 0) | (z1 > 0 ? 2 : 0)
            out[0] = h1[0] + a[0] * z0 + a[1] * z1 + w1[0] * r0 + w1[1] * r1
            out[1] = h1[1] + a[2] * z0 + a[3] * z1 + w1[2] * r0 + w1[3] * r1
            return
        }
        for i in 0..<w { code[i] = 0 }
        for k in 0..<h {
            var u: Double
            if let offset = selectorOffset {
                u = z[offset + k]
            } else {
                u = b[k]
                for j in 0..<m { u += n[k * m + j] * z[j] }
            }
            if u > 0 {
                code[k >> 6] |= 1 << UInt64(k & 63)
                scratch[k] = u
            } else {
                scratch[k] = 0
            }
        }
        for i in 0..<m {
            var value = h1[i]
            for j in 0..<m { value += a[i * m + j] * z[j] }
            for k in 0..<h { value += w1[i * h + k] * scratch[k] }
            out[i] = value
        }
    }

    // MARK: Trajectories

    /// Fills the sequence with the regions of F^t(z0), ..., F^{t+k-1}(z0) after a transient of
    /// t steps; false if the orbit leaves every bound.
    func sequenceFromTrajectory(start z0: [Double], transient t: Int) -> Bool {
        for i in 0..<m { state[i] = z0[i] }
        for s in 0..<(t + order) {
            step(state, into: image, code: stateCode)
            if s >= t { for i in 0..<w { sequence[(s - t) * w + i] = stateCode[i] } }
            var bounded = true
            for i in 0..<m {
                let v = image[i]
                if !(abs(v) < 1e100) { bounded = false }
                state[i] = v
            }
            if !bounded { return false }
        }
        return true
    }

    // MARK: Candidates

    /// Solves for the candidate of the sequence, iterates it k steps, and reports whether it is
    /// a real cycle (visits exactly the sequence and closes), virtual (visits other regions;
    /// they are in `visited`), or singular (I - P not invertible, or the candidate not finite).
    func evaluate() -> Outcome {
        candidatesEvaluated += 1
        let k = order, mm = m * m
        var start = 0
        while start < validPrefix {
            var same = true
            for i in 0..<w where sequence[start * w + i] != computed[start * w + i] { same = false; break }
            if !same { break }
            start += 1
        }
        productsComputed &+= k - start
        if m == 2 && w == 1 && start < k {
            // 2x2: unrolled, with the running product in registers (reloading it from the
            // prefix store would put a store-to-load round trip on the dependency chain).
            var (p00, p01, p10, p11) = (prefixP[start * 4], prefixP[start * 4 + 1], prefixP[start * 4 + 2], prefixP[start * 4 + 3])
            var (q0, q1) = (prefixQ[start * 2], prefixQ[start * 2 + 1])
            for j in start..<k {
                let region = region(UnsafePointer(sequence + j))
                let (j00, j01, j10, j11) = (region[0], region[1], region[2], region[3])
                let n00 = j00 * p00 + j01 * p10, n01 = j00 * p01 + j01 * p11
                let n10 = j10 * p00 + j11 * p10, n11 = j10 * p01 + j11 * p11
                let r0 = region[4] + j00 * q0 + j01 * q1, r1 = region[5] + j10 * q0 + j11 * q1
                (p00, p01, p10, p11, q0, q1) = (n00, n01, n10, n11, r0, r1)
                let next = prefixP + (j &+ 1) &* 4, nextQ = prefixQ + (j &+ 1) &* 2
                next[0] = n00; next[1] = n01; next[2] = n10; next[3] = n11
                nextQ[0] = r0; nextQ[1] = r1
                computed[j] = sequence[j]
            }
        } else {
            for j in start..<k {
                let words = UnsafePointer(sequence + j * w)
                let region = region(words)
                let p = prefixP + j * mm, next = prefixP + (j + 1) * mm
                let q = prefixQ + j * m, nextQ = prefixQ + (j + 1) * m
                if m <= 8 {
                    for r in 0..<m {
                        for c in 0..<m {
                            var s = 0.0
                            for l in 0..<m { s += region[r * m + l] * p[l * m + c] }
                            next[r * m + c] = s
                        }
                    }
                } else {
                    SmallKernels.multiply(region, p, into: next, m: m, k: m, n: m)
                }
                let c = region + mm
                for r in 0..<m {
                    var value = c[r]
                    for l in 0..<m { value += region[r * m + l] * q[l] }
                    nextQ[r] = value
                }
                for i in 0..<w { computed[j * w + i] = sequence[j * w + i] }
            }
        }
        validPrefix = k
        // (I - P_k) z = q_k
        let pk = prefixP + k * mm
        for i in 0..<mm { system[i] = -pk[i] }
        for i in 0..<m {
            system[i * m + i] += 1
            orbit[i] = prefixQ[k * m + i]
        }
        guard SmallKernels.solve(system, n: m, pivots: pivots, orbit) else {
            singularSystems += 1
            return .singular
        }
        for i in 0..<m where !orbit[i].isFinite {
            singularSystems += 1
            return .singular
        }
        if m == 2 && h == 2 && selectorOffset == 0 {
            // 2D PLRNN: the orbit with the parameters in registers.
            let (a00, a01, a10, a11) = (a[0], a[1], a[2], a[3])
            let (b00, b01, b10, b11) = (w1[0], w1[1], w1[2], w1[3])
            let (c0, c1) = (h1[0], h1[1])
            var z0 = orbit[0], z1 = orbit[1]
            var same = true
            for j in 0..<k {
                let r0 = z0 > 0 ? z0 : 0, r1 = z1 > 0 ? z1 : 0
                let code: UInt64 = (z0 > 0 ? 1 : 0) | (z1 > 0 ? 2 : 0)
                visited[j] = code
                if code != sequence[j] { same = false }
                let n0 = c0 + a00 * z0 + a01 * z1 + b00 * r0 + b01 * r1
                let n1 = c1 + a10 * z0 + a11 * z1 + b10 * r0 + b11 * r1
                z0 = n0
                z1 = n1
                orbit[2 &* (j &+ 1)] = n0
                orbit[2 &* (j &+ 1) &+ 1] = n1
            }
            if !same { return .virtual }
        } else {
            for j in 0..<k {
                step(orbit + j * m, into: orbit + (j + 1) * m, code: visited + j * w)
            }
            if !visitedIsSequence { return .virtual }
        }
        var d2 = 0.0, n2 = 0.0
        for i in 0..<m {
            let d = orbit[k * m + i] - orbit[i]
            d2 += d * d
            n2 += orbit[i] * orbit[i]
        }
        return d2.squareRoot() <= closureTolerance * (1 + n2.squareRoot()) ? .real : .virtual
    }

    /// P_k, the Jacobian product of the last evaluated sequence (m x m, row-major).
    var product: [Double] { Array(UnsafeBufferPointer(start: prefixP + order * m * m, count: m * m)) }

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
