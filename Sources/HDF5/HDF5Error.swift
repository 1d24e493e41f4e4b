/// A failed HDF5 operation, with what platlas was doing and the library's own error stack.
///
/// The description reads `<context>: <function>: <outermost message>: <innermost message>`,
/// for example `cannot open file 'x.h5': H5Fopen: unable to open file: file signature not
/// found`. Errors found by the wrapper itself (a missing attribute, a string dataset read as
/// numbers, a hyperslab outside the extent) have an empty `stack` and name no function.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// One entry of HDF5's error stack, outermost (the API call) first.
    public struct Frame: Sendable, Equatable {
        /// The library function that pushed the entry, e.g. `H5Fopen` or `H5F__super_read`.
        public let function: String
        /// The entry's message, e.g. `file signature not found`.
        public let message: String
        /// Where in the library's sources the entry was pushed (`H5Fsuper.c:450`).
        public let sourceLocation: String
    }

    /// What platlas was doing, e.g. `cannot open file 'x.h5'`.
    public internal(set) var context: String
    /// The HDF5 API function that failed (`H5Fopen`), or empty for the wrapper's own checks.
    public let function: String
    /// The library's error stack at the time of the failure, outermost entry first.
    public let stack: [Frame]
    /// The wrapper's own explanation, when the failure was found before calling the library.
    public let reason: String

    init(context: String = "", function: String, stack: [Frame]) {
        self.context = context
        self.function = function
        self.stack = stack
        self.reason = ""
    }

    /// An error found by the wrapper itself (no library call failed).
    init(_ context: String, reason: String) {
        self.context = context
        self.function = ""
        self.stack = []
        self.reason = reason
    }

    public var description: String {
        var parts: [String] = []
        if !context.isEmpty { parts.append(context) }
        if !reason.isEmpty { parts.append(reason) }
        if !function.isEmpty {
            parts.append(function)
            if let outer = stack.first {
                parts.append(outer.message)
                if let inner = stack.last, stack.count > 1, inner.message != outer.message {
                    parts.append(inner.message)
                }
            } else {
                parts.append("failed (no HDF5 error stack)")
            }
        }
        return parts.joined(separator: ": ")
    }

    /// The operating system's error number (`errno`) of a failed read or write in the
    /// library's file driver, e.g. 28 (`ENOSPC`) for a write to a full disk; nil if none is
    /// reported. The sec2 driver reports it in its message as `errno = N`.
    public var systemErrorNumber: Int32? {
        for frame in stack.reversed() {
            guard let range = frame.message.firstRange(of: "errno = ") else { continue }
            let digits = frame.message[range.upperBound...].prefix { $0.isNumber }
            if let number = Int32(digits) { return number }
        }
        return nil
    }

    /// The error with `context` in front of whatever context it already had.
    func adding(context outer: String) -> HDF5Error {
        var copy = self
        copy.context = copy.context.isEmpty ? outer : "\(outer): \(copy.context)"
        return copy
    }
}

/// Runs `body`, putting `context` in front of any `HDF5Error` it throws.
@inline(__always)
func inContext<T: ~Copyable>(
    _ context: @autoclosure () -> String, _ body: () throws(HDF5Error) -> T
) throws(HDF5Error) -> T {
    do {
        return try body()
    } catch {
        throw error.adding(context: context())
    }
}
