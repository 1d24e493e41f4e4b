/// Small vector helpers for the manifold code (plain loops: the vectors are short and the
/// calls many, so BLAS's call overhead would dominate).
enum Vec {
    @inline(__always) static func sub(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = a
        for i in out.indices { out[i] -= b[i] }
        return out
    }

    @inline(__always) static func add(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = a
        for i in out.indices { out[i] += b[i] }
        return out
    }

    /// a + s b
    @inline(__always) static func axpy(_ a: [Double], _ s: Double, _ b: [Double]) -> [Double] {
        var out = a
        for i in out.indices { out[i] += s * b[i] }
        return out
    }

    @inline(__always) static func scale(_ a: [Double], _ s: Double) -> [Double] { a.map { $0 * s } }

    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    @inline(__always) static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    @inline(__always) static func distanceSquared(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
        return s
    }

    @inline(__always) static func distance(_ a: [Double], _ b: [Double]) -> Double { distanceSquared(a, b).squareRoot() }

    static func normalized(_ a: [Double]) -> [Double] {
        let n = norm(a)
        return n > 0 ? scale(a, 1 / n) : a
    }

    /// Orthonormalizes `vectors` by modified Gram-Schmidt (twice, for accuracy); drops vectors
    /// that are (numerically) in the span of the previous ones.
    static func orthonormalize(_ vectors: [[Double]], tolerance: Double = 1e-10) -> [[Double]] {
        var out: [[Double]] = []
        for v in vectors {
            var w = v
            let original = norm(v)
            for _ in 0..<2 {
                for q in out { w = axpy(w, -dot(w, q), q) }
            }
            let n = norm(w)
            if n > tolerance * max(original, 1e-300) && n > 0 { out.append(scale(w, 1 / n)) }
        }
        return out
    }
}

/// An axis-aligned box: the region of state space a manifold is computed in.
public struct Box: Sendable, Equatable {
    public var lower: [Double]
    public var upper: [Double]

    public init(lower: [Double], upper: [Double]) {
        precondition(lower.count == upper.count)
        self.lower = lower
        self.upper = upper
    }

    public var dimension: Int { lower.count }

    public func contains(_ z: [Double]) -> Bool {
        for i in z.indices where !(z[i] >= lower[i] && z[i] <= upper[i]) { return false }
        return true
    }

    /// The length of the diagonal.
    public var diagonal: Double {
        var s = 0.0
        for i in lower.indices { s += (upper[i] - lower[i]) * (upper[i] - lower[i]) }
        return s.squareRoot()
    }

    /// The box grown by `fraction` of each side on both ends.
    public func grown(by fraction: Double) -> Box {
        Box(lower: zip(lower, upper).map { $0 - fraction * ($1 - $0) }, upper: zip(lower, upper).map { $1 + fraction * ($1 - $0) })
    }

    /// The smallest side.
    public var smallestSide: Double { zip(lower, upper).map { $1 - $0 }.min() ?? 0 }

    /// The part of the segment a + t (b - a), t in [0, 1], inside the box, as parameters
    /// (t0, t1), or nil when the segment misses the box (Liang-Barsky clipping).
    public func clip(_ a: [Double], _ b: [Double]) -> (Double, Double)? {
        var t0 = 0.0, t1 = 1.0
        for i in a.indices {
            let d = b[i] - a[i]
            if d == 0 {
                if a[i] < lower[i] || a[i] > upper[i] { return nil }
                continue
            }
            var ta = (lower[i] - a[i]) / d, tb = (upper[i] - a[i]) / d
            if ta > tb { swap(&ta, &tb) }
            t0 = max(t0, ta)
            t1 = min(t1, tb)
            if t0 > t1 { return nil }
        }
        return (t0, t1)
    }

    /// The default box for a manifold: the bounding box of the saddle and the given points
    /// (the model's cycles), enlarged on every side by the larger of its side length and
    /// 1 + half the largest coordinate magnitude.
    public static func around(_ points: [[Double]]) -> Box {
        precondition(!points.isEmpty)
        let m = points[0].count
        var lo = points[0], hi = points[0]
        var largest = 0.0
        for p in points {
            for i in 0..<m {
                lo[i] = min(lo[i], p[i])
                hi[i] = max(hi[i], p[i])
                largest = max(largest, abs(p[i]))
            }
        }
        let floor = 1 + 0.5 * largest
        for i in 0..<m {
            let margin = max(hi[i] - lo[i], floor)
            lo[i] -= margin
            hi[i] += margin
        }
        return Box(lower: lo, upper: hi)
    }
    /// The default box from the dynamics: `start` (the box around the cycles) joined with the
    /// bounding box of the orbits of `samples` random points of `start` (stream 0xB0C5 of the
    /// seed), `steps` steps each; orbits that leave the ball of radius `cap` (relative: cap times
    /// 1 + the largest coordinate magnitude of `start`) are left out (they diverge). The result
    /// is enlarged by 10% of each side.
    public static func fromTrajectories(_ start: Box, form: ShallowForm, samples: Int = 200, steps: Int = 1000, cap: Double = 20,
                                        seed: UInt64 = 0) -> Box {
        let m = start.dimension
        var lo = start.lower, hi = start.upper
        let largest = zip(start.lower, start.upper).map { max(abs($0), abs($1)) }.max() ?? 0
        let limit = cap * (1 + largest)
        var rng = SeededGenerator(seed: seed, stream: 0xB0C5)
        var orbit = [Double](repeating: 0, count: m * (steps + 1))
        for _ in 0..<samples {
            var x = (0..<m).map { start.lower[$0] + rng.uniform() * (start.upper[$0] - start.lower[$0]) }
            var bounded = true
            for t in 0...steps {
                if t > 0 { x = form(x) }
                if !x.allSatisfy({ $0.isFinite && abs($0) <= limit }) { bounded = false; break }
                for j in 0..<m { orbit[t * m + j] = x[j] }
            }
            guard bounded else { continue }
            for t in 0...steps {
                for j in 0..<m { lo[j] = min(lo[j], orbit[t * m + j]); hi[j] = max(hi[j], orbit[t * m + j]) }
            }
        }
        for j in 0..<m {
            let margin = 0.1 * (hi[j] - lo[j])
            lo[j] -= margin
            hi[j] += margin
        }
        return Box(lower: lo, upper: hi)
    }
}
