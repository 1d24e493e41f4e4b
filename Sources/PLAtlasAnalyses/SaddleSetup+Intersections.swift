import Foundation
import HDF5
import LinearAlgebra
import PLAtlasCore
import PLAtlasIO

/// Homoclinic and heteroclinic points (`platlas intersections`, `[[intersections]]`).
extension SaddleSetup {
    // MARK: - intersections

    /// Homoclinic or heteroclinic points: what `platlas intersections` computes.
    public struct IntersectionsRun: Sendable {
        public var cycles: [Cycle]
        public var box: Box
        public var unstableIndex: Int?
        public var stableIndex: Int?
        public var unstable: Manifold
        public var stable: Manifold
        public var points: [IntersectionPoint]
        public var tolerance: Double

        public var homoclinic: Bool { unstableIndex == stableIndex }
        public var verified: Int { points.filter(\.verified).count }
        /// A verified transversal homoclinic point of an invertible map.
        public var chaosCertificate: Bool {
            let r = stable.nonInvertibility
            return homoclinic && verified > 0 && r.severalPreimages == 0 && r.singular == 0 && r.folds == 0
        }
        public var name: String { "cycle\(unstableIndex ?? -1)-cycle\(stableIndex ?? -1)" }
        public var unstableName: String { "cycle\(unstableIndex ?? -1)-unstable" }
        public var stableName: String { "cycle\(stableIndex ?? -1)-stable" }

        /// Writes both manifolds under `/manifolds` and the points under `/intersections/<name>`.
        public func write(into root: borrowing Group, analysis: String) throws {
            for path in ["manifolds/\(unstableName)", "manifolds/\(stableName)", "intersections/\(name)"] {
                try SaddleSetup.checkFree(root, path)
            }
            try ManifoldOutput.write(unstable, name: unstableName, saddleIndex: unstableIndex, deltaSigma: nil, coverage: nil,
                                     parentRows: Manifold.parentRows(unstable.sheets), into: root)
            try ManifoldOutput.write(stable, name: stableName, saddleIndex: stableIndex, deltaSigma: nil, coverage: nil,
                                     parentRows: Manifold.parentRows(stable.sheets), into: root)
            try ManifoldOutput.writeIntersections(points, name: name, kind: homoclinic ? "homoclinic" : "heteroclinic", unstableSaddle: unstableIndex,
                                                  stableSaddle: stableIndex, chaosCertificate: chaosCertificate, tolerance: tolerance, into: root)
            for path in ["manifolds/\(unstableName)", "manifolds/\(stableName)", "intersections/\(name)"] {
                try SaddleSetup.mark(root, path, analysis)
            }
        }

        public func json(seconds: Double, ranks: Int) -> JSONOutput {
            .object([
                ("kind", .string(homoclinic ? "homoclinic" : "heteroclinic")),
                ("unstable_saddle", unstableIndex.map { .integer($0) } ?? .null),
                ("stable_saddle", stableIndex.map { .integer($0) } ?? .null),
                ("points", ManifoldOutput.json(points)),
                ("count", .integer(points.count)),
                ("verified", .integer(verified)),
                ("tolerance", .number(tolerance)),
                ("chaos_certificate", .bool(chaosCertificate)),
                ("manifolds", .array([
                    ManifoldOutput.json(unstable, name: unstableName, saddleIndex: unstableIndex, deltaSigma: nil, coverage: nil),
                    ManifoldOutput.json(stable, name: stableName, saddleIndex: stableIndex, deltaSigma: nil, coverage: nil),
                ])),
                ("stats", .object([("seconds", .number(seconds)), ("ranks", .integer(ranks))])),
            ])
        }
    }

    /// W^u of the saddle meets W^s of saddle `to` (default the same). Uses `defaultIterations` as set.
    public func intersections(model: Model, to: Int?, tolerance: Double, allowNonInvertible: Bool, log: Log) throws -> IntersectionsRun {
        let form = model.shallowForm()
        let (cycles, first, firstIndex) = try resolve(model: model, log: log)
        var second = first, secondIndex = firstIndex
        if let j = to, j != firstIndex {
            guard j < cycles.count else {
                throw InputError("\(optionName("to")) \(j) is out of range: the search found \(cycles.count) cycle\(cycles.count == 1 ? "" : "s") (0..\(max(cycles.count - 1, 0)))")
            }
            guard cycles[j].stability == .saddle else { throw InputError("\(optionName("to")) \(j) is \(cycles[j].stability.rawValue), not a saddle") }
            second = cycles[j]
            secondIndex = j
        }
        var box = try box(for: first, cycles: cycles, form: form)
        if bounds != nil {
            guard second.points.allSatisfy({ box.contains($0) }) else { throw InputError("\(optionName("bounds")) excludes saddle \(secondIndex ?? 0)") }
        } else {
            box = Box.fromTrajectories(Box.around(first.points + second.points + cycles.flatMap(\.points)), form: form, seed: seed)
        }
        let unstable = try build(form: form, cycle: first, kind: .unstable, box: box, method: nil, supportPoints: nil,
                                 allowNonInvertible: allowNonInvertible, statistics: false, log: log).manifold
        let stable = try build(form: form, cycle: second, kind: .stable, box: box, method: nil, supportPoints: nil,
                               allowNonInvertible: allowNonInvertible, statistics: false, log: log).manifold
        var settings = IntersectionOptions()
        settings.tolerance = tolerance
        let points: [IntersectionPoint]
        do { points = try Intersections.find(unstable: unstable, stable: stable, form: form, options: settings) } catch { throw InputError(error.description) }
        let run = IntersectionsRun(cycles: cycles, box: box, unstableIndex: firstIndex, stableIndex: secondIndex, unstable: unstable,
                                   stable: stable, points: points, tolerance: tolerance)
        log("intersections: \(points.count) transversal points, \(run.verified) verified")
        return run
    }
}
