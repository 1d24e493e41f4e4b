/// How the offsets h2 of the random hidden units are chosen.
public enum OffsetScheme: String, Sendable, CaseIterable {
    /// Each hyperplane W2_k z + h2_k = 0 passes through a training state chosen at random:
    /// unit-length random orientation n_k (normalised coordinates) and b_k = -n_k . z~_j.
    case throughData = "through-data"
    /// Seed 002's recipe: Gaussian slopes n_k ~ N(0, I) and offsets from a rank-one input
    /// term, b = I v with I ~ N(0, 1)^H and a constant input v = 1 (normalised coordinates).
    case rankOne = "rank-one"
}

/// A random hidden layer relu(W2 z + h2) in original coordinates (W2 is H x M, row-major).
public struct RandomFeatures: Sendable, Equatable {
    public var dimension: Int
    public var W2: [Double]
    public var h2: [Double]

    public var count: Int { h2.count }

    public init(dimension: Int, W2: [Double], h2: [Double]) {
        precondition(W2.count == dimension * h2.count)
        self.dimension = dimension
        self.W2 = W2
        self.h2 = h2
    }

    /// `count` features drawn with random stream `stream` of `seed`: orientations uniform on
    /// the sphere, offsets by `scheme`, in the coordinates of `normalisation`, then expressed
    /// in original coordinates (W2 = n / scale, h2 = b - W2 mean).
    ///
    /// With `linearUnits`, the first min(M, count) units are instead relu(z~_j + c) for
    /// j = 0, 1, ...: with c = 2 max |z~_j| + 1 over the states they are active (affine) on the
    /// whole data region and beyond, which gives the model the off-diagonal linear terms that
    /// a diagonal A cannot carry (x' = y in a flow map over dt needs them).
    public static func sample(count: Int, states: [[Double]], normalisation: Normalisation, scheme: OffsetScheme,
                              seed: UInt64, stream: UInt64 = 0xFEA7, linearUnits: Bool = true) -> RandomFeatures {
        let m = normalisation.mean.count
        var generator = SeededGenerator(seed: seed, stream: stream)
        var w2 = [Double](repeating: 0, count: count * m)
        var h2 = [Double](repeating: 0, count: count)
        let axisUnits = linearUnits ? min(m, count) : 0
        for j in 0..<axisUnits {
            var largest = 0.0
            for z in states { largest = max(largest, abs((z[j] - normalisation.mean[j]) / normalisation.scale[j])) }
            w2[j * m + j] = 1 / normalisation.scale[j]
            h2[j] = 2 * largest + 1 - normalisation.mean[j] / normalisation.scale[j]
        }
        for k in axisUnits..<count {
            var n = (0..<m).map { _ in generator.normal() }
            let b: Double
            switch scheme {
            case .throughData:
                var length = 0.0
                for x in n { length += x * x }
                length = length.squareRoot()
                if length == 0 { n[0] = 1; length = 1 }
                n = n.map { $0 / length }
                let j = min(states.count - 1, Int(generator.uniform() * Double(states.count)))
                let anchor = normalisation.apply(states[j])
                var dot = 0.0
                for i in 0..<m { dot += n[i] * anchor[i] }
                b = -dot
            case .rankOne:
                b = generator.normal()   // I_k; times the constant input v = 1
            }
            var shift = 0.0
            for i in 0..<m {
                w2[k * m + i] = n[i] / normalisation.scale[i]
                shift += w2[k * m + i] * normalisation.mean[i]
            }
            h2[k] = b - shift
        }
        return RandomFeatures(dimension: m, W2: w2, h2: h2)
    }

    /// The features selected by `indices`, in that order.
    public func subset(_ indices: [Int]) -> RandomFeatures {
        var w2: [Double] = []
        for k in indices { w2 += W2[(k * dimension)..<((k + 1) * dimension)] }
        return RandomFeatures(dimension: dimension, W2: w2, h2: indices.map { h2[$0] })
    }

    /// The region of z: which units are active (W2 z + h2 > 0).
    public func region(of z: [Double]) -> RegionCode {
        var code = RegionCode(count: count)
        for k in 0..<count {
            var u = h2[k]
            for j in 0..<dimension { u += W2[k * dimension + j] * z[j] }
            if u > 0 { code[k] = true }
        }
        return code
    }

    /// relu(W2 z + h2) for every state: a states.count x H row-major matrix.
    public func evaluate(_ states: [[Double]]) -> [Double] {
        let h = count, m = dimension
        var out = [Double](repeating: 0, count: states.count * h)
        for (s, z) in states.enumerated() {
            for k in 0..<h {
                var u = h2[k]
                for j in 0..<m { u += W2[k * m + j] * z[j] }
                out[s * h + k] = max(u, 0)
            }
        }
        return out
    }
}
