import Foundation
import HDF5
import Testing

/// The fits of the built-in systems keep the dynamics: with the defaults and seed 1, the
/// fixed points that `platlas cycles` finds in the written model are the true equilibria
/// inside the region of interest, each within 2 % of the region's diagonal and with the true
/// unstable dimension, and nothing else is inside (docs/fitting.md).
@Suite("platlas fit keeps the topology")
struct FitTopologyTests {
    struct Truth {
        var point: [Double]
        var unstable: Int
    }

    /// The documented region of interest of each system and its true equilibria inside it.
    static let cases: [(system: String, lower: [Double], upper: [Double], truth: [Truth])] = [
        ("duffing", [-4.5, -4.5], [4.5, 4.5],
         [Truth(point: [Double(10).squareRoot(), 0], unstable: 0), Truth(point: [-Double(10).squareRoot(), 0], unstable: 0),
          Truth(point: [0, 0], unstable: 1)]),
        ("vanderpol", [-4, -4], [4, 4], [Truth(point: [0, 0], unstable: 2)]),
        ("lorenz63", [-25, -30, -10], [25, 30, 60],
         [Truth(point: [0, 0, 0], unstable: 1), Truth(point: [Double(72).squareRoot(), Double(72).squareRoot(), 27], unstable: 2),
          Truth(point: [-Double(72).squareRoot(), -Double(72).squareRoot(), 27], unstable: 2)]),
    ]

    @Test(arguments: 0..<3) func fixedPointsOfTheWrittenModel(_ index: Int) throws {
        let (system, lower, upper, truth) = Self.cases[index]
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/\(system).json"
        let fit = try CLI.run(["fit", "--system", system, "--seed", "1", "--json", "--json-model", model])
        #expect(fit.status == 0, "\(system): \(fit.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as! [String: Any]
        #expect(document["target"] as? String == "vector-field")
        let region = document["region_of_interest"] as! [String: Any]
        #expect(region["lower"] as? [Double] == lower && region["upper"] as? [Double] == upper)
        let topology = document["topology"] as! [String: Any]
        #expect(topology["agrees"] as? Bool == true, "\(topology["differences"] ?? "")")
        #expect((topology["spurious"] as! [Any]).isEmpty)

        let cycles = try CLI.run(["cycles", model, "--max-order", "1", "--json"])
        #expect(cycles.status == 0, "\(cycles.stderr)")
        let found = (try JSONSerialization.jsonObject(with: Data(cycles.stdout.utf8)) as! [String: Any])["cycles"] as! [[String: Any]]
        let inside = found.map { (($0["points"] as! [[Double]])[0], $0["unstable_dimension"] as! Int) }
            .filter { p, _ in p.indices.allSatisfy { lower[$0] <= p[$0] && p[$0] <= upper[$0] } }
        let diagonal = zip(lower, upper).reduce(0.0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }.squareRoot()
        #expect(inside.count == truth.count, "\(system): fixed points inside the region \(inside)")
        for t in truth {
            let distances = inside.map { p, _ in zip(p, t.point).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
            let nearest = try #require(distances.indices.min { distances[$0] < distances[$1] }, "\(system): none near \(t.point)")
            #expect(distances[nearest] <= 0.02 * diagonal, "\(system): \(inside[nearest].0) is \(distances[nearest]) from \(t.point)")
            #expect(inside[nearest].1 == t.unstable, "\(system) at \(t.point): unstable dimension \(inside[nearest].1)")
        }
    }

    /// A fit too small to keep the dynamics: exit code 1, one line saying what differs, no
    /// model written; --allow-mismatch accepts it (exit 0, the model written) and the JSON
    /// reports every difference either way.
    @Test func mismatchFailsUnlessAllowed() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/small.json", h5 = directory + "/small.h5"
        let arguments = ["fit", "--system", "duffing", "--hidden", "4", "--samples", "400", "--json", "--json-model", model, "--output", h5]
        let refused = try CLI.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.errorLines.count == 1, "\(refused.stderr)")
        let line = String(refused.errorLines.first ?? "")
        #expect(line.hasPrefix("platlas: error: duffing: the fit's topology differs from the true system's: "))
        #expect(line.contains("no fixed point near the true one at (3.162, 0)"), "\(line)")
        #expect(line.hasSuffix("no model written (--allow-mismatch writes it)"))
        #expect(!FileManager.default.fileExists(atPath: model) && !FileManager.default.fileExists(atPath: h5))
        let document = try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as! [String: Any]
        let topology = document["topology"] as! [String: Any]
        #expect(topology["agrees"] as? Bool == false)
        let differences = topology["differences"] as! [String]
        #expect(line.contains(differences.joined(separator: "; ")))
        let equilibria = topology["equilibria"] as! [[String: Any]]
        #expect(equilibria.count == 3)
        #expect(equilibria.contains { $0["agrees"] as? Bool == false })

        let accepted = try CLI.run(arguments + ["--allow-mismatch"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.errorLines.isEmpty)
        #expect(accepted.stderr.contains("the topology differs from the true system's (accepted by --allow-mismatch)"))
        #expect(FileManager.default.fileExists(atPath: model))
        let file = try File.open(h5)
        let fit = try file.root.openGroup("fit")
        #expect(try fit.attributeString("target") == "vector-field")
        #expect(try fit.attributeInt("topology_agrees") == 0)
        try fit.close()
        try file.close()
    }

    @Test func badTargets() throws {
        let unknown = try CLI.run(["fit", "--system", "duffing", "--target", "sideways"])
        #expect(unknown.status == 2 && unknown.stderr.contains("--target must be vector-field or flow-map, got 'sideways'"))
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/traj.h5"
        let file = try File.create(path)
        try file.root.writeDataset("run", (0..<20).map(Double.init), shape: [10, 2])
        try file.root.setAttribute("dt", 0.1)
        try file.close()
        let field = try CLI.run(["fit", "--data", path, "--target", "Vector_Field"])
        #expect(field.status == 2 && field.stderr.contains("--target vector-field needs --system"), "\(field.stderr)")
        let weight = try CLI.run(["fit", "--system", "duffing", "--equilibrium-weight=-1"])
        #expect(weight.status == 2 && weight.stderr.contains("--equilibrium-weight must be non-negative"))
        for result in [unknown, field, weight] { #expect(result.errorLines.count == 1 && result.stdout.isEmpty) }
    }
}
