/// The version of platlas, reported by `platlas --version` and stored in every output file.
public let platlasVersion = "0.1.0"
