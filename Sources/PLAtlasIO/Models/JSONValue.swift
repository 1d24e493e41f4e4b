import Foundation
import PLAtlasCore

/// A parsed JSON document, as far as model files need it.
enum JSONValue: Decodable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Double.self) { self = .number(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        self = .object(try container.decode([String: JSONValue].self))
    }

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

    /// Parses `data`; on failure, explains non-standard tokens (NaN, Infinity) that Python's
    /// `json.dump` writes, naming the field they appear in.
    static func parse(_ data: Data, source: String) throws(ModelError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            let text = String(decoding: data, as: UTF8.self)
            if let (token, field, line) = nonStandardNumber(in: text) {
                let what = token == "NaN" ? "NaN" : "infinite value"
                throw ModelError(source: source, field: field, "\(what) (\(token) at line \(line))")
            }
            throw ModelError(source: source, "not a valid JSON document (\(Self.describe(error)))")
        }
    }

    /// The first bare NaN/Infinity token outside strings, with the nearest preceding key.
    static func nonStandardNumber(in text: String) -> (String, String?, Int)? {
        let scalars = Array(text.unicodeScalars)
        var i = 0, line = 1, inString = false
        var lastKey: String?
        var currentString = ""
        while i < scalars.count {
            let c = scalars[i]
            if c == "\n" { line += 1 }
            if inString {
                if c == "\\" { i += 2; continue }
                if c == "\"" {
                    inString = false
                    // A string followed by ':' is a key.
                    var j = i + 1
                    while j < scalars.count, scalars[j] == " " || scalars[j] == "\t" || scalars[j] == "\n" || scalars[j] == "\r" { j += 1 }
                    if j < scalars.count, scalars[j] == ":" { lastKey = currentString }
                } else {
                    currentString.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            if c == "\"" { inString = true; currentString = ""; i += 1; continue }
            for token in ["NaN", "Infinity", "-Infinity"] where text.unicodeScalars.count >= i + token.count {
                let candidate = String(String.UnicodeScalarView(scalars[i..<min(i + token.count, scalars.count)]))
                if candidate == token { return (token, lastKey, line) }
            }
            i += 1
        }
        return nil
    }

    static func describe(_ error: Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context):
                let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return underlying ?? context.debugDescription
            default: return "\(decoding)"
            }
        }
        return "\(error)"
    }
}
