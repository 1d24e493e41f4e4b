import Foundation
import HDF5
import Testing

/// A fresh directory for one test's files, removed by `cleanUp()`.
struct Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("platlas-hdf5-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

/// The description of the `HDF5Error` that `body` throws, or nil (recorded as a test
/// failure) if it does not throw.
func hdf5Failure(_ body: () throws(HDF5Error) -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    do {
        try body()
    } catch {
        return error.description
    }
    Issue.record("expected an HDF5Error", sourceLocation: sourceLocation)
    return nil
}
