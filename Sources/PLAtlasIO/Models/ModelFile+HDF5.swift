import HDF5
import PLAtlasCore

extension ModelFile {
    /// Models from the group `group` of an HDF5 file: one model group (attribute `type`, one
    /// dataset per array, `P` as an integer scalar dataset or attribute), or a stack group
    /// (attribute `stack_size`, subgroups `0`...`n-1`).
    static func loadHDF5(_ path: String, group: String) throws(ModelError) -> [Model] {
        do {
            let file = try File.open(path)
            let models: [Model]
            do {
                guard file.root.exists(group) == true, file.root.isGroup(group) == true else {
                    throw ModelError(source: path, "no group '\(group)' in the HDF5 file (pick one with --group)")
                }
                let g = try file.root.openGroup(group)
                if g.hasAttribute("stack_size") {
                    let count = try g.attributeInt("stack_size")
                    guard count > 0 else { throw ModelError(source: path, field: "stack_size", "must be positive, found \(count)") }
                    var stack: [Model] = []
                    for i in 0..<count {
                        guard g.isGroup(String(i)) == true else {
                            throw ModelError(source: path, field: "stack[\(i)]", "missing (group '\(group)/\(i)')")
                        }
                        let member = try g.openGroup(String(i))
                        do {
                            stack.append(try model(in: member, path: path))
                        } catch let error as ModelError {
                            throw error.nested(in: "stack[\(i)]")
                        }
                        try member.close()
                    }
                    models = stack
                } else {
                    models = [try model(in: g, path: path)]
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

    static func model(in group: borrowing Group, path: String) throws -> Model {
        guard group.hasAttribute("type") else {
            throw ModelError(source: path, field: "type", "missing (a string attribute of group '\(group.path)')")
        }
        let typeName = try group.attributeString("type")
        guard let kind = ModelKind(rawValue: typeName) else {
            throw ModelError(source: path, field: "type",
                             "unknown model type '\(typeName)' (known: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var parameters: [String: Parameter] = [:]
        var activeUnits: Int?
        if group.hasAttribute("P") { activeUnits = try group.attributeInt("P") }
        for name in try group.childNames() {
            guard group.isDataset(name) == true else {
                throw ModelError(source: path, field: name, "unexpected group inside a model group")
            }
            if name == "P" {
                let (values, shape) = try group.readDoubles(name)
                guard values.count == 1, shape.reduce(1, *) == 1 else {
                    throw ModelError(source: path, field: "P", "expected an integer scalar, found shape \(shape)")
                }
                guard values[0] == values[0].rounded(), abs(values[0]) < 1e9 else {
                    throw ModelError(source: path, field: "P", "expected an integer, found \(values[0])")
                }
                activeUnits = Int(values[0])
                continue
            }
            let (values, shape) = try group.readDoubles(name)
            parameters[name] = Parameter(name: name, shape: shape, values: values)
        }
        return try Model(kind: kind, parameters: parameters, activeUnits: activeUnits, source: path)
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
