import HDF5
import PLAtlasCore

/// The model file `platlas fit --output` writes (docs/hdf5-schema.md, `/fit`): the fitted
/// model at `/model` and the fit's diagnostics in the group `/fit`.
public enum FitOutput {
    /// What the fit was made from and how.
    public struct Provenance: Sendable {
        /// The system's name or the trajectory file.
        public var source: String
        public var target: FitTarget
        public var dt: Double
        public var seed: UInt64
        public var ridge: Double
        /// Parameter values of a known system (nil for trajectories).
        public var parameters: [Double]?

        public init(source: String, target: FitTarget, dt: Double, seed: UInt64, ridge: Double, parameters: [Double]?) {
            self.source = source
            self.target = target
            self.dt = dt
            self.seed = seed
            self.ridge = ridge
            self.parameters = parameters
        }
    }

    /// Writes `report` to `path` atomically (nothing at `path` until the file is complete).
    ///
    /// `/fit` attributes: `source`, `target`, `dt`, `seed`, `ridge`, `train_rmse`,
    /// `heldout_rmse`, `train_relative_error`, `heldout_relative_error`, `parameters` (known
    /// systems); after the topology comparison `topology_agrees` (1 or 0) and
    /// `largest_fixed_point_error` (NaN when nothing matched); after `--omp` the datasets
    /// `omp_hidden` and `omp_error`.
    public static func writeHDF5(_ report: FitReport, provenance: Provenance, to path: String) throws {
        try AtomicFile.writeHDF5(path) { root in
            try ModelFile.write([report.model], into: root, group: "/model")
            let fit = try root.createGroup("fit")
            try fit.setAttribute("source", provenance.source)
            try fit.setAttribute("target", provenance.target.rawValue)
            try fit.setAttribute("dt", provenance.dt)
            try fit.setAttribute("seed", Int(truncatingIfNeeded: provenance.seed))
            try fit.setAttribute("ridge", provenance.ridge)
            try fit.setAttribute("train_rmse", report.trainError.rmse)
            try fit.setAttribute("heldout_rmse", report.heldOutError.rmse)
            try fit.setAttribute("train_relative_error", report.trainError.relative)
            try fit.setAttribute("heldout_relative_error", report.heldOutError.relative)
            if let parameters = provenance.parameters { try fit.setAttribute("parameters", parameters) }
            if let topology = report.topology {
                try fit.setAttribute("topology_agrees", topology.agrees ? 1 : 0)
                try fit.setAttribute("largest_fixed_point_error", topology.largestMatchedDistance ?? .nan)
            }
            if let pursuit = report.pursuit {
                try fit.writeDataset("omp_hidden", pursuit.steps.map { Int64($0.hidden) }, shape: [pursuit.steps.count])
                try fit.writeDataset("omp_error", pursuit.steps.map(\.trainError), shape: [pursuit.steps.count])
            }
            try fit.close()
        }
    }
}
