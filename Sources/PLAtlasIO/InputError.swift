/// Bad input: a model file, an option value, a job spec or a choice that does not fit the model,
/// found after the command line was parsed. The one input error of platlas: `platlas: error:`
/// and the message on one line, exit code 2, on every rank alike (every rank reads the same
/// input and finds the same fault). Other modules' errors are turned into it once, where the
/// front door knows which option or key to name.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
