import Foundation
import HDF5
import PLAtlasCore
import TOMLKit

/// A mistake in a job spec: `FILE:LINE: message` (or `FILE: message` when no line applies).
public struct JobSpecError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(_ path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

/// One table of a spec (the top level, or one analysis), with typed access that names the line
/// of a bad value.
public struct SpecTable {
    let table: TOMLTable
    /// The table's name in the spec: "" for the top level, otherwise the analysis kind.
    public let name: String
    /// Which `[[name]]` of the spec this is, from 0.
    public let occurrence: Int
    public let path: String
    let lines: SpecLines

    /// The line of `key`, else of the table's header.
    public func line(of key: String) -> Int? {
        lines.line(ofKey: key, table: name, occurrence: occurrence)
            ?? (name.isEmpty ? lines.line(ofTable: key) : headerLine)
    }

    public var headerLine: Int? { name.isEmpty ? nil : lines.line(ofTable: name, occurrence: occurrence) }

    public func error(_ key: String?, _ message: String) -> JobSpecError {
        JobSpecError(path, line: key.map(line(of:)) ?? headerLine, message)
    }

    var label: String { name.isEmpty ? "" : " in [[\(name)]]" }

    public var keys: [String] { table.keys }

    /// Fails on the first key not in `allowed`, naming its line and the keys that are.
    public func allowOnly(_ allowed: [String]) throws(JobSpecError) {
        for key in table.keys where !allowed.contains(key) {
            throw error(key, "unknown key '\(key)'\(label) (known: \(allowed.joined(separator: ", ")))")
        }
    }

    func value(_ key: String) -> TOMLValueConvertible? { table[key] }

    public func string(_ key: String) throws(JobSpecError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw error(key, "'\(key)'\(label) must be a string, not \(v.type)") }
        return s
    }

    /// An integer; a float with an integer value (`1e6`) is accepted too. `limit`: the kind of
    /// `Limits.current` it must stay within (a count, a size).
    public func int(_ key: String, atLeast minimum: Int? = nil, atMost maximum: Int? = nil,
                    limit: Limits.Kind? = nil) throws(JobSpecError) -> Int? {
        guard let v = value(key) else { return nil }
        let i: Int
        if let exact = v.int {
            i = exact
        } else if let d = v.double, d == d.rounded(), abs(d) < 9.2e18 {
            i = Int(d)
        } else {
            throw error(key, "'\(key)'\(label) must be an integer, not \(v.double.map { "\($0)" } ?? "\(v.type)")")
        }
        if let minimum, i < minimum { throw error(key, "'\(key)'\(label) must be at least \(minimum), got \(i)") }
        if let maximum, i > maximum { throw error(key, "'\(key)'\(label) must be at most \(maximum), got \(i)") }
        if let limit {
            do { try Limits.current.check(i, limit, "'\(key)'\(label)") } catch { throw self.error(key, error.description) }
        }
        return i
    }

    /// A number; an integer is accepted too.
    public func double(_ key: String) throws(JobSpecError) -> Double? {
        guard let v = value(key) else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw error(key, "'\(key)'\(label) must be a number, not \(v.type)")
    }

    /// An array of numbers (integers accepted), e.g. `[1.0, 0.5]`.
    public func numbers(_ key: String) throws(JobSpecError) -> [Double]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else { throw error(key, "'\(key)'\(label) must be an array of numbers, not \(v.type)") }
        var numbers: [Double] = []
        for element in array {
            guard let x = element.double ?? element.int.map(Double.init) else {
                throw error(key, "'\(key)'\(label) must be an array of numbers, but holds a \(element.type)")
            }
            numbers.append(x)
        }
        return numbers
    }

    /// Whether `key` holds a string (for keys that take a string or another type).
    public func holdsString(_ key: String) -> Bool { value(key)?.string != nil }

    public func bool(_ key: String) throws(JobSpecError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw error(key, "'\(key)'\(label) must be true or false, not \(v.type)") }
        return b
    }

    /// A seed: a non-negative integer.
    public func seed(_ key: String = "seed") throws(JobSpecError) -> UInt64? {
        try int(key, atLeast: 0).map { UInt64($0) }
    }
}

