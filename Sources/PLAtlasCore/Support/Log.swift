/// The one way library code reports progress: a sink for lines of text that the command line
/// sends to stderr (rank 0 only) and tests ignore. The core never prints.
public struct Log: Sendable {
    let sink: @Sendable (String) -> Void

    public init(_ sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    /// Discards everything.
    public static let silent = Log { _ in }

    public func callAsFunction(_ message: @autoclosure () -> String) { sink(message()) }
}
