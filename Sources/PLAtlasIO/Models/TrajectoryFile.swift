import Foundation
import HDF5
import PLAtlasCore

/// Trajectory files for `platlas fit --data` (docs/fitting.md): T x M datasets at the root of
/// an HDF5 file, with the time step as the attribute `dt` of the root or of a dataset.
public enum TrajectoryFile {
    /// Every 2-D dataset at the root of `path` (sorted by name) and the dt attribute.
    public static func read(_ path: String) throws(InputError) -> (trajectories: [[[Double]]], dt: Double?) {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("\(path): no such file") }
        guard File.isHDF5(path) else { throw InputError("\(path): not an HDF5 file") }
        do {
            let file = try File.open(path)
            let root = file.root
            var dt: Double? = root.hasAttribute("dt") ? try root.attributeDouble("dt") : nil
            var trajectories: [[[Double]]] = []
            var width: Int?
            var total = 0.0
            for name in try root.childNames() where root.isDataset(name) {
                // The shape first: nothing is read before it is checked.
                let dataset = try root.openDataset(name)
                let shape = try dataset.extent().shape
                if dt == nil, dataset.hasAttribute("dt") { dt = try dataset.attributeDouble("dt") }
                try dataset.close()
                guard shape.count == 2, shape[0] >= 2, shape[1] >= 1 else {
                    throw InputError("\(path): dataset '\(name)': wrong shape: expected T x M with T >= 2, found \(shape.map(String.init).joined(separator: "x"))")
                }
                if let width, width != shape[1] {
                    throw InputError("\(path): dataset '\(name)': wrong shape: \(shape[1]) columns, earlier datasets have \(width)")
                }
                total += Limits.product(shape)
                do {
                    try Limits.current.check(shape[1], .dimension, "dataset '\(name)': the state dimension M")
                    try Limits.current.check(total, .values, "the number of values in the datasets up to '\(name)'")
                } catch {
                    throw InputError("\(path): \(error.description)")
                }
                let values = try root.readDoubles(name).values
                width = shape[1]
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw InputError("\(path): dataset '\(name)': \(values[bad].isNaN ? "NaN" : "infinite value") at [\(bad / shape[1]), \(bad % shape[1])]")
                }
                trajectories.append((0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) })
            }
            try file.close()
            guard !trajectories.isEmpty else { throw InputError("\(path): no datasets at the root (expected T x M trajectories)") }
            return (trajectories, dt)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("\(path): \(error)")
        }
    }
}