/// One analysis a spec asks for, checked and ready to run.
public struct AnalysisRequest: Sendable {
    /// The analysis kind (`cycles`, `info`, ...): the spec's table name.
    public var kind: String
    /// The HDF5 group it writes, directly under the root (docs/hdf5-schema.md, "Jobs").
    public var group: String
    /// The line of its table in the spec.
    public var line: Int?
    public var configuration: any AnalysisConfiguration
}

/// A parsed and checked job spec (docs/jobs.md).
public struct JobSpec: Sendable {
    /// The spec file as given, and as an absolute path.
    public var path: String
    public var absolutePath: String
    /// The spec's text, stored with the results.
    public var text: String
    /// `name`, else the file name without `.toml`.
    public var name: String
    /// The model file, absolute (relative paths in the spec are taken from the spec's directory).
    public var modelPath: String?
    /// The line of `model` in the spec.
    public var modelLine: Int?
    /// The spec's `seed` (default 0), the default of every analysis's seed.
    public var seed: UInt64
    public var analyses: [AnalysisRequest]
    /// `mpiio_hints`: MPI-IO hints for the result file when several ranks write it
    /// (docs/cluster.md, "MPI-IO hints"), as a table of strings or numbers or as the text
    /// `key=value,key=value`; empty when absent.
    public var mpiIOHints: [(key: String, value: String)] = []

    /// Top-level keys other than analysis tables.
    public static let topLevelKeys = ["model", "name", "seed", "mpiio_hints"]

