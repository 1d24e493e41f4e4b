import Testing
@testable import PLAtlasCore

/// Homoclinic points of the toy-map presets (science.md section 6).
struct IntersectionTests {
    static func manifolds(_ model: Model, iterations: Int) throws -> (Manifold, Manifold, Cycle) {
        let saddle = try #require(try ManifoldTests.cycles(model, order: 1).first { $0.stability == .saddle })
        let box = Box(lower: [-3, -3], upper: [3, 3])
        let u = try ManifoldTests.build(model, saddle: saddle, kind: .unstable, box: box, iterations: iterations)
        let s = try ManifoldTests.build(model, saddle: saddle, kind: .stable, box: box, iterations: iterations)
        return (u, s, saddle)
    }

    @Test func chaosPresetHasVerifiedTransversalHomoclinicPoints() throws {
        let model = ToyMap.chaos
        let form = model.shallowForm()
        let (u, s, saddle) = try Self.manifolds(model, iterations: 8)
        let points = try Intersections.find(unstable: u, stable: s, form: form)
        #expect(points.count > 50, "\(points.count)")
        let allVerified = points.allSatisfy(\.verified)
        #expect(allVerified)
        let transversal = points.allSatisfy { $0.transversality > 1e-3 }
        #expect(transversal)
        // Independently: forward iterates of a homoclinic point come much closer to the saddle
        // than it starts, and its backward iterates too (rounding errors grow by 1/lambda_s per
        // backward step, so they get only to about d0 eps^0.18 here: 1e-3 d0; random points in
        // a ball of 0.3 around the saddle stay beyond 0.3 d0).
        let inverse = InverseMap(form: form)
        let p = saddle.points[0]
        for h in points.prefix(20) {
            let d0 = Vec.distance(h.point, p)
            var x = h.point, y = h.point
            var bestForward = d0, bestBackward = d0
            for _ in 0..<60 {
                x = form(x)
                bestForward = min(bestForward, Vec.distance(x, p))
                if let q = inverse.preimage(y).point { y = q; bestBackward = min(bestBackward, Vec.distance(y, p)) }
            }
            #expect(bestForward < 1e-6 * d0 && bestBackward < 2e-2 * d0, "\(h.point): \(bestForward), \(bestBackward)")
        }
        // A point moved off the stable manifold by 1e-4 is not verified forward.
        let h = try #require(points.first)
        let off = Vec.axpy(h.point, 1e-4, s.sheets[h.stableSheet].normal ?? [1, 0])
        let (steps, residual) = Intersections.verify(off, towards: saddle, subspaces: s.local.bases, forward: true, form: form,
                                                     inverse: inverse, options: IntersectionOptions())
        #expect(steps == nil && residual > 1e-6)
    }

    @Test func saddleBHasNoHomoclinicPoints() throws {
        // Saddle B: the unstable manifold goes to the stable fixed point and to infinity.
        let (u, s, _) = try Self.manifolds(ToyMap.saddleB, iterations: 40)
        #expect(try Intersections.find(unstable: u, stable: s, form: ToyMap.saddleB.shallowForm()).isEmpty)
    }
}
