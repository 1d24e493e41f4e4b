import Foundation
import PLAtlasCore

/// A parsed JSON document, as far as model files need it.
enum JSONValue: Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    var kindName: String {
        switch self {
        case .number: "a number"
        case .string: "a string"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Arrays and objects nest at most this deep (a model needs 4 levels: stack, model, matrix, row).
    static let maximumDepth = 256

    /// Parses `data` as strict JSON (RFC 8259) in one pass, in time linear in its length: no
    /// trailing commas, no duplicate keys, no nesting beyond `maximumDepth`. Errors name the
    /// line and column; the bare `NaN`/`Infinity` tokens Python's `json.dump` writes are
    /// reported as such, naming the field they appear in.
    static func parse(_ data: Data, source: String) throws(ModelError) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data), source: source)
        return try parser.document()
    }
}

/// The recursive-descent parser behind `JSONValue.parse`. It keeps the current line and the
/// offset where it starts, so an error's position costs nothing until it is reported.
struct JSONParser {
    /// The document, followed by one NUL byte (so number conversion always stops inside it).
    private let bytes: [UInt8]
    private let end: Int
    private let source: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    /// Where the value being parsed sits: keys of objects and indices of arrays.
    private var path: [PathComponent] = []

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes + [0]
        self.end = bytes.count
        self.source = source
    }

    mutating func document() throws(ModelError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index < end { throw invalid("unexpected \(describeByte()) after the end of the document") }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(ModelError) -> JSONValue {
        guard index < end else { throw truncated() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "N") where matches("NaN"): throw nonStandard("NaN")
        case UInt8(ascii: "I") where matches("Infinity"): throw nonStandard("Infinity")
        case UInt8(ascii: "-") where matches("-Infinity"): throw nonStandard("-Infinity")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw invalid("unexpected \(describeByte()) where a value should start")
        }
    }

    private mutating func enter() throws(ModelError) {
        depth += 1
        if depth > JSONValue.maximumDepth {
            throw invalid("arrays and objects nested deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    private mutating func parseObject() throws(ModelError) -> JSONValue {
        try enter()
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if index < end, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard index < end else { throw truncated() }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw invalid(bytes[index] == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a key in double quotes, found \(describeByte())")
            }
            let keyLine = line
            let key = try parseString()
            if fields[key] != nil {
                path.append(.key(key))
                defer { path.removeLast() }
                throw ModelError(source: source, field: field, "duplicate key at line \(keyLine) (keys of an object must be unique)")
            }
            skipWhitespace()
            guard index < end else { throw truncated() }
            guard bytes[index] == UInt8(ascii: ":") else { throw invalid("expected ':' after the key '\(key)', found \(describeByte())") }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            fields[key] = try parseValue()
            path.removeLast()
            skipWhitespace()
            guard index < end else { throw truncated() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw invalid("expected ',' or '}' after the value of '\(key)', found \(describeByte())")
        }
        depth -= 1
        return .object(fields)
    }

    private mutating func parseArray() throws(ModelError) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < end, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            guard index < end else { throw truncated() }
            if bytes[index] == UInt8(ascii: "]") { throw invalid("trailing comma before ']'") }
            path.append(.index(items.count))
            items.append(try parseValue())
            path.removeLast()
            skipWhitespace()
            guard index < end else { throw truncated() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw invalid("expected ',' or ']' after an array element, found \(describeByte())")
        }
        depth -= 1
        return .array(items)
    }

    /// A number by the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func parseNumber() throws(ModelError) -> Double {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.index
            while parser.index < parser.end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) { parser.index += 1 }
            return parser.index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { throw truncated() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                index = start
                throw invalid("a number with a leading zero")
            }
        } else if digits(&self) == 0 {
            throw invalid("expected a digit, found \(describeByte())")
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < end else { throw truncated() }
            if digits(&self) == 0 { throw invalid("expected a digit after '.', found \(describeByte())") }
        }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end else { throw truncated() }
            if digits(&self) == 0 { throw invalid("expected a digit in the exponent, found \(describeByte())") }
        }
        // The text is a valid JSON number, which strtod reads exactly (overflow gives +-inf).
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { strtod($0 + start, nil) }
        }
    }

    private mutating func parseString() throws(ModelError) -> String {
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard index < end else { throw truncated() }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") { index += 1; break }
            if c < 0x20 { throw invalid(c == 0x0A ? "a line break inside a string (unterminated string?)" : "a control character inside a string") }
            if c != UInt8(ascii: "\\") {
                utf8.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < end else { throw truncated() }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), matches("\\u") {
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw invalid("an unpaired surrogate in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw invalid("an unpaired surrogate in a \\u escape") }
                utf8 += Array(String(Character(u)).utf8)
            default:
                index -= 1
                let shown = escape >= 0x21 && escape < 0x7F ? String(Character(Unicode.Scalar(escape))) : String(format: "\\x%02X", escape)
                throw invalid("an invalid escape '\\\(shown)' in a string")
            }
        }
        guard let text = String(bytes: utf8, encoding: .utf8) else { throw invalid("a string that is not valid UTF-8") }
        return text
    }

    private mutating func hex4() throws(ModelError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < end else { throw truncated() }
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw invalid("expected four hex digits after \\u, found \(describeByte())")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private mutating func literal(_ word: String) throws(ModelError) {
        guard matches(word) else {
            let rest = bytes[index..<end]
            throw rest.count < word.utf8.count && word.utf8.starts(with: rest) ? truncated()
                : invalid("unexpected \(describeByte()) where a value should start")
        }
        index += word.utf8.count
    }

    private func matches(_ word: String) -> Bool {
        var i = index
        for b in word.utf8 {
            guard i < end, bytes[i] == b else { return false }
            i += 1
        }
        return true
    }

    private mutating func skipWhitespace() {
        while index < end {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    // MARK: Errors

    /// The field the current value belongs to: the keys down to the innermost one, with the
    /// array indices between them (`stack[2].W`); nil outside any object.
    private var field: String? {
        guard let last = path.lastIndex(where: { if case .key = $0 { true } else { false } }) else { return nil }
        var text = ""
        for component in path[...last] {
            switch component {
            case .key(let k): text += text.isEmpty ? k : ".\(k)"
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    /// The current position as "line L, column C" (columns count characters from 1).
    private var position: String {
        var column = 1
        var i = lineStart
        while i < index && i < end {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return "line \(line), column \(column)"
    }

    private func describeByte() -> String {
        guard index < end else { return "the end of the file" }
        let c = bytes[index]
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return String(format: "byte 0x%02X", c)
    }

    private func invalid(_ problem: String) -> ModelError {
        ModelError(source: source, "not a valid JSON document: \(problem) at \(position)")
    }

    private func truncated() -> ModelError {
        ModelError(source: source, "not a valid JSON document: it ends at \(position) inside \(depth > 0 ? "an array or object" : "a value") (truncated?)")
    }

    private func nonStandard(_ token: String) -> ModelError {
        ModelError(source: source, field: field, "\(token == "NaN" ? "NaN" : "infinite value") (\(token) at line \(line))")
    }
}
