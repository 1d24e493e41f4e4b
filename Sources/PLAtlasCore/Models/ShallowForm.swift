import LinearAlgebra

/// The generic shallow form every supported model reduces to:
///
///     F(z) = A z + W1 relu(N z + b) + h1      A: MxM, W1: MxH, N: HxM, b: H, h1: M
///
/// In the region d = 1[N z + b > 0] the map is affine, F(z) = J_d z + c_d with
/// J_d = A + W1 diag(d) N and c_d = h1 + W1 diag(d) b. All matrices are row-major.
/// A point exactly on a boundary (N_i z + b_i = 0) belongs to the region with unit i off;
/// F is continuous, so both sides give the same image there.
public struct ShallowForm: Sendable, Equatable {
    /// M, the state dimension.
    public let dimension: Int
    /// H, the number of hidden units (hyperplanes).
    public let hiddenCount: Int
    public let A: [Double]
    public let W1: [Double]
    public let N: [Double]
    public let b: [Double]
    public let h1: [Double]
    /// When N selects coordinates (rows `selectorOffset ..< selectorOffset + H` of the
    /// identity, b = 0), regions are orthants of those coordinates: PLRNN and ALRNN.
    public let selectorOffset: Int?

    public init(A: [Double], W1: [Double], N: [Double], b: [Double], h1: [Double], selectorOffset: Int? = nil) {
        let m = h1.count, h = b.count
        precondition(A.count == m * m && W1.count == m * h && N.count == h * m)
        self.dimension = m
        self.hiddenCount = h
        self.A = A
        self.W1 = W1
        self.N = N
        self.b = b
        self.h1 = h1
        if let offset = selectorOffset {
            precondition(offset + h <= m && b.allSatisfy { $0 == 0 })
            for i in 0..<h {
                for j in 0..<m { precondition(N[i * m + j] == (j == offset + i ? 1 : 0)) }
            }
        }
        self.selectorOffset = selectorOffset
    }

    /// The pre-activation N z + b of every hidden unit.
    public func preActivation(_ z: [Double]) -> [Double] {
        var u = b
        for i in 0..<hiddenCount {
            var s = u[i]
            for j in 0..<dimension { s += N[i * dimension + j] * z[j] }
            u[i] = s
        }
        return u
    }

    /// The region of z.
    public func region(of z: [Double]) -> RegionCode {
        var code = RegionCode(count: hiddenCount)
        if let offset = selectorOffset {
            for i in 0..<hiddenCount where z[offset + i] > 0 { code[i] = true }
        } else {
            let u = preActivation(z)
            for i in 0..<hiddenCount where u[i] > 0 { code[i] = true }
        }
        return code
    }

    /// F(z).
    public func callAsFunction(_ z: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        var scratch = [Double](repeating: 0, count: hiddenCount)
        z.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                scratch.withUnsafeMutableBufferPointer { sp in
                    apply(zp.baseAddress!, into: op.baseAddress!, scratch: sp.baseAddress!)
                }
            }
        }
        return out
    }

    /// F(z) into caller-owned storage; `scratch` holds H values. No allocation.
    @inlinable
    public func apply(_ z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                      scratch: UnsafeMutablePointer<Double>) {
        let m = dimension, h = hiddenCount
        A.withUnsafeBufferPointer { a in
            for i in 0..<m {
                var s = h1[i]
                for j in 0..<m { s += a[i * m + j] * z[j] }
                out[i] = s
            }
        }
        if let offset = selectorOffset {
            for k in 0..<h { scratch[k] = max(z[offset + k], 0) }
        } else {
            N.withUnsafeBufferPointer { n in
                for k in 0..<h {
                    var s = b[k]
                    for j in 0..<m { s += n[k * m + j] * z[j] }
                    scratch[k] = max(s, 0)
                }
            }
        }
        W1.withUnsafeBufferPointer { w in
            for i in 0..<m {
                var s = 0.0
                for k in 0..<h { s += w[i * h + k] * scratch[k] }
                out[i] += s
            }
        }
    }

    /// J_d = A + W1 diag(d) N, the Jacobian in region d.
    public func jacobian(_ d: RegionCode) -> Matrix {
        let m = dimension, h = hiddenCount
        var j = A
        for k in 0..<h where d[k] {
            for r in 0..<m {
                let w = W1[r * h + k]
                if w == 0 { continue }
                for c in 0..<m { j[r * m + c] += w * N[k * m + c] }
            }
        }
        return Matrix(rows: m, columns: m, elements: j)
    }

    /// c_d = h1 + W1 diag(d) b, the offset in region d.
    public func offset(_ d: RegionCode) -> [Double] {
        var c = h1
        let m = dimension, h = hiddenCount
        for k in 0..<h where d[k] && b[k] != 0 {
            for r in 0..<m { c[r] += W1[r * h + k] * b[k] }
        }
        return c
    }

    /// Whether every region of {0,1}^H is a cell of the arrangement (true when N selects
    /// coordinates; a shallow network's arrangement generally has fewer cells).
    public var allCodesAreRegions: Bool { selectorOffset != nil }
}

extension Model {
    /// The model in the generic shallow form (docs/model-format.md has the table).
    public func shallowForm() -> ShallowForm {
        let m = dimension
        let a = parameter("A")!
        var aFull = a.shape.count == 2 ? a.values : Self.diagonal(a.values)
        switch kind {
        case .plrnn:
            return ShallowForm(A: aFull, W1: parameter("W")!.values, N: Self.identityRows(m, from: 0, count: m),
                               b: [Double](repeating: 0, count: m), h1: parameter("h")!.values, selectorOffset: 0)
        case .alrnn:
            let p = activeUnits!
            let w = parameter("W")!.values
            var w1 = [Double](repeating: 0, count: m * p)
            for r in 0..<m {
                for c in 0..<m {
                    if c < m - p { aFull[r * m + c] += w[r * m + c] } else { w1[r * p + (c - (m - p))] = w[r * m + c] }
                }
            }
            return ShallowForm(A: aFull, W1: w1, N: Self.identityRows(m, from: m - p, count: p),
                               b: [Double](repeating: 0, count: p), h1: parameter("h")!.values, selectorOffset: m - p)
        case .shplrnn:
            return ShallowForm(A: aFull, W1: parameter("W1")!.values, N: parameter("W2")!.values,
                               b: parameter("h2")!.values, h1: parameter("h1")!.values)
        case .clippedShplrnn:
            let h = hiddenUnits
            let w1 = parameter("W1")!.values, w2 = parameter("W2")!.values
            var w1c = [Double](repeating: 0, count: m * 2 * h)
            for r in 0..<m {
                for k in 0..<h {
                    w1c[r * 2 * h + k] = w1[r * h + k]
                    w1c[r * 2 * h + h + k] = -w1[r * h + k]
                }
            }
            return ShallowForm(A: aFull, W1: w1c, N: w2 + w2, b: parameter("h2")!.values + [Double](repeating: 0, count: h),
                               h1: parameter("h1")!.values)
        }
    }

    static func diagonal(_ d: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: d.count * d.count)
        for i in d.indices { out[i * d.count + i] = d[i] }
        return out
    }

    static func identityRows(_ m: Int, from start: Int, count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count * m)
        for i in 0..<count { out[i * m + start + i] = 1 }
        return out
    }
}
