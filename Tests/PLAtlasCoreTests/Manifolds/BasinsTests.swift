import Testing
@testable import PLAtlasCore

/// The side test of `BoundarySides` against an exhaustive search, and the grid
/// classification's blocks and its report without attractors.
struct BasinsTests {
    /// The side and distance by the rule of docs/manifolds.md, over every segment (no index).
    static func exhaustiveSide(_ x: [Double], _ manifold: Manifold) -> (side: Int, distance: Double) {
        var found: [(Double, Double)] = []
        for sheet in manifold.sheets {
            let a = sheet.supportPoints[0], b = sheet.supportPoints[1], n = sheet.normal!
            var ab2 = 0.0, t = 0.0
            for i in 0..<2 {
                ab2 += (b[i] - a[i]) * (b[i] - a[i])
                t += (x[i] - a[i]) * (b[i] - a[i])
            }
            t = ab2 > 0 ? min(1, max(0, t / ab2)) : 0
            var d2 = 0.0, signed = 0.0
            for i in 0..<2 {
                let r = x[i] - (a[i] + t * (b[i] - a[i]))
                d2 += r * r
                signed += n[i] * r
            }
            found.append((d2.squareRoot(), signed))
        }
        let nearest = found.map(\.0).min()!
        var decisive = 0.0
        for (d, signed) in found where d <= nearest * (1 + 1e-9) + 1e-12 {
            let (u, v) = (abs(signed), abs(decisive))
            if u > v || (u == v && signed > decisive) { decisive = signed }
        }
        return (decisive >= 0 ? 1 : -1, nearest)
    }

    /// The stable manifold of the cycle-II preset's first saddle 5-cycle, 45 generations: its
    /// strands pile up in bundles (what made the sampled index slow), and it folds.
    static func folded() throws -> (Manifold, [Cycle]) {
        let all = try ManifoldTests.cycles(ToyMap.cycleII, order: 5)
        let saddle = try #require(all.first { $0.order == 5 && $0.stability == .saddle })
        let box = Box.fromTrajectories(Box.around(all.flatMap(\.points)), form: ToyMap.cycleII.shallowForm(), seed: 0)
        return (try ManifoldTests.build(ToyMap.cycleII, saddle: saddle, kind: .stable, box: box, iterations: 45), all)
    }

    @Test func sidesAreThoseOfTheExactNearestSegmentWhateverTheOrderOfThePieces() throws {
        let (manifold, _) = try Self.folded()
        #expect(manifold.sheets.count > 2000, "\(manifold.sheets.count) segments")
        let sides = try BoundarySides(manifold)
        // The same pieces in reverse order (as another rank count would gather them).
        var reversed = BoundaryPieces(dimension: 2, polyline: true)
        for sheet in manifold.sheets.reversed() { reversed.append(sheet) }
        let other = BoundarySides(pieces: reversed, bounds: manifold.bounds)
        var generator = SeededGenerator(seed: 7)
        let box = manifold.bounds
        var plus = 0
        // Random points of the box, and points just off the manifold's vertices (the corners).
        var points = (0..<300).map { _ in (0..<2).map { box.lower[$0] + generator.uniform() * (box.upper[$0] - box.lower[$0]) } }
        for sheet in manifold.sheets.prefix(200) {
            points.append(sheet.supportPoints[1].map { $0 + 1e-3 * (generator.uniform() - 0.5) })
        }
        for x in points {
            let expected = Self.exhaustiveSide(x, manifold)
            let got = sides.side(of: x)
            #expect(got.side == expected.side && got.distance == expected.distance, "\(x): \(got) instead of \(expected)")
            let again = other.side(of: x)
            #expect(again.side == got.side && again.distance == got.distance, "\(x): reversed pieces give \(again), not \(got)")
            if got.side > 0 { plus += 1 }
        }
        #expect(plus > 0 && plus < points.count, "both sides occur")
    }

    @Test func sheetSidesOfALinearMapAreTheSidesOfTheStablePlane() throws {
        // The linear map of ManifoldTests: W^s is the plane through p spanned by the
        // eigenvectors of 0.5 and 0.25; side + is the side of e1 (eigenvalue 2).
        let model = try ManifoldTests.linearMap()
        let saddle = try #require(try ManifoldTests.cycles(model, order: 1).first)
        let stable = try ManifoldTests.build(model, saddle: saddle, kind: .stable, box: Box.around(saddle.points), iterations: 30)
        #expect(stable.method == .sheets)
        let sides = try BoundarySides(stable)
        // The plane's normal: the left eigenvector of J for 2, w^T J = 2 w^T: w2 = 0.3 w1 / 1.5,
        // w3 = 0.2 w2 / 1.75; n . e1 > 0, so side + is the side of e1.
        let n = Vec.normalized([1, 0.2, 0.04 / 1.75])
        let p = saddle.points[0], box = stable.bounds
        var generator = SeededGenerator(seed: 3)
        var checked = 0
        for _ in 0..<300 {
            let x = (0..<3).map { box.lower[$0] + generator.uniform() * (box.upper[$0] - box.lower[$0]) }
            let offset = Vec.dot(n, Vec.sub(x, p))
            guard abs(offset) > 1e-6 else { continue }
            let (side, distance) = sides.side(of: x)
            #expect(side == (offset > 0 ? 1 : -1), "\(x): side \(side), offset from the plane \(offset)")
            #expect(distance >= abs(offset) * (1 - 1e-9), "\(x): distance \(distance) below the distance \(abs(offset)) to the plane")
            checked += 1
        }
        #expect(checked > 250)
    }

    @Test func gridBlocksGiveTheSameReportAndNoAttractorMeansNoAgreement() throws {
        let model = ToyMap.saddleB
        let all = try ManifoldTests.cycles(model, order: 1)
        let saddle = try #require(all.first { $0.stability == .saddle })
        let attractors = all.filter { $0.stability == .stable }
        let stable = try ManifoldTests.build(model, saddle: saddle, kind: .stable, box: Box.around(all.flatMap(\.points)))
        let sides = try BoundarySides(stable)
        var whole = BasinGridOptions(resolution: 30, keepCells: true)
        var small = whole
        small.blockSize = 7   // 900 points in 129 blocks, the last one short
        let a = try #require(try Basins.analyse(stable, sides: sides, form: model.shallowForm(), attractors: attractors, grid: whole, sharing: SerialCollective()).grid)
        let b = try #require(try Basins.analyse(stable, sides: sides, form: model.shallowForm(), attractors: attractors, grid: small, sharing: SerialCollective()).grid)
        #expect(a.cellCodes == b.cellCodes && a.cellCodes.count == 900)
        #expect(a.compared == b.compared && a.agreeing == b.agreeing && a.insideBand == b.insideBand && a.destinations == b.destinations)
        #expect((a.agreement ?? 0) > 0.99 && a.hasAttractors)
        // The codes are the destinations: the stable point's basin and divergence.
        #expect(Set(a.cellCodes) == [0, -1] && a.destinations[.attractor(0)] == a.cellCodes.filter { $0 == 0 }.count)
        // Without attractors the grid is still classified, but nothing is compared.
        whole.keepCells = false
        let none = try #require(try Basins.analyse(stable, sides: sides, form: model.shallowForm(), attractors: [], grid: whole, sharing: SerialCollective()).grid)
        #expect(!none.hasAttractors && none.compared == 0 && none.agreeing == 0 && none.insideBand == 0 && none.agreement == nil)
        #expect(none.cellCodes.isEmpty)
        #expect(none.destinations.values.reduce(0, +) == 900 && none.destinations.keys.allSatisfy { $0 == .divergence || $0 == .undecided })
    }
}
