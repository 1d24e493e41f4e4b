import LinearAlgebra

/// Constructed networks with known slow structure, for docs and tests (docs/reduce.md).
public enum ExampleNetworks {
    /// A two-choice decision network: a PLRNN with M = 3 units, two mutually inhibiting
    /// self-exciting choice units x, y and a shared inhibitory unit z:
    ///
    ///     x' = 0.2 x + 0.475 relu(x) - 0.375 relu(y) - 0.1 relu(z) + 1 + bias
    ///     y' = 0.2 y + 0.475 relu(y) - 0.375 relu(x) - 0.1 relu(z) + 1 - bias
    ///     z' = 0.3 z + 0.2 relu(x) + 0.2 relu(y)
    ///
    /// At bias 0: two choice attractors (x active, y silent, and the mirror image; eigenvalues
    /// 0.611, 0.364, 0.2) and between them a saddle with x = y = 1.3208, z = 0.7547 in the
    /// all-active region, eigenvalues 1.05 (along x - y: the slow decision direction) and
    /// 0.3 +- 0.2i. The saddle's 1D unstable manifold joins the two attractors (the slow line);
    /// its 2D stable manifold, the plane x = y, is the boundary of their basins. As the bias
    /// grows, the saddle meets the attractor of choice y at the boundary x = 0 and both vanish
    /// (a fold of the reduced dynamics, between bias 0.05 and 0.1), leaving choice x.
    /// Sweep the bias with the direction (1, -1, 0) of `h`.
    public static func decision(bias: Double = 0) -> Model {
        let (a, s, c, g, az, e) = (0.2, 0.475, 0.375, 0.1, 0.3, 0.2)
        return try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [3], values: [a, a, az]),
            "W": Parameter(name: "W", shape: [3, 3], values: [s, -c, -g, -c, s, -g, e, e, 0]),
            "h": Parameter(name: "h", shape: [3], values: [1 + bias, 1 - bias, 0]),
        ])
    }

    /// The direction of `h` that the decision network's bias moves along.
    public static let decisionBiasDirection: [Double] = [1, -1, 0]

    /// A three-choice winner-take-all network: a PLRNN with M = 3 units, each self-exciting and
    /// inhibiting the others,
    ///
    ///     z_i' = 0.2 z_i + 0.5 relu(z_i) - 0.35 sum_{j != i} relu(z_j) + 1.
    ///
    /// Fixed points: three choice attractors (one unit active, at 10/3; eigenvalues 0.7, 0.2,
    /// 0.2), three saddles (two units active, at 1/0.65; eigenvalues 1.05, 0.35, 0.2) whose 1D
    /// unstable manifolds join the two choices they lie between, and a central source (all
    /// active, at 1; eigenvalues 1.05, 1.05, 0). The saddle connections close up into a ring
    /// of three attractors and three saddles inside the central source's 2D unstable manifold:
    /// a closed invariant curve, though with a fast drift between the choices.
    public static func threeChoices() -> Model {
        let (a, s, c) = (0.2, 0.5, 0.35)
        return try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [3], values: [a, a, a]),
            "W": Parameter(name: "W", shape: [3, 3], values: [s, -c, -c, -c, s, -c, -c, -c, s]),
            "h": Parameter(name: "h", shape: [3], values: [1, 1, 1]),
        ])
    }

    /// A PLRNN with M = 1 + fast.count units whose fixed point z* = (1, 1.5, 2, ...) in the
    /// all-active orthant has the eigenvalues `slow` (eigenvector v = (1, -1, 1, ...) / sqrt(M))
    /// and `fast`, exactly: J = A + W = V diag(slow, fast) V^-1 with V = [v, e_2, ..., e_M] (not
    /// orthogonal, so J is not normal), A = 0.5 I, h = (I - J) z*. With `slow` close to 1 and
    /// `fast` small the slow line through z* is an approximate line attractor; outside the
    /// orthant the other regions' maps bend it.
    public static func lineAttractor(slow: Double = 0.995, fast: [Double] = [0.5, 0.3]) -> Model {
        let m = fast.count + 1
        let root = Double(m).squareRoot()
        var v = Matrix.identity(m)
        for i in 0..<m { v[i, 0] = (i % 2 == 0 ? 1 : -1) / root }
        let j = v * Matrix.diagonal([slow] + fast) * (try! inverse(v))
        let z = (0..<m).map { 1 + 0.5 * Double($0) }
        var w = j
        for i in 0..<m { w[i, i] -= 0.5 }
        let h = Matrix.identity(m) - j
        return try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [m], values: [Double](repeating: 0.5, count: m)),
            "W": Parameter(name: "W", shape: [m, m], values: w.elements),
            "h": Parameter(name: "h", shape: [m], values: h * z),
        ])
    }
}