    /// Reads and checks `path`. Every mistake is reported with the spec's path and line.
    public static func load(_ path: String, registry: AnalysisRegistry) throws(JobSpecError) -> JobSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file (not UTF-8 text?)" : "no such file"
            throw JobSpecError(path, line: nil, reason)
        }
        return try parse(text, path: path, registry: registry)
    }

    public static func parse(_ text: String, path: String, registry: AnalysisRegistry) throws(JobSpecError) -> JobSpec {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw JobSpecError(path, line: error.source.begin.line, "not valid TOML: \(error.description)")
        } catch {
            throw JobSpecError(path, line: nil, "not valid TOML: \(error)")
        }
        let lines = SpecLines(text: text)
        let top = SpecTable(table: table, name: "", occurrence: 0, path: path, lines: lines)
        let absolute = Self.absolute(path)
        let directory = (absolute as NSString).deletingLastPathComponent

        // Check every top-level key first, in the order they appear in the file.
        let keys = table.keys.sorted { (top.line(of: $0) ?? 0) < (top.line(of: $1) ?? 0) }
        for key in keys {
            let value = table[key]!
            let isTable = value.type == .table || (value.type == .array && value.array!.count > 0 && value.array!.allSatisfy { $0.type == .table })
            if topLevelKeys.contains(key) { continue }
            if registry.kind(named: key) != nil {
                guard isTable else { throw top.error(key, "'\(key)' must be a table of options: [[\(key)]]") }
                continue
            }
            if registry.planned.contains(key) {
                throw top.error(key, "analysis '\(key)' is not available in this version of platlas (available: \(registry.names.joined(separator: ", ")))")
            }
            if isTable {
                let planned = registry.planned.isEmpty ? "" : "; planned: \(registry.planned.joined(separator: ", "))"
                throw top.error(key, "unknown analysis '\(key)' (available: \(registry.names.joined(separator: ", "))\(planned))")
            }
            throw top.error(key, "unknown key '\(key)' (known: \((topLevelKeys + registry.names.map { "[[\($0)]]" }).joined(separator: ", ")))")
        }

        let name = try top.string("name") ?? ((absolute as NSString).lastPathComponent as NSString).deletingPathExtension
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw top.error("name", "'name' must be letters, digits, '-', '_' or '.', got '\(name)'")
        }
        var model: String?
        if let m = try top.string("model") {
            guard !m.isEmpty else { throw top.error("model", "'model' is empty") }
            model = m.hasPrefix("/") ? m : (directory as NSString).appendingPathComponent(m)
            model = (model! as NSString).standardizingPath
        }
        let seed = try top.seed() ?? 0
        let hints = try mpiIOHints(top)

        // The analyses, in the order their tables appear in the file.
        var tables: [SpecTable] = []
        for kind in registry.kinds {
            guard let value = table[kind.name] else { continue }
            if let single = value.table {
                tables.append(SpecTable(table: single, name: kind.name, occurrence: 0, path: path, lines: lines))
            } else if let array = value.array {
                for (i, element) in array.enumerated() {
                    tables.append(SpecTable(table: element.table!, name: kind.name, occurrence: i, path: path, lines: lines))
                }
            }
        }
        tables.sort { ($0.headerLine ?? 0) < ($1.headerLine ?? 0) }
        var analyses: [AnalysisRequest] = []
        let context = SpecContext(seed: seed, directory: directory)
        for t in tables {
            let kind = registry.kind(named: t.name)!
            let count = tables.filter { $0.name == t.name }.count
            if count > 1 && !kind.allowsSeveral {
                if t.occurrence > 0 {
                    throw t.error(nil, "only one [[\(t.name)]] analysis per spec (a second one starts here)")
                }
            }
            try t.allowOnly(kind.keys.map(\.name))
            for key in kind.keys where key.required && t.value(key.name) == nil {
                throw t.error(nil, "[[\(t.name)]] needs '\(key.name)' (\(key.meaning))")
            }
            let configuration = try kind.parse(t, context)
            let group = count > 1 ? "\(t.name)_\(t.occurrence + 1)" : t.name
            analyses.append(AnalysisRequest(kind: t.name, group: group, line: t.headerLine, configuration: configuration))
        }
        guard !analyses.isEmpty else {
            throw JobSpecError(path, line: nil, "no analyses: add a table such as [[cycles]] (available: \(registry.names.joined(separator: ", ")))")
        }
        var spec = JobSpec(path: path, absolutePath: absolute, text: text, name: name, modelPath: model,
                           modelLine: top.line(of: "model"), seed: seed, analyses: analyses)
        spec.mpiIOHints = hints
        return spec
    }

    /// The spec's `mpiio_hints`: a table (`{ striping_factor = 8, romio_cb_write = "enable" }`)
    /// or the text `key=value,key=value` of `PLATLAS_MPIIO_HINTS`.
    static func mpiIOHints(_ top: SpecTable) throws(JobSpecError) -> [(key: String, value: String)] {
        guard let value = top.table["mpiio_hints"] else { return [] }
        let expected = "'mpiio_hints' must be a table of MPI-IO hints, e.g. { romio_cb_write = \"enable\", striping_factor = 8 }, or the text \"key=value,key=value\""
        if let text = value.string {
            let (hints, problem) = MPIIOHints.parse(text)
            if let problem { throw top.error("mpiio_hints", "'mpiio_hints': \(problem) (expected \"key=value,key=value\" or a table)") }
            return hints
        }
        guard let table = value.table else { throw top.error("mpiio_hints", expected) }
        var hints: [(key: String, value: String)] = []
        for key in table.keys.sorted() {
            let entry = table[key]!
            if let text = entry.string, !text.isEmpty {
                hints.append((key, text))
            } else if let number = entry.int {
                hints.append((key, String(number)))
            } else if let flag = entry.bool {
                hints.append((key, flag ? "true" : "false"))
            } else {
                throw top.error("mpiio_hints", "'mpiio_hints.\(key)' must be a text, a whole number or true/false")
            }
        }
        return hints
    }

    /// Models an analysis brings itself (the snapshots of the first stack sweep), with the
    /// file they came from: what a run of a spec without `model` writes to `/model`.
    public var ownModels: (path: String, models: [Model])? {
        analyses.lazy.compactMap { $0.configuration.ownModels }.first
    }

    /// Whether some analysis analyses the spec's model; if none does (every analysis is a stack
    /// sweep), the spec needs no `model`.
    public var needsModel: Bool { analyses.contains { $0.configuration.ownModels == nil } }

    /// Checks every analysis against the model the run will analyse (the spec's or `--model`),
    /// before any computation; the error names the line of the offending key.
    public func check(_ model: Model) throws(JobSpecError) {
        for analysis in analyses {
            try analysis.configuration.check(model)
            if let order = analysis.configuration.cycleSearchOrder {
                do { try CycleSearch.checkSize(maxOrder: order, dimension: model.dimension) } catch {
                    throw JobSpecError(path, line: analysis.line, "[[\(analysis.kind)]]: \(error)")
                }
            }
        }
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}

/// What every analysis of a spec shares when it is parsed.
public struct SpecContext: Sendable {
    /// The spec's top-level `seed`.
    public var seed: UInt64
    /// The spec's directory (absolute): relative file names in the spec are taken from it.
    public var directory: String
}
