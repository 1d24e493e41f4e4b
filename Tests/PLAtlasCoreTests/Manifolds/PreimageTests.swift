import LinearAlgebra
import Testing
@testable import PLAtlasCore

/// The exact preimage search against brute force over every code of {0,1}^H: each region's
/// affine inverse, kept when it lies in the region and the box, each checked with the model's
/// own update (TestModels.directStep), not the generic form.
@Suite struct PreimageTests {
    /// All preimages of y in the box by trying every code.
    static func bruteForce(_ form: ShallowForm, _ y: [Double], box: Box, tolerance: Double) -> [[Double]] {
        var out: [[Double]] = []
        let h = form.hiddenCount, m = form.dimension
        for index in 0..<(UInt64(1) << UInt64(h)) {
            let d = RegionCode(index: index, count: h)
            let j = form.jacobian(d)
            guard let x = try? solve(j, Vec.sub(y, form.offset(d))) else { continue }
            guard box.contains(x) || (0..<m).allSatisfy({ x[$0] >= box.lower[$0] - tolerance && x[$0] <= box.upper[$0] + tolerance }) else { continue }
            let u = form.preActivation(x)
            let inside = (0..<h).allSatisfy { d[$0] ? u[$0] >= -tolerance : u[$0] <= tolerance }
            if inside && !out.contains(where: { Vec.distance($0, x) < 1e-7 }) { out.append(x) }
        }
        return out
    }

    static func check(_ model: Model, points: Int, seed: UInt64, halfWidth: Double = 6) -> (found: Int, several: Int) {
        let form = model.shallowForm()
        let m = form.dimension
        let box = Box(lower: [Double](repeating: -halfWidth, count: m), upper: [Double](repeating: halfWidth, count: m))
        let solver = PreimageSolver(form: form, box: box)
        var rng = SeededGenerator(seed: seed, stream: 7)
        var found = 0, several = 0
        for i in 0..<points {
            // Half the targets are images of points of the box (they have a preimage), half random.
            let x = (0..<m).map { _ in (rng.uniform() * 2 - 1) * halfWidth * 0.9 }
            let y = i % 2 == 0 ? TestModels.directStep(model, x) : (0..<m).map { _ in rng.normal() * 3 }
            let result = solver.preimages(of: y)
            let expected = bruteForce(form, y, box: box, tolerance: solver.tolerance)
            #expect(result.points.count == expected.count, "\(model.kind) point \(i): \(result.points.count) found, \(expected.count) exist")
            for e in expected {
                #expect(result.points.contains { Vec.distance($0.point, e) < 1e-7 * (1 + Vec.norm(e)) }, "a preimage was missed")
            }
            for p in result.points {
                let image = TestModels.directStep(model, p.point)
                #expect(Vec.distance(image, y) < 1e-8 * (1 + Vec.norm(y)), "not a preimage")
                #expect(form.region(of: p.point).hammingDistance(to: p.region) == 0 || solver.admits(p.point, in: p.region))
            }
            if i % 2 == 0 { #expect(!result.points.isEmpty, "the image of a point of the box has a preimage") }
            found += result.points.count
            if result.points.count > 1 { several += 1 }
        }
        return (found, several)
    }

    @Test func plrnnPreimagesEqualBruteForce() {
        for seed in UInt64(1)...4 {
            let (found, several) = Self.check(TestModels.plrnn(m: 6, seed: seed), points: 40, seed: seed)
            #expect(found > 0)
            _ = several
        }
    }

    @Test func fullAPlrnnPreimagesEqualBruteForce() {
        _ = Self.check(TestModels.plrnn(m: 5, seed: 11, fullA: true), points: 40, seed: 3)
    }

    @Test func alrnnPreimagesEqualBruteForce() {
        for seed in UInt64(1)...3 { _ = Self.check(TestModels.alrnn(m: 8, p: 5, seed: seed), points: 40, seed: seed) }
    }

    @Test func shallowPreimagesEqualBruteForce() {
        for seed in UInt64(1)...3 { _ = Self.check(TestModels.shplrnn(m: 3, h: 9, seed: seed), points: 40, seed: seed) }
        _ = Self.check(TestModels.shplrnn(m: 2, h: 5, seed: 9, clipped: true), points: 40, seed: 9)
    }

    /// Non-invertible maps: a model with many folds has points with several preimages, and the
    /// search finds each of them.
    @Test func severalPreimagesAreAllFound() {
        var several = 0
        for seed in UInt64(20)...27 { several += Self.check(TestModels.plrnn(m: 4, seed: seed), points: 30, seed: seed, halfWidth: 10).several }
        #expect(several > 0, "the random models include folds")
    }

    /// Segments: the union of the exact pieces equals the preimage points of samples along it.
    @Test func segmentPreimagesContainThePointPreimages() {
        let model = TestModels.plrnn(m: 3, seed: 5)
        let form = model.shallowForm()
        let box = Box(lower: [-8, -8, -8], upper: [8, 8, 8])
        let solver = PreimageSolver(form: form, box: box)
        var rng = SeededGenerator(seed: 1, stream: 2)
        for _ in 0..<10 {
            let a = form((0..<3).map { _ in rng.uniform() * 8 - 4 }), b = form((0..<3).map { _ in rng.uniform() * 8 - 4 })
            let (pieces, _) = solver.segmentPreimages(from: a, to: b)
            for s in stride(from: 0.0, through: 1.0, by: 0.05) {
                let y = Vec.axpy(a, s, Vec.sub(b, a))
                for p in solver.preimages(of: y).points {
                    let covered = pieces.contains { piece in
                        guard s >= piece.t0 - 1e-9 && s <= piece.t1 + 1e-9, piece.t1 > piece.t0 else { return false }
                        let x = Vec.axpy(piece.start, (s - piece.t0) / (piece.t1 - piece.t0), Vec.sub(piece.end, piece.start))
                        return Vec.distance(x, p.point) < 1e-6 * (1 + Vec.norm(x))
                    }
                    #expect(covered, "preimage at s = \(s) not on a piece")
                }
            }
        }
    }
}
