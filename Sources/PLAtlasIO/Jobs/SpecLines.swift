/// Where keys and tables of a job spec stand in its text, for error messages that name a line.
///
/// TOMLKit reports lines for syntax errors only; a parsed table does not know where its keys
/// came from. This scans the text the way TOML lays it out: a header line `[name]` or
/// `[[name]]` opens a table (the n-th `[[name]]` opens occurrence n of that array of tables),
/// and a line `key = ...` defines a key of the table opened last (top level before any header).
/// Only the first segment of a dotted key counts. Lines inside multi-line strings are skipped.
struct SpecLines: Sendable {
    struct Place: Hashable {
        var table: String
        var occurrence: Int
        var key: String
    }

    private var keyLines: [Place: Int] = [:]
    private var headerLines: [Place: Int] = [:]

    init(text: String) {
        var table = ""
        var occurrence = 0
        var occurrences: [String: Int] = [:]
        var inMultilineString: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(raw)
            if let delimiter = inMultilineString {
                if line.contains(delimiter) { inMultilineString = nil }
                continue
            }
            line = Self.strippingComment(line).drop(while: { $0 == " " || $0 == "\t" })
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" })
                let name = Self.unquoted(inner.trimmingSpaces())
                table = name
                if isArray {
                    occurrence = occurrences[name, default: 0]
                    occurrences[name] = occurrence + 1
                } else {
                    occurrence = 0
                }
                let place = Place(table: name, occurrence: occurrence, key: "")
                if headerLines[place] == nil { headerLines[place] = number }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let keyPart = line[..<equals].trimmingSpaces()
            let firstSegment = Self.unquoted(String(keyPart.split(separator: ".").first ?? Substring(keyPart)).trimmingSpaces())
            let place = Place(table: table, occurrence: occurrence, key: firstSegment)
            if keyLines[place] == nil { keyLines[place] = number }
            // A value that opens a multi-line string continues on the following lines.
            let value = line[line.index(after: equals)...].trimmingSpaces()
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { inMultilineString = delimiter }
            }
        }
    }

    /// The line of `key` in occurrence `occurrence` of table `table` ("" for the top level).
    func line(ofKey key: String, table: String = "", occurrence: Int = 0) -> Int? {
        keyLines[Place(table: table, occurrence: occurrence, key: key)]
    }

    /// The line of the header of `table` (occurrence `occurrence` of an array of tables), or of
    /// the key defining it inline at the top level.
    func line(ofTable table: String, occurrence: Int = 0) -> Int? {
        headerLines[Place(table: table, occurrence: occurrence, key: "")] ?? keyLines[Place(table: "", occurrence: 0, key: table)]
    }

    /// The line without a trailing `# comment` (a `#` inside a string does not count).
    static func strippingComment(_ line: Substring) -> Substring {
        var quote: Character?
        var escaped = false
        for index in line.indices {
            let c = line[index]
            if let q = quote {
                if escaped { escaped = false; continue }
                if c == "\\" && q == "\"" { escaped = true; continue }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return line[..<index]
            }
        }
        return line
    }

    static func unquoted(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        return text
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
