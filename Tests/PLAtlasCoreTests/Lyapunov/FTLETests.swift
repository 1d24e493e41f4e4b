import Foundation
import LinearAlgebra
import RealModule
import Testing
@testable import PLAtlasCore

/// FTLE fields: exact values for affine maps, backward branches, ridges on basin boundaries,
/// and the same field whatever order the rows are computed in.
struct FTLETests {
    static func plrnn(A: [[Double]], W: [[Double]], h: [Double]) -> Model {
        let m = h.count
        return try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [m, m], values: A.flatMap { $0 }),
            "W": Parameter(name: "W", shape: [m, m], values: W.flatMap { $0 }),
            "h": Parameter(name: "h", shape: [m], values: h)])
    }

    static func largestSingularValue(_ a: Matrix) throws -> Double { try singularValueDecomposition(a).singularValues[0] }

    static func power(_ a: Matrix, _ n: Int) -> Matrix {
        var p = Matrix.identity(a.rows)
        for _ in 0..<n { p = a * p }
        return p
    }

    /// A JSON object from a file of the repository (`path` relative to its root).
    static func repositoryJSON(_ path: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(path)
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The shPLRNN fitted to the Duffing oscillator (jobs/models/duffing.json).
    static func duffing() throws -> Model {
        let object = try Self.repositoryJSON("jobs/models/duffing.json")
        func vector(_ name: String) throws -> [Double] { try #require(object[name] as? [Double]) }
        func matrix(_ name: String) throws -> (values: [Double], shape: [Int]) {
            let rows = try #require(object[name] as? [[Double]])
            return (rows.flatMap { $0 }, [rows.count, rows[0].count])
        }
        let w1 = try matrix("W1"), w2 = try matrix("W2")
        let a = try vector("A"), h1 = try vector("h1"), h2 = try vector("h2")
        return try Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [a.count], values: a), "W1": Parameter(name: "W1", shape: w1.shape, values: w1.values),
            "W2": Parameter(name: "W2", shape: w2.shape, values: w2.values), "h1": Parameter(name: "h1", shape: [h1.count], values: h1),
            "h2": Parameter(name: "h2", shape: [h2.count], values: h2)])
    }

    @Test func anAffineMapsFTLEIsTheLogOfItsLargestSingularValue() throws {
        // W = 0: one affine map everywhere. Non-normal 2x2 and 3x3 (closed form and SVD paths).
        // Random 6 x 6 (Jacobi path) and 10 x 10 (LAPACK's SVD) too.
        var generator = SeededGenerator(seed: 11)
        let random = [6, 10].map { n in (0..<n).map { _ in (0..<n).map { _ in 0.4 * generator.normal() } } }
        let cases: [[[Double]]] = [[[0.9, 2.0], [0.0, 0.5]], [[0.7, 1.5, -0.2], [0.1, 0.4, 0.9], [0.0, -0.3, 1.1]]] + random
        for a in cases {
            let m = a.count
            let model = Self.plrnn(A: a, W: [[Double]](repeating: [Double](repeating: 0, count: m), count: m), h: (0..<m).map { 0.1 * Double($0 + 1) })
            let form = model.shallowForm()
            let plane = try FTLEPlane(centre: [Double](repeating: 0.2, count: m), axes: [0, m - 1], lower: [-1, -1], upper: [1, 1], resolution: [4, 3])
            let matrix = Matrix(a)
            for steps in [1, 7, 40] {
                let field = try ftleField(form: form, plane: plane, options: FTLEOptions(steps: steps, bound: 1e300))
                let exact = Double.log(try Self.largestSingularValue(Self.power(matrix, steps))) / Double(steps)
                #expect(field.status.allSatisfy { $0 == .averaged })
                for v in field.values { #expect(abs(v - exact) <= 1e-13 * max(1, abs(exact)), "T = \(steps): \(v) vs \(exact)") }
                if steps == 1 { #expect(abs(field.values[0] - Double.log(try Self.largestSingularValue(matrix))) <= 1e-14) }
            }
            // Backward, the map being invertible: (1/T) log sigma_max(A^-T) (the two small maps:
            // the random ones' inverses throw preimages far out of any modest search box).
            guard m <= 3 else { continue }
            let backward = try ftleField(form: form, plane: plane, options: FTLEOptions(steps: 5, direction: .backward, bound: 1e4))
            let exact = Double.log(try Self.largestSingularValue(try inverse(Self.power(matrix, 5)))) / 5
            for v in backward.values { #expect(abs(v - exact) <= 1e-11 * max(1, abs(exact)), "backward \(v) vs \(exact)") }
            #expect(backward.statistics.mostBranches == 1 && backward.statistics.prunedPoints == 0)
        }
        // A symmetric map over many steps: log of its spectral radius.
        let symmetric = Self.plrnn(A: [[0.8, 0.3], [0.3, -0.6]], W: [[0, 0], [0, 0]], h: [0, 0])
        let radius = try eigenvalues(Matrix([[0.8, 0.3], [0.3, -0.6]])).map(\.length).max()!
        let v = try #require(finiteTimeLyapunovExponent(form: symmetric.shallowForm(), at: [0.3, 0.1], steps: 2000, bound: 1e300))
        #expect(abs(v - Double.log(radius)) <= 1e-12)
        // Over 2000 steps the product underflows double precision by far: the rescaling carries it.
        #expect(Double.pow(radius, 2000) == 0 || Double.pow(radius, 2000) < 1e-100)
    }

    @Test func theBackwardFieldFollowsTheMostRepellingPreimageBranch() throws {
        // x' = -1.5 x + 4.5 relu(x) - 1 (slopes 3 on x > 0, -1.5 on x < 0), y' = 4 y: every
        // x in (-1, 0.5) has two preimages, (x + 1) / 3 and -(x + 1) / 1.5. Backward, y shrinks by
        // 4 per step and x by 3 or 1.5; the branch staying on x < 0 (around the backward
        // attractor x = -0.4 of that branch) shrinks least: the value is log(1 / 1.5).
        let model = Self.plrnn(A: [[-1.5, 0], [0, 4]], W: [[4.5, 0], [0, 0]], h: [-1, 0])
        let plane = try FTLEPlane(centre: [0, 0], lower: [-0.6, -0.5], upper: [0.2, 0.5], resolution: [5, 5])
        let field = try ftleField(form: model.shallowForm(), plane: plane, options: FTLEOptions(steps: 30, direction: .backward, bound: 20, maxBranches: 16))
        #expect(field.status.allSatisfy { $0 == .averaged })
        for v in field.values { #expect(abs(v - Double.log(1 / 1.5)) <= 1e-12, "\(v)") }
        #expect(field.statistics.prunedPoints == 25 && field.statistics.mostBranches == 32)
        // Forward from the same points: the orbits leave (slopes 3 and 1.5, y doubling): marked.
        let forward = try ftleField(form: model.shallowForm(), plane: plane, options: FTLEOptions(steps: 60, bound: 1e6))
        #expect(forward.status.filter { $0 == .diverged }.count >= 20)
        #expect(forward.values.enumerated().allSatisfy { forward.status[$0.offset] == .diverged ? $0.element.isNaN : $0.element.isFinite })
    }

    /// Grid cells of the brute-force basin map that have a 4-neighbour with another destination.
    static func boundaryCells(_ codes: [Int], nx: Int, ny: Int) -> Set<Int> {
        var out = Set<Int>()
        for a in 0..<nx {
            for b in 0..<ny {
                let c = codes[a * ny + b]
                if a + 1 < nx && codes[(a + 1) * ny + b] != c { out.insert(a * ny + b); out.insert((a + 1) * ny + b) }
                if b + 1 < ny && codes[a * ny + b + 1] != c { out.insert(a * ny + b); out.insert(a * ny + b + 1) }
            }
        }
        return out
    }

    /// The top `fraction` of the averaged forward FTLE values, how many of them lie farther than
    /// two cells (Chebyshev) from the basin boundary of brute-force iteration on the same grid,
    /// and the fraction of averaged points within two cells of it (what a random choice would hit).
    static func ridgeOffBoundary(_ model: Model, plane: FTLEPlane, steps: Int, fraction: Double) throws
        -> (top: Int, off: Int, band: Double)
    {
        let form = model.shallowForm()
        let attractors = try ManifoldTests.cycles(model, order: 1).filter { $0.stability == .stable }
        let field = try ftleField(form: form, plane: plane, options: FTLEOptions(steps: steps))
        let nx = plane.resolution[0], ny = plane.resolution[1]
        let classifier = OrbitClassifier(form: form, attractors: attractors, scale: 1 + plane.scale)
        var codes = [Int](repeating: 0, count: nx * ny)
        for a in 0..<nx { for b in 0..<ny { codes[a * ny + b] = classifier.destination(of: plane.point(a, b)).code } }
        let boundary = Self.boundaryCells(codes, nx: nx, ny: ny)
        let averaged = (0..<(nx * ny)).filter { field.status[$0] == .averaged }.sorted { field.values[$0] > field.values[$1] }
        let top = averaged.prefix(max(1, Int(fraction * Double(averaged.count))))
        func near(_ i: Int) -> Bool {
            let (a, b) = (i / ny, i % ny)
            for da in -2...2 {
                for db in -2...2 where a + da >= 0 && a + da < nx && b + db >= 0 && b + db < ny {
                    if boundary.contains((a + da) * ny + b + db) { return true }
                }
            }
            return false
        }
        let off = top.filter { !near($0) }.count
        return (top.count, off, Double(averaged.filter(near).count) / Double(averaged.count))
    }

    @Test func forwardRidgesLieOnTheBasinBoundaryOfTheToyMap() throws {
        // Saddle B: a stable focus whose basin is a wedge bounded by the saddle's stable
        // manifold; outside it orbits diverge (and are marked, not averaged).
        let plane = try FTLEPlane(centre: [0, 0], lower: [-3, -3], upper: [3, 3], resolution: [121, 121])
        let (top, off, band) = try Self.ridgeOffBoundary(ToyMap.saddleB, plane: plane, steps: 30, fraction: 0.03)
        #expect(top > 100 && band < 0.2, "top \(top), band \(band)")
        #expect(off == 0, "\(off) of the top \(top) values lie more than two cells from the basin boundary")
    }

    @Test func forwardRidgesLieOnTheBasinBoundaryOfDuffing() throws {
        // Two spiral sinks whose basins wind around each other along the saddle's stable manifold.
        let plane = try FTLEPlane(centre: [0, 0], lower: [-4.5, -4.5], upper: [4.5, 4.5], resolution: [101, 101])
        let (top, off, band) = try Self.ridgeOffBoundary(try Self.duffing(), plane: plane, steps: 40, fraction: 0.03)
        #expect(top > 200 && band < 0.2, "top \(top), band \(band)")
        #expect(off == 0, "\(off) of the top \(top) values lie more than two cells from the basin boundary")
    }

    /// A one-process collective that evaluates shared items in reverse order (as ranks other
    /// than the first would reach them at different times): the results must not depend on it.
    struct ReversedSharing: Collective {
        var rank: Int { 0 }
        var size: Int { 1 }
        func allReduce(_ values: [Int], _ operation: CollectiveOperation) throws -> [Int] { values }
        func allReduce(_ values: [Double], _ operation: CollectiveOperation) throws -> [Double] { values }
        func allGatherv(_ words: [UInt64]) throws -> (values: [UInt64], counts: [Int]) { (words, [words.count]) }
        func allToAllv(_ buckets: [[UInt64]]) throws -> [[UInt64]] { buckets }
        func map(count: Int, _ body: (Int) -> [Double]) throws -> [[Double]] { (0..<count).reversed().map(body).reversed() }
    }

    @Test func theFieldDoesNotDependOnHowTheRowsAreShared() throws {
        let form = ToyMap.saddleB.shallowForm()
        let plane = try FTLEPlane(centre: [0, 0], axes: [1, 0], lower: [-2, -3], upper: [2, 3], resolution: [17, 23])
        for direction in FTLEDirection.allCases {
            // Backward orbits leave the box fast here (the focus repels by 2.3 per step): few steps.
            let options = FTLEOptions(steps: direction == .forward ? 30 : 3, direction: direction)
            let serial = try ftleField(form: form, plane: plane, options: options, sharing: SerialCollective())
            let shared = try ftleField(form: form, plane: plane, options: options, sharing: SerialCollective())
            let reversed = try ftleField(form: form, plane: plane, options: options, sharing: ReversedSharing())
            #expect(serial.isIdentical(to: shared) && serial.isIdentical(to: reversed) && serial.statistics == reversed.statistics)
            #expect(serial.statistics.averaged + serial.statistics.diverged == 17 * 23)
            #expect(serial.statistics.averaged > 100 && serial.statistics.diverged > 0, "\(direction): \(serial.statistics)")
            // axes [1, 0]: x runs along state axis 1.
            #expect(plane.point(3, 5) == [plane.y[5], plane.x[3]])
        }
    }

    @Test func badPlanesAreRefusedWithOneLine() throws {
        #expect(throws: FTLEInputError("the two axes must differ, got 1 twice")) {
            try FTLEPlane(centre: [0, 0], axes: [1, 1], lower: [0, 0], upper: [1, 1], resolution: [2, 2])
        }
        #expect(throws: FTLEInputError("axis 2 is out of range: the state axes are 0..1")) {
            try FTLEPlane(centre: [0, 0], axes: [0, 2], lower: [0, 0], upper: [1, 1], resolution: [2, 2])
        }
        #expect(throws: FTLEInputError("bounds 1.0:1.0 of axis 0 must be finite with lower < upper")) {
            try FTLEPlane(centre: [0, 0], lower: [1, 0], upper: [1, 1], resolution: [2, 2])
        }
        #expect(throws: FTLEInputError("the FTLE plane needs two state axes; the model has M = 1")) {
            try FTLEPlane(centre: [0], lower: [0, 0], upper: [1, 1], resolution: [2, 2])
        }
        // Checked against the model and the options before anything is computed.
        let form = ToyMap.saddleB.shallowForm()
        let plane3 = try FTLEPlane(centre: [0, 0, 0], axes: [0, 2], lower: [0, 0], upper: [1, 1], resolution: [2, 2])
        #expect(throws: FTLEInputError("the centre has 3 coordinates; the model has M = 2")) { try ftleField(form: form, plane: plane3) }
        let plane = try FTLEPlane(centre: [0, 0], lower: [0, 0], upper: [1, 1], resolution: [2, 2])
        #expect(throws: FTLEInputError("the number of steps T must be at least 1, got 0")) {
            try ftleField(form: form, plane: plane, options: FTLEOptions(steps: 0))
        }
        #expect(throws: FTLEInputError("the bound must be a positive finite number, got -1.0")) {
            try ftleField(form: form, plane: plane, options: FTLEOptions(bound: -1))
        }
    }

    @Test func theDefaultCentreIsTheMeanOfLongTrajectories() throws {
        // Saddle B: every bounded orbit ends on the stable focus, so the mean is (almost) the focus.
        let form = ToyMap.saddleB.shallowForm()
        let focus = try #require(try ManifoldTests.cycles(ToyMap.saddleB, order: 1).first { $0.stability == .stable })
        let centre = try #require(FTLEPlane.meanOfTrajectories(form: form, radius: 1.5))
        #expect(Vec.distance(centre, focus.points[0]) < 1e-6)
        #expect(FTLEPlane.meanOfTrajectories(form: form, radius: 1.5) == centre)
        // A map whose every orbit diverges has none.
        let expanding = Self.plrnn(A: [[2, 0], [0, 2]], W: [[0, 0], [0, 0]], h: [1, 1])
        #expect(FTLEPlane.meanOfTrajectories(form: expanding.shallowForm(), radius: 1) == nil)
    }
}
