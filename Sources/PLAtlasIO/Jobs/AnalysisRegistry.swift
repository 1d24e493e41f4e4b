import PLAtlasCore

/// An analysis kind: the name of its table in a spec, the keys that table may hold, how the
/// table becomes a configuration.
public struct AnalysisKind: Sendable {
    public struct Key: Sendable {
        public var name: String
        /// What the key means, for documentation and error messages.
        public var meaning: String
        public var required: Bool

        public init(_ name: String, _ meaning: String, required: Bool = false) {
            self.name = name
            self.meaning = meaning
            self.required = required
        }
    }

    public var name: String
    public var summary: String
    public var keys: [Key]
    /// Whether a spec may hold several tables of this kind (each then writes `/<kind>_<n>`).
    public var allowsSeveral: Bool
    /// Turns a table (whose keys are known to be among `keys`, required ones present) into a
    /// configuration; throws with the line of a bad value.
    public var parse: @Sendable (SpecTable, SpecContext) throws(JobSpecError) -> any AnalysisConfiguration

    public init(name: String, summary: String, keys: [Key], allowsSeveral: Bool,
                parse: @escaping @Sendable (SpecTable, SpecContext) throws(JobSpecError) -> any AnalysisConfiguration) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.allowsSeveral = allowsSeveral
        self.parse = parse
    }
}

/// The analyses job specs can name (`AnalysisRegistry.standard` in PLAtlasAnalyses/Registry.swift
/// lists platlas's own).
public struct AnalysisRegistry: Sendable {
    public var kinds: [AnalysisKind]
    /// Names reserved for analyses this version does not have: a spec naming one is refused as
    /// "not available in this version" rather than as unknown.
    public var planned: [String]

    public init(kinds: [AnalysisKind], planned: [String]) {
        self.kinds = kinds
        self.planned = planned
    }

    /// Groups directly under the root that hold the groups of several analyses, each child
    /// carrying its own `analysis` attribute (`/manifolds/<name>`, `/intersections/<name>`).
    /// Every other group under the root (but `/model` and `/job`) is one analysis's.
    public static let sharedGroups = ["manifolds", "intersections"]

    public func kind(named name: String) -> AnalysisKind? { kinds.first { $0.name == name } }

    public var names: [String] { kinds.map(\.name) }
}
