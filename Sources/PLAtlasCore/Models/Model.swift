/// The RNN architectures platlas reads. Each reduces to the generic shallow form
/// F(z) = A z + W1 relu(N z + b) + h1 (see `ShallowForm` and docs/model-format.md).
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    /// z' = A z + W relu(z) + h; A diagonal (a vector) or full.
    case plrnn
    /// z' = diag(A) z + W1 relu(W2 z + h2) + h1.
    case shplrnn
    /// z' = diag(A) z + W1 [relu(W2 z + h2) - relu(W2 z)] + h1.
    case clippedShplrnn = "clipped-shplrnn"
    /// z' = A z + W [z_1..z_{M-P}, relu(z_{M-P+1})..relu(z_M)] + h.
    case alrnn

    /// The parameter arrays of this kind, in the order files list them.
    public var parameterNames: [String] {
        switch self {
        case .plrnn, .alrnn: ["A", "W", "h"]
        case .shplrnn, .clippedShplrnn: ["A", "W1", "W2", "h1", "h2"]
        }
    }
}

/// One named parameter array of a model, row-major.
public struct Parameter: Sendable, Equatable {
    public var name: String
    /// [n] for a vector, [rows, columns] for a matrix.
    public var shape: [Int]
    public var values: [Double]

    public init(name: String, shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "Parameter \(name): shape \(shape) vs \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The element at a multi-index (row-major).
    public subscript(index: [Int]) -> Double {
        get { values[flatIndex(index)] }
        set { values[flatIndex(index)] = newValue }
    }

    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count)
        var flat = 0
        for (i, n) in zip(index, shape) { flat = flat * n + i }
        return flat
    }
}

/// A model as its author's parameters: the kind, the named arrays, and for an ALRNN the number
/// P of units that pass through the ReLU. Build one with `Model(kind:parameters:activeUnits:source:)`,
/// which validates shapes and values.
public struct Model: Sendable, Equatable {
    public let kind: ModelKind
    /// The arrays in `kind.parameterNames` order.
    public private(set) var parameters: [Parameter]
    /// P: the number of last units with a ReLU (ALRNN only).
    public let activeUnits: Int?
    /// M: the state dimension.
    public let dimension: Int
    /// H: hidden units of a shallow model (shPLRNN); M for a PLRNN, P for an ALRNN.
    public let hiddenUnits: Int

    /// Validates and builds a model. `source` names the file in error messages.
    ///
    /// A may be a vector (a diagonal) or an M x M matrix for every kind; every other array must
    /// have exactly the shape its kind requires (`checkShapes`); no value may be NaN or infinite.
    public init(kind: ModelKind, parameters: [String: Parameter], activeUnits: Int? = nil,
                source: String = "model") throws(ModelError) {
        let (m, h) = try Self.checkShapes(kind: kind, shapes: parameters.mapValues(\.shape), activeUnits: activeUnits, source: source)
        let required = kind.parameterNames
        for name in required {
            let p = parameters[name]!
            if let bad = p.values.firstIndex(where: { !$0.isFinite }) {
                let what = p.values[bad].isNaN ? "NaN" : "infinite value"
                throw ModelError(source: source, field: name, "\(what) at \(Self.describe(index: bad, shape: p.shape))")
            }
        }
        self.kind = kind
        self.parameters = required.map { parameters[$0]! }
        self.activeUnits = activeUnits
        self.dimension = m
        self.hiddenUnits = h
    }

    /// Checks the arrays a model of `kind` would have, by their shapes alone, and P: every
    /// required array present and none other, the dimensions M (from the offset vector) and H
    /// within `limits`, every shape the one M and H require, no array beyond `limits`' values,
    /// 0 <= P <= M. Returns M and H. Files call it before reading any array, so that a shape a
    /// file claims is checked before anything of its size is allocated.
    public static func checkShapes(kind: ModelKind, shapes: [String: [Int]], activeUnits: Int?, source: String,
                                   limits: Limits = .current) throws(ModelError) -> (dimension: Int, hidden: Int) {
        func fail(_ field: String?, _ problem: String) -> ModelError { ModelError(source: source, field: field, problem) }
        func within(_ value: Int, _ kind: Limits.Kind, _ field: String, _ what: String) throws(ModelError) {
            do { try limits.check(value, kind, what) } catch { throw fail(field, error.description) }
        }
        let required = kind.parameterNames
        for name in required where shapes[name] == nil { throw fail(name, "missing") }
        for name in shapes.keys.sorted() where !required.contains(name) {
            throw fail(name, "unexpected field for a \(kind.rawValue) model (expected \(required.joined(separator: ", ")))")
        }
        if kind == .alrnn && activeUnits == nil { throw fail("P", "missing") }
        if kind != .alrnn && activeUnits != nil { throw fail("P", "unexpected field for a \(kind.rawValue) model") }

        // The dimensions come from the offset vectors; every other shape is checked against them.
        let offsetName = (kind == .plrnn || kind == .alrnn) ? "h" : "h1"
        let offset = shapes[offsetName]!
        guard offset.count == 1, offset[0] > 0 else {
            throw fail(offsetName, "wrong shape: expected a non-empty vector, found \(Self.describe(offset))")
        }
        let m = offset[0]
        try within(m, .dimension, offsetName, "the state dimension M")
        var h = m
        if kind == .shplrnn || kind == .clippedShplrnn {
            let h2 = shapes["h2"]!
            guard h2.count == 1, h2[0] > 0 else {
                throw fail("h2", "wrong shape: expected a non-empty vector, found \(Self.describe(h2))")
            }
            h = h2[0]
            try within(h, .hidden, "h2", "the number of hidden units H")
        }
        var expected: [String: [Int]] = [:]
        switch kind {
        case .plrnn, .alrnn: expected = ["W": [m, m], "h": [m]]
        case .shplrnn, .clippedShplrnn: expected = ["W1": [m, h], "W2": [h, m], "h1": [m], "h2": [h]]
        }
        let a = shapes["A"]!
        if a != [m] && a != [m, m] {
            throw fail("A", "wrong shape: expected \(m) or \(m)x\(m), found \(Self.describe(a))")
        }
        for name in required where name != "A" {
            let shape = shapes[name]!
            if shape != expected[name]! {
                throw fail(name, "wrong shape: expected \(Self.describe(expected[name]!)), found \(Self.describe(shape))")
            }
        }
        for name in required {
            do { try limits.check(Limits.product(shapes[name]!), .values, "its number of values") } catch { throw fail(name, error.description) }
        }
        if kind == .alrnn {
            let p = activeUnits!
            guard p >= 0 && p <= m else { throw fail("P", "out of range: \(p) (must be between 0 and M = \(m))") }
            h = p
        }
        return (m, h)
    }

    /// The parameter called `name`, if the kind has one.
    public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// A copy with one array replaced (same name and shape), e.g. to sweep a parameter.
    public func replacing(_ name: String, values: [Double]) -> Model {
        var copy = self
        guard let i = copy.parameters.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("Model has no parameter \(name)")
        }
        precondition(values.count == copy.parameters[i].values.count)
        copy.parameters[i].values = values
        return copy
    }

    public static func describe(_ shape: [Int]) -> String {
        shape.isEmpty ? "a scalar" : shape.map(String.init).joined(separator: "x")
    }

    static func describe(index: Int, shape: [Int]) -> String {
        if shape.count == 2 { return "[\(index / shape[1]), \(index % shape[1])]" }
        return "[\(index)]"
    }
}
