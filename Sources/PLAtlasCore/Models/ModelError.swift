/// A model that cannot be used, with the source (file), the field and what is wrong. Its
/// description is one line: `FILE: field 'W': wrong shape: expected 3x3, found 3x2`.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the model came from (a path, or a description such as "model").
    public var source: String
    /// The offending field, if the problem is in one (e.g. "W", "stack[2].h").
    public var field: String?
    public var problem: String

    public init(source: String, field: String? = nil, _ problem: String) {
        self.source = source
        self.field = field
        self.problem = problem
    }

    public var description: String {
        if let field { return "\(source): field '\(field)': \(problem)" }
        return "\(source): \(problem)"
    }

    /// The same error for a model nested at `prefix` (e.g. "stack[3]").
    public func nested(in prefix: String) -> ModelError {
        var copy = self
        copy.field = field.map { "\(prefix).\($0)" } ?? prefix
        return copy
    }
}
