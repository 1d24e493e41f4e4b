import HDF5
import PLAtlasCore

extension ModelFile {
    /// Models from the group `group` of an HDF5 file: one model group (attribute `type`, one
    /// dataset per array, `P` as an integer scalar dataset or attribute), or a stack group
    /// (attribute `stack_size`, subgroups `0`...`n-1`). Every shape and count the file claims is
    /// checked (against the model's dimensions and `Limits.current`) before anything is read.
    static func loadHDF5(_ path: String, group: String) throws(ModelError) -> [Model] {
        let limits = Limits.current
        do {
            let file = try File.open(path)
            let models: [Model]
            do {
                guard file.root.exists(group) == true, file.root.isGroup(group) == true else {
                    throw ModelError(source: path, "no group '\(group)' in the HDF5 file (pick one with --group)")
                }
                let g = try file.root.openGroup(group)
                if g.hasAttribute("stack_size") {
                    let count = try integerAttribute("stack_size", of: g, path: path)
                    guard count > 0 else { throw ModelError(source: path, field: "stack_size", "must be positive, found \(count)") }
                    do { try limits.check(count, .points, "the number of models") } catch {
                        throw ModelError(source: path, field: "stack_size", error.description)
                    }
                    let members = try g.childNames().filter { g.isGroup($0) }.count
                    guard count <= members else {
                        throw ModelError(source: path, field: "stack_size", "\(count) models claimed, but group '\(group)' holds \(members) subgroups")
                    }
                    // Every member's shapes first, then the values: nothing is read before
                    // the whole file's claims are checked.
                    var claims: [Claim] = []
                    var total = 0.0
                    for i in 0..<count {
                        guard g.isGroup(String(i)) == true else {
                            throw ModelError(source: path, field: "stack[\(i)]", "missing (group '\(group)/\(i)')")
                        }
                        let member = try g.openGroup(String(i))
                        do {
                            claims.append(try claim(in: member, path: path, limits: limits, valuesBefore: &total))
                        } catch let error as ModelError {
                            throw error.nested(in: "stack[\(i)]")
                        }
                        try member.close()
                    }
                    var stack: [Model] = []
                    for (i, claim) in claims.enumerated() {
                        let member = try g.openGroup(String(i))
                        do {
                            stack.append(try read(claim, from: member, path: path))
                        } catch let error as ModelError {
                            throw error.nested(in: "stack[\(i)]")
                        }
                        try member.close()
                    }
                    models = stack
                } else {
                    var total = 0.0
                    models = [try read(try claim(in: g, path: path, limits: limits, valuesBefore: &total), from: g, path: path)]
                }
                try g.close()
            }
            try file.close()
            return models
        } catch let error as ModelError {
            throw error
        } catch let error as HDF5Error {
            throw ModelError(source: path, "cannot read the HDF5 file: \(error)")
        } catch {
            throw ModelError(source: path, "\(error)")
        }
    }

    /// What a model group claims, read without reading its arrays: the kind, P and the shapes.
    struct Claim {
        var kind: ModelKind
        var shapes: [String: [Int]]
        var activeUnits: Int?
    }

    /// The claim of one model group, checked (`Model.checkShapes`), and the values of the file
    /// so far (`valuesBefore`, updated) with it against the limit.
    static func claim(in group: borrowing Group, path: String, limits: Limits, valuesBefore total: inout Double) throws -> Claim {
        guard group.hasAttribute("type") else {
            throw ModelError(source: path, field: "type", "missing (a string attribute of group '\(group.path)')")
        }
        let typeName = try group.attributeString("type")
        guard let kind = ModelKind(rawValue: typeName) else {
            throw ModelError(source: path, field: "type",
                             "unknown model type '\(typeName)' (known: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var shapes: [String: [Int]] = [:]
        var activeUnits: Int?
        if group.hasAttribute("P") { activeUnits = try integerAttribute("P", of: group, path: path) }
        for name in try group.childNames() {
            guard group.isDataset(name) == true else {
                throw ModelError(source: path, field: name, "unexpected group inside a model group")
            }
            let dataset = try group.openDataset(name)
            let shape = try dataset.extent().shape
            try dataset.close()
            if name == "P" {
                guard Limits.product(shape) == 1 else {
                    throw ModelError(source: path, field: "P", "expected an integer scalar, found shape \(shape)")
                }
                activeUnits = try integer(try group.readDoubles(name).values[0], field: "P", path: path)
                continue
            }
            shapes[name] = shape
        }
        _ = try Model.checkShapes(kind: kind, shapes: shapes, activeUnits: activeUnits, source: path, limits: limits)
        total += shapes.values.reduce(0.0) { $0 + Limits.product($1) }
        do { try limits.check(total, .values, "the number of values in the file") } catch {
            throw ModelError(source: path, error.description)
        }
        return Claim(kind: kind, shapes: shapes, activeUnits: activeUnits)
    }

    /// The model of a group whose claim has been checked: its arrays read, its values checked.
    static func read(_ claim: Claim, from group: borrowing Group, path: String) throws -> Model {
        var parameters: [String: Parameter] = [:]
        for name in claim.shapes.keys.sorted() {
            let (values, shape) = try group.readDoubles(name)
            parameters[name] = Parameter(name: name, shape: shape, values: values)
        }
        return try Model(kind: claim.kind, parameters: parameters, activeUnits: claim.activeUnits, source: path)
    }

    /// A numeric attribute that must hold one integer (a float such as 2.5 is refused, not
    /// truncated).
    static func integerAttribute(_ name: String, of location: borrowing Group, path: String) throws -> Int {
        try integer(try location.attributeDouble(name), field: name, path: path)
    }

    static func integer(_ x: Double, field: String, path: String) throws(ModelError) -> Int {
        guard x == x.rounded(), abs(x) < 1e15 else { throw ModelError(source: path, field: field, "expected an integer, found \(x)") }
        return Int(x)
    }

    /// Writes `models` into `group` of an open file (collective in a parallel file: every rank
    /// passes the same models).
    public static func write(_ models: [Model], into root: borrowing Group, group: String) throws {
        let g = try root.createGroup(group)
        if models.count == 1 {
            try write(models[0], into: g)
        } else {
            try g.setAttribute("stack_size", models.count)
            for (i, model) in models.enumerated() {
                let member = try g.createGroup(String(i))
                try write(model, into: member)
                try member.close()
            }
        }
        try g.close()
    }

    static func write(_ model: Model, into group: borrowing Group) throws {
        try group.setAttribute("type", model.kind.rawValue)
        for p in model.parameters {
            try group.writeDataset(p.name, p.values, shape: p.shape)
        }
        if let p = model.activeUnits {
            try group.writeDataset("P", [Int64(p)], shape: [])
        }
    }

    /// Writes `models` as an HDF5 model file (through a temporary name renamed when complete).
    public static func writeHDF5(_ models: [Model], to path: String, group: String = "/model") throws {
        try AtomicFile.writeHDF5(path) { root in try write(models, into: root, group: group) }
    }
}
