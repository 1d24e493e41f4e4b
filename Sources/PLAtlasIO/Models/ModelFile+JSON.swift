import Foundation
import PLAtlasCore

extension ModelFile {
    /// Models from a JSON document: one model object, or `{"stack": [model, ...]}`.
    public static func models(json data: Data, source: String) throws(ModelError) -> [Model] {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw ModelError(source: source, "empty file")
        }
        let document = try JSONValue.parse(data, source: source)
        guard case .object(let object) = document else {
            throw ModelError(source: source, "expected a JSON object with \"type\" or \"stack\", found \(document.kindName)")
        }
        if let stack = object["stack"] {
            for key in object.keys.sorted() where key != "stack" && key != "metadata" {
                throw ModelError(source: source, field: key, "unexpected field beside \"stack\"")
            }
            guard case .array(let items) = stack else {
                throw ModelError(source: source, field: "stack", "expected an array of models, found \(stack.kindName)")
            }
            if items.isEmpty { throw ModelError(source: source, field: "stack", "empty stack") }
            do { try Limits.current.check(items.count, .points, "the number of models") } catch {
                throw ModelError(source: source, field: "stack", error.description)
            }
            var models: [Model] = []
            for (i, item) in items.enumerated() {
                do throws(ModelError) {
                    guard case .object(let fields) = item else {
                        throw ModelError(source: source, "expected a model object, found \(item.kindName)")
                    }
                    models.append(try model(fields, source: source))
                } catch {
                    throw error.nested(in: "stack[\(i)]")
                }
            }
            let first = models[0]
            for (i, m) in models.enumerated() where m.kind != first.kind || m.dimension != first.dimension || m.hiddenUnits != first.hiddenUnits {
                throw ModelError(source: source, field: "stack[\(i)]",
                                 "differs from stack[0]: \(m.kind.rawValue) M=\(m.dimension) H=\(m.hiddenUnits) vs \(first.kind.rawValue) M=\(first.dimension) H=\(first.hiddenUnits)")
            }
            return models
        }
        return [try model(object, source: source)]
    }

    static func model(_ fields: [String: JSONValue], source: String) throws(ModelError) -> Model {
        guard let typeValue = fields["type"] else {
            throw ModelError(source: source, field: "type", "missing (one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")), or a \"stack\")")
        }
        guard case .string(let typeName) = typeValue else {
            throw ModelError(source: source, field: "type", "expected a string, found \(typeValue.kindName)")
        }
        guard let kind = ModelKind(rawValue: typeName) else {
            throw ModelError(source: source, field: "type",
                             "unknown model type '\(typeName)' (known: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var parameters: [String: Parameter] = [:]
        var activeUnits: Int?
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "type", "metadata": continue
            case "P":
                guard case .number(let p) = value else {
                    throw ModelError(source: source, field: "P", "expected an integer, found \(value.kindName)")
                }
                activeUnits = try integer(p, field: "P", path: source)
            default:
                let (shape, values) = try array(value, field: key, source: source)
                parameters[key] = Parameter(name: key, shape: shape, values: values)
            }
        }
        return try Model(kind: kind, parameters: parameters, activeUnits: activeUnits, source: source)
    }

    /// A JSON number, array of numbers or array of equal-length arrays of numbers.
    static func array(_ value: JSONValue, field: String, source: String) throws(ModelError) -> ([Int], [Double]) {
        func fail(_ problem: String) -> ModelError { ModelError(source: source, field: field, problem) }
        switch value {
        case .number(let x): return ([], [x])
        case .array(let items):
            if items.isEmpty { return ([0], []) }
            if case .array = items[0] {
                var values: [Double] = []
                var columns = -1
                for (r, row) in items.enumerated() {
                    guard case .array(let entries) = row else { throw fail("row \(r) is \(row.kindName), expected an array") }
                    if columns < 0 { columns = entries.count }
                    if entries.count != columns {
                        throw fail("ragged rows: row \(r) has \(entries.count) entries, row 0 has \(columns)")
                    }
                    for (c, entry) in entries.enumerated() {
                        guard case .number(let x) = entry else { throw fail("entry [\(r), \(c)] is \(entry.kindName), expected a number") }
                        values.append(x)
                    }
                }
                return ([items.count, columns], values)
            }
            var values: [Double] = []
            for (i, entry) in items.enumerated() {
                guard case .number(let x) = entry else { throw fail("entry [\(i)] is \(entry.kindName), expected a number") }
                values.append(x)
            }
            return ([items.count], values)
        default:
            throw fail("expected a number or an array of numbers, found \(value.kindName)")
        }
    }

    /// A JSON document for `models` (one model, or a stack), with every double written in its
    /// shortest form that reads back bit-identically.
    public static func jsonData(_ models: [Model]) -> Data {
        let number = JSONOutput.format
        func encode(_ model: Model) -> String {
            var parts = ["\"type\": \"\(model.kind.rawValue)\""]
            for p in model.parameters {
                let body: String
                if p.shape.count == 2 {
                    body = "[" + (0..<p.shape[0]).map { r in
                        "[" + p.values[(r * p.shape[1])..<((r + 1) * p.shape[1])].map(number).joined(separator: ", ") + "]"
                    }.joined(separator: ", ") + "]"
                } else {
                    body = "[" + p.values.map(number).joined(separator: ", ") + "]"
                }
                parts.append("\"\(p.name)\": \(body)")
            }
            if let p = model.activeUnits { parts.append("\"P\": \(p)") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        let text = models.count == 1 ? encode(models[0]) : "{\"stack\": [\n" + models.map(encode).joined(separator: ",\n") + "\n]}"
        return Data((text + "\n").utf8)
    }
}

extension ModelFile {
    /// Writes `models` as JSON to `path` (through a temporary file renamed when complete).
    public static func writeJSON(_ models: [Model], to path: String) throws {
        try AtomicFile.write(jsonData(models), to: path)
    }
}
