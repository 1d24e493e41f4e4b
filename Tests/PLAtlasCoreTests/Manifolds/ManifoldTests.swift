import LinearAlgebra
import RealModule
import Testing
@testable import PLAtlasCore

/// Manifolds of the toy-map presets (science.md section 6) and of maps with known answers.
struct ManifoldTests {
    static func cycles(_ model: Model, order: Int = 6) throws -> [Cycle] {
        var options = CycleSearchOptions(maxOrder: order)
        options.exhaustive = true
        return try CycleSearch(model: model, options: options).run().cycles
    }

    static func build(_ model: Model, saddle: Cycle, kind: ManifoldKind, box: Box, iterations: Int = 200,
                      method: ManifoldMethod? = nil) throws -> Manifold {
        var options = ManifoldOptions(kind: kind, bounds: box)
        options.maxIterations = iterations
        options.method = method
        let builder = try ManifoldBuilder(form: model.shallowForm(), saddle: saddle, options: options)
        var plain = DistributionOptions()
        plain.deltaSigma = nil
        plain.coverage = nil
        return try builder.build(distribution: plain).manifold
    }

    static func distance(_ x: [Double], _ cycle: Cycle) -> Double { cycle.points.map { Vec.distance($0, x) }.min()! }

    @Test func forwardIteratesOfStablePointsAndBackwardIteratesOfUnstablePointsReachTheSaddle() throws {
        for model in [ToyMap.saddleA, ToyMap.saddleB, ToyMap.chaos] {
            let form = model.shallowForm()
            let saddle = try #require(try Self.cycles(model, order: 1).first { $0.stability == .saddle })
            let box = Box(lower: [-3, -3], upper: [3, 3])
            let stable = try Self.build(model, saddle: saddle, kind: .stable, box: box, iterations: 12)
            let unstable = try Self.build(model, saddle: saddle, kind: .unstable, box: box, iterations: 12)
            #expect(stable.points.count > 20 && unstable.points.count > 20)
            // Points farther than 0.05 from the saddle: forward (stable) / backward (unstable)
            // iterates come close to it. Rounding errors grow along the other direction, so a
            // point at distance D gets within about D eps^theta (eps: the rounding error of the construction, about 1e-12 here), theta = log of the approach
            // rate over the sum of the logs of both rates; allow ten times that.
            let lu = saddle.eigenvalues[0].length, ls = saddle.eigenvalues[1].length
            let inverse = InverseMap(form: form)
            for (manifold, forward) in [(stable, true), (unstable, false)] {
                var checked = 0
                let approach = forward ? -Double.log(ls) : Double.log(lu), away = forward ? Double.log(lu) : -Double.log(ls)
                let theta = approach / (approach + away)
                for x0 in manifold.points where Self.distance(x0, saddle) > 0.05 {
                    var x = x0, best = Double.infinity
                    for _ in 0..<600 {
                        if forward { x = form(x) } else { guard let p = inverse.preimage(x).point else { break }; x = p }
                        best = min(best, Self.distance(x, saddle))
                        if best < 1e-9 { break }
                    }
                    #expect(best < Self.distance(x0, saddle) * (10 * Double.pow(1e-12, theta) + 1e-7), "\(manifold.kind) point \(x0) came only within \(best)")
                    checked += 1
                    if checked >= 100 { break }
                }
                #expect(checked > 10 || manifold.points.allSatisfy { Self.distance($0, saddle) <= 0.05 })
            }
        }
    }

