/// A JSON document built in code, written with keys in the order given (scripts diff and read
/// these outputs, so the order is part of the contract). Non-finite numbers become null.
public indirect enum JSONOutput: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
                                 ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    case object([(String, JSONOutput)])
    case array([JSONOutput])
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public static func numbers(_ values: [Double]) -> JSONOutput { .array(values.map { .number($0) }) }
    public static func integers(_ values: [Int]) -> JSONOutput { .array(values.map { .integer($0) }) }

    public static func == (lhs: JSONOutput, rhs: JSONOutput) -> Bool { lhs.serialized() == rhs.serialized() }

    /// The document as text; `indent` > 0 pretty-prints with that many spaces per level, but
    /// arrays of scalars stay on one line.
    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, level: 0, indent: indent)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: false
        default: true
        }
    }

    private func write(into out: inout String, level: Int, indent: Int) {
        let pad = indent > 0 ? "\n" + String(repeating: " ", count: (level + 1) * indent) : ""
        let closePad = indent > 0 ? "\n" + String(repeating: " ", count: level * indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let x): out += Self.format(x)
        case .string(let s): out += Self.quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy(\.isScalar) {
                out += "[" + items.map { $0.serialized(indent: 0) }.joined(separator: ", ") + "]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                out += (i > 0 ? "," : "") + pad
                item.write(into: &out, level: level + 1, indent: indent)
            }
            out += closePad + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                out += (i > 0 ? "," : "") + pad + Self.quote(key) + (indent > 0 ? ": " : ":")
                value.write(into: &out, level: level + 1, indent: indent)
            }
            out += closePad + "}"
        }
    }

    /// Shortest text that reads back as the same double; integers keep a ".0".
    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        let text = "\(x)"
        return text
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
