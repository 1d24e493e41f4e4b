import PLAtlasCore

/// Random models for tests, reproducible from a seed.
enum TestModels {
    static func vector(_ n: Int, _ g: inout SeededGenerator, scale: Double = 1) -> [Double] {
        (0..<n).map { _ in scale * g.normal() }
    }

    static func parameter(_ name: String, _ shape: [Int], _ g: inout SeededGenerator, scale: Double = 1) -> Parameter {
        Parameter(name: name, shape: shape, values: vector(shape.reduce(1, *), &g, scale: scale))
    }

    static func plrnn(m: Int, seed: UInt64, fullA: Bool = false) -> Model {
        var g = SeededGenerator(seed: seed)
        let a = fullA ? parameter("A", [m, m], &g, scale: 0.3) : parameter("A", [m], &g, scale: 0.3)
        return try! Model(kind: .plrnn, parameters: ["A": a, "W": parameter("W", [m, m], &g, scale: 0.5),
                                                      "h": parameter("h", [m], &g)])
    }

    static func shplrnn(m: Int, h: Int, seed: UInt64, clipped: Bool = false) -> Model {
        var g = SeededGenerator(seed: seed)
        return try! Model(kind: clipped ? .clippedShplrnn : .shplrnn,
                          parameters: ["A": parameter("A", [m], &g, scale: 0.3), "W1": parameter("W1", [m, h], &g, scale: 0.5),
                                       "W2": parameter("W2", [h, m], &g), "h1": parameter("h1", [m], &g),
                                       "h2": parameter("h2", [h], &g)])
    }

    static func alrnn(m: Int, p: Int, seed: UInt64) -> Model {
        var g = SeededGenerator(seed: seed)
        return try! Model(kind: .alrnn, parameters: ["A": parameter("A", [m], &g, scale: 0.3),
                                                      "W": parameter("W", [m, m], &g, scale: 0.5),
                                                      "h": parameter("h", [m], &g)], activeUnits: p)
    }

    static func relu(_ x: Double) -> Double { max(x, 0) }

    static func matvec(_ a: [Double], rows: Int, columns: Int, _ x: [Double]) -> [Double] {
        (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + a[i * columns + $1] * x[$1] } }
    }

    /// The model's update written out from its own definition (not the generic form).
    static func directStep(_ model: Model, _ z: [Double]) -> [Double] {
        let m = model.dimension
        let aParam = model.parameter("A")!
        let az = aParam.shape.count == 2 ? matvec(aParam.values, rows: m, columns: m, z) : zip(aParam.values, z).map(*)
        switch model.kind {
        case .plrnn:
            let w = model.parameter("W")!.values, h = model.parameter("h")!.values
            let wr = matvec(w, rows: m, columns: m, z.map(relu))
            return (0..<m).map { az[$0] + wr[$0] + h[$0] }
        case .alrnn:
            let p = model.activeUnits!
            let w = model.parameter("W")!.values, h = model.parameter("h")!.values
            let phi = (0..<m).map { $0 < m - p ? z[$0] : relu(z[$0]) }
            let wr = matvec(w, rows: m, columns: m, phi)
            return (0..<m).map { az[$0] + wr[$0] + h[$0] }
        case .shplrnn, .clippedShplrnn:
            let hh = model.hiddenUnits
            let w1 = model.parameter("W1")!.values, w2 = model.parameter("W2")!.values
            let h1 = model.parameter("h1")!.values, h2 = model.parameter("h2")!.values
            let u = matvec(w2, rows: hh, columns: m, z)
            let act = (0..<hh).map { k in
                model.kind == .shplrnn ? relu(u[k] + h2[k]) : relu(u[k] + h2[k]) - relu(u[k])
            }
            let wr = matvec(w1, rows: m, columns: hh, act)
            return (0..<m).map { az[$0] + wr[$0] + h1[$0] }
        }
    }
}