    /// F(z) = J z + h with one region that matters: a PLRNN whose W is 0 is affine everywhere;
    /// J = [[2, 0.3, 0], [0, 0.5, 0.2], [0, 0, 0.25]].
    static func linearMap() throws -> Model {
        try Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [3, 3], values: [2, 0.3, 0, 0, 0.5, 0.2, 0, 0, 0.25]),
            "W": Parameter(name: "W", shape: [3, 3], values: [Double](repeating: 0, count: 9)),
            "h": Parameter(name: "h", shape: [3], values: [-1, 0.5, 0.75])])
    }

    @Test func linearMapManifoldsAreTheEigenspaces() throws {
        let model = try Self.linearMap()
        let saddle = try #require(try Self.cycles(model, order: 1).first)
        #expect(saddle.stability == .saddle && saddle.unstableDimension == 1)
        let box = Box.around(saddle.points)
        let stable = try Self.build(model, saddle: saddle, kind: .stable, box: box, iterations: 30)
        let unstable = try Self.build(model, saddle: saddle, kind: .unstable, box: box, iterations: 30)
        #expect(stable.method == .sheets && stable.dimension == 2)
        #expect(unstable.method == .polyline && unstable.dimension == 1)
        // Eigenvectors of the upper-triangular J: e1 (2) unstable; stable span{v(0.5), v(0.25)}.
        let p = saddle.points[0]
        let jacobian = Matrix([[2, 0.3, 0], [0, 0.5, 0.2], [0, 0, 0.25]])
        let (values, vectors) = try eigenDecomposition(jacobian)
        let stableBasis = Vec.orthonormalize(values.indices.filter { values[$0].length < 1 }.map { vectors[$0].map(\.real) })
        for x in stable.points {
            #expect(ManifoldBuilder.offFlat([x], origin: p, basis: stableBasis) < 1e-9 * (1 + Vec.distance(x, p)))
        }
        for x in unstable.points {
            #expect(ManifoldBuilder.offFlat([x], origin: p, basis: [[1, 0, 0]]) < 1e-9 * (1 + Vec.distance(x, p)))
        }
        #expect(unstable.stopReason == .bounds)
        let dsS = try #require(DeltaSigma.compute(stable, form: model.shallowForm()))
        let dsU = try #require(DeltaSigma.compute(unstable, form: model.shallowForm()))
        #expect(dsS.value > 0.9 && dsU.value > 0.9, "\(dsS.value) \(dsU.value)")
    }

    @Test func saddleBBasinBoundaryAgreesWithBruteForce() throws {
        let model = ToyMap.saddleB
        let all = try Self.cycles(model, order: 1)
        let saddle = try #require(all.first { $0.stability == .saddle })
        let attractors = all.filter { $0.stability == .stable }
        #expect(attractors.count == 1)
        let box = Box.around(all.flatMap(\.points))
        let stable = try Self.build(model, saddle: saddle, kind: .stable, box: box)
        let report = try Basins.analyse(stable, form: model.shallowForm(), attractors: attractors, gridResolution: 60)
        let grid = try #require(report.grid)
        #expect(grid.compared > grid.points / 2)
        #expect((grid.agreement ?? 0) > 0.99, "agreement \(grid.agreement ?? .nan) over \(grid.compared) points")
        #expect(report.plusDestination != report.minusDestination)
        let ds = try #require(DeltaSigma.compute(stable, form: model.shallowForm()))
        #expect(ds.value > 0.9, "Delta_sigma \(ds.value)")
    }

    @Test func stableManifoldOfTheThreeCycleSeparatesTheFixedPointsBasin() throws {
        let model = ToyMap.cycleI
        let all = try Self.cycles(model, order: 3)
        let saddle = try #require(all.first { $0.stability == .saddle && $0.order == 3 })
        let attractors = all.filter { $0.stability == .stable }
        let box = Box.around(all.flatMap(\.points))
        let stable = try Self.build(model, saddle: saddle, kind: .stable, box: box)
        let report = try Basins.analyse(stable, form: model.shallowForm(), attractors: attractors, gridResolution: 60)
        let grid = try #require(report.grid)
        #expect((grid.agreement ?? 0) > 0.99, "agreement \(grid.agreement ?? .nan) over \(grid.compared) points, \(grid.destinations)")
        // The fixed point's basin is one side, its complement the other.
        #expect([report.plusDestination, report.minusDestination].contains(.attractor(0)))
        #expect(report.plusDestination != report.minusDestination)
    }

    @Test func nonInvertibleMapsAreReportedForStableManifolds() throws {
        // det J changes sign between the half planes: the map folds.
        let model = ToyMap.model(tauR: 1.5, deltaR: -0.9, tauL: -1.2, deltaL: 0.6, c: 0.7, d: 0.3, h1: -0.3, h2: 0.2)
        let all = try Self.cycles(model, order: 1)
        let saddle = try #require(all.first { $0.stability == .saddle })
        let stable = try Self.build(model, saddle: saddle, kind: .stable, box: Box(lower: [-4, -4], upper: [4, 4]), iterations: 40)
        #expect(stable.nonInvertibility.severalPreimages > 0 && stable.nonInvertibility.preimageCounts[2] > 0)
        #expect(!stable.nonInvertibility.examples.isEmpty)
    }

    @Test func boundsThatExcludeTheSaddleAndStableObjectsAreRefused() throws {
        let all = try Self.cycles(ToyMap.saddleB, order: 1)
        let saddle = try #require(all.first { $0.stability == .saddle })
        let fixed = try #require(all.first { $0.stability == .stable })
        let far = Box(lower: [100, 100], upper: [101, 101])
        #expect(throws: ManifoldError.saddleOutsideBounds) {
            _ = try ManifoldBuilder(form: ToyMap.saddleB.shallowForm(), saddle: saddle, options: ManifoldOptions(kind: .stable, bounds: far))
        }
        #expect(throws: ManifoldError.notASaddle(stability: "stable")) {
            _ = try ManifoldBuilder(form: ToyMap.saddleB.shallowForm(), saddle: fixed,
                                    options: ManifoldOptions(kind: .stable, bounds: Box.around(fixed.points)))
        }
    }

    @Test func constructionIsDeterministic() throws {
        let all = try Self.cycles(ToyMap.saddleA, order: 1)
        let box = Box(lower: [-3, -3], upper: [3, 3])
        let a = try Self.build(ToyMap.saddleA, saddle: all[0], kind: .unstable, box: box, iterations: 10, method: .sheets)
        let b = try Self.build(ToyMap.saddleA, saddle: all[0], kind: .unstable, box: box, iterations: 10, method: .sheets)
        #expect(a.sheets == b.sheets)
    }
}
