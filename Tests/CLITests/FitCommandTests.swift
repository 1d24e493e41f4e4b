import Foundation
import HDF5
import PLAtlasCore
import PLAtlasIO
import Testing

/// Paths for the fit tests' files (the binary runs through `CLI`).
enum FitCLI {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("platlas-fit-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
    }
}

@Suite("platlas fit", .serialized)
struct FitCommandTests {
    func expectBadInput(_ arguments: [String], _ fragment: String) throws {
        let result = try CLI.run(["fit"] + arguments)
        #expect(result.status == 2, "\(arguments): status \(result.status), stderr \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(arguments): stderr \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func unknownSystem() throws { try expectBadInput(["--system", "pendulum"], "unknown system 'pendulum'") }
    @Test func negativeDt() throws { try expectBadInput(["--system", "duffing", "--dt=-0.1"], "--dt must be positive") }
    @Test func zeroHidden() throws { try expectBadInput(["--system", "duffing", "--hidden", "0"], "--hidden must be at least 1") }
    @Test func unknownParameter() throws {
        try expectBadInput(["--system", "duffing", "--param", "rho=3"], "platlas: error: unknown parameter 'rho' for system duffing")
    }
    @Test func neitherSystemNorData() throws { try expectBadInput([], "exactly one of --system") }

    @Test func dataWithWrongShape() throws {
        let path = FitCLI.temporaryPath("shape.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try File.create(path)
        try file.root.writeDataset("x", [1.0, 2, 3, 4], shape: [4])
        try file.root.setAttribute("dt", 0.1)
        try file.close()
        try expectBadInput(["--data", path], "dataset 'x': wrong shape")
    }

    @Test func dataWithNaN() throws {
        let path = FitCLI.temporaryPath("nan.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try File.create(path)
        try file.root.writeDataset("trajectory", [0.0, 1, 2, .nan, 4, 5], shape: [3, 2])
        try file.root.setAttribute("dt", 0.1)
        try file.close()
        try expectBadInput(["--data", path], "dataset 'trajectory': NaN at [1, 1]")
    }

    /// A user's trajectories (here of the bistable system) fit like a built-in system.
    @Test func fitsTrajectoriesFromAFile() throws {
        let path = FitCLI.temporaryPath("traj.h5")
        let modelPath = FitCLI.temporaryPath("traj-model.json")
        defer { for p in [path, modelPath] { try? FileManager.default.removeItem(atPath: p) } }
        let integrator = RungeKutta4(maxStep: 0.01) { z in [z[0] - z[0] * z[0] * z[0]] }
        let file = try File.create(path)
        for (i, start) in [-1.8, -0.6, -0.05, 0.05, 0.7, 1.9].enumerated() {
            let states = integrator.trajectory(from: [start], dt: 0.1, count: 60).flatMap { $0 }
            try file.root.writeDataset("run\(i)", states, shape: [60, 1])
        }
        try file.root.setAttribute("dt", 0.1)
        try file.close()
        let result = try CLI.run(["fit", "--data", path, "--hidden", "8", "--json", "--json-model", modelPath])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(document["dt"] as? Double == 0.1)
        #expect(document["hidden"] as? Int == 8)
        let long = document["long_horizon"] as! [String: Any]
        #expect(long["stable_fixed_points"] as? Int == 2)
        let model = try ModelFile.loadSingle(modelPath)
        #expect(model.kind == .shplrnn && model.dimension == 1 && model.hiddenUnits == 8)
    }

    @Test func jsonDocumentAndModelFiles() throws {
        let h5 = FitCLI.temporaryPath("bistable.h5")
        let js = FitCLI.temporaryPath("bistable.json")
        defer { for p in [h5, js] { try? FileManager.default.removeItem(atPath: p) } }
        let result = try CLI.run(["fit", "--system", "bistable", "--samples", "300", "--json", "--output", h5, "--json-model", js])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        for key in ["system", "parameters", "dt", "hidden", "seed", "train_error", "heldout_error", "long_horizon", "invertibility", "omp", "model_path",
                    "target", "region_of_interest", "samples", "topology", "total_seconds"] {
            #expect(document[key] != nil, "missing \(key)")
        }
        #expect(document["system"] as? String == "bistable")
        let fromH5 = try ModelFile.loadSingle(h5)
        let fromJSON = try ModelFile.loadSingle(js)
        #expect(fromH5 == fromJSON)
        let long = document["long_horizon"] as! [String: Any]
        #expect(long["stable_fixed_points"] as? Int == 2)
        #expect(long["reproduces_attractors"] as? Bool == true)
        let file = try File.open(h5)
        let fit = try file.root.openGroup("fit")
        #expect(try fit.attributeString("target") == "vector-field")
        #expect(try fit.attributeInt("topology_agrees") == 1)
        #expect(try fit.attributeDouble("largest_fixed_point_error") < 0.06)
        try fit.close()
        try file.close()
    }

    /// Seed 002's Algorithm 1 on the cubic's vector field, unweighted: 5 units reach a 10 %
    /// error, and the error after each added unit never grows.
    @Test func ompReachesTheToleranceOnTheBistableSystem() throws {
        let result = try CLI.run(["fit", "--system", "bistable", "--omp", "--max-hidden", "20", "--tolerance", "0.1",
                                     "--pool", "500", "--equilibrium-weight", "0", "--relative-floor", "0", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(document["omp_reached_tolerance"] as? Bool == true)
        let curve = document["omp"] as! [[String: Any]]
        let errors = curve.map { $0["error"] as! Double }
        #expect(errors.last! <= 0.1)
        #expect(curve.count - 1 <= 6, "needed \(curve.count - 1) units")
        for i in 1..<errors.count { #expect(errors[i] <= errors[i - 1] + 1e-12) }
        #expect(document["target"] as? String == "vector-field")
        #expect((document["topology"] as? [String: Any])?["agrees"] as? Bool == true)
    }

    /// The bundled bistable model is what its documented command line writes: the same keys
    /// and shapes, every number within 1e-10 relative plus 1e-12 (OpenBLAS picks its kernels by CPU, and
    /// the kernels of another CPU sum in another order: the last digits differ; with the same
    /// kernels the file is the same bit for bit, `OPENBLAS_CORETYPE=Haswell` as
    /// scripts/make-bundled-models.sh sets it).
    @Test func bundledBistableModelRegenerates() throws {
        let path = FitCLI.temporaryPath("bundled-bistable.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["fit", "--system", "bistable", "--seed", "1", "--skip-long-horizon", "--json-model", path])
        #expect(result.status == 0, "\(result.stderr)")
        let bundled = CLI.repository + "/jobs/models/bistable.json"
        func load(_ p: String) throws -> Any { try JSONSerialization.jsonObject(with: try #require(FileManager.default.contents(atPath: p))) }
        func close(_ a: Any, _ b: Any) -> Bool {
            if let x = a as? [String: Any], let y = b as? [String: Any] {
                return Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { close(x[$0]!, y[$0]!) }
            }
            if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy(close) }
            if let x = a as? String, let y = b as? String { return x == y }
            if let x = (a as? NSNumber)?.doubleValue, let y = (b as? NSNumber)?.doubleValue { return abs(x - y) <= 1e-10 * max(abs(x), abs(y)) + 1e-12 }
            return false
        }
        #expect(close(try load(path), try load(bundled)), "the regenerated model differs from jobs/models/bistable.json beyond 1e-10 relative")
    }
}
