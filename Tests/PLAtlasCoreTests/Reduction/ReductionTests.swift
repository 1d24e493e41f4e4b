import ComplexModule
import LinearAlgebra
import RealModule
import Testing
@testable import PLAtlasCore

/// Slow spectral submanifolds and their reduced models (docs/reduce.md) on constructed networks
/// with known answers.
struct ReductionTests {
    static func fixedPoints(_ model: Model) throws -> [Cycle] {
        var options = CycleSearchOptions(maxOrder: 1)
        options.exhaustive = true
        return try CycleSearch(model: model, options: options).run().cycles
    }

    static let box3 = Box(lower: [-5, -5, -5], upper: [8, 8, 8])

    /// The distance from x to the curve's polyline (every segment).
    static func distance(_ x: [Double], to curve: InvariantCurve) -> Double {
        var best = Double.infinity
        for i in 0..<(curve.points.count - 1) {
            let (a, b) = (curve.points[i], curve.points[i + 1])
            let ab = Vec.sub(b, a), ab2 = Vec.dot(ab, ab)
            let t = ab2 > 0 ? min(1, max(0, Vec.dot(Vec.sub(x, a), ab) / ab2)) : 0
            best = min(best, Vec.distance(x, Vec.axpy(a, t, ab)))
        }
        return best
    }

    /// Points of the curve (vertices and 500 evenly spaced ones) map onto the curve, and onto the
    /// point the reduced map names: F(x(s)) = x(f(s)), both to 1e-9 of the curve's extent.
    static func checkInvariance(_ curve: InvariantCurve, _ form: ShallowForm) {
        let map = curve.reducedMap
        let tolerance = 1e-9 * curve.extent
        var samples = map.s
        for i in 0...500 { samples.append(min(map.domain.upperBound, map.domain.lowerBound + (map.domain.upperBound - map.domain.lowerBound) * Double(i) / 500)) }
        var worstOnto = 0.0, worstChart = 0.0
        for s in samples {
            let x = curve.point(at: s)!, image = form(x)
            worstOnto = max(worstOnto, Self.distance(image, to: curve))
            worstChart = max(worstChart, Vec.distance(image, curve.point(at: map(s)!)!))
        }
        #expect(worstOnto <= tolerance, "F(curve) leaves the curve by \(worstOnto) (extent \(curve.extent))")
        #expect(worstChart <= tolerance, "F(x(s)) misses x(f(s)) by \(worstChart)")
    }

    @Test func theSlowEigenvalueAndSpectralGapOfAConstructedNetworkAreExact() throws {
        for (slow, fast) in [(0.995, [0.5, 0.3]), (0.999, [0.8, -0.4, 0.1]), (0.99, [0.6])] {
            let model = ExampleNetworks.lineAttractor(slow: slow, fast: fast)
            let m = fast.count + 1
            let point = try #require(try Self.fixedPoints(model).first { Vec.distance($0.points[0], (0..<m).map { 1 + 0.5 * Double($0) }) < 1e-9 })
            let subspace = try SpectralSubspace(cycle: point, form: model.shallowForm(), dimension: 1)
            #expect(abs(subspace.slowEigenvalues[0].real - slow) <= 1e-13 && subspace.slowEigenvalues[0].imaginary == 0)
            let slowestFast = fast.map(abs).max()!
            let gap = Double.log(slowestFast) / Double.log(slow)
            #expect(abs(subspace.spectralGap - gap) <= 1e-11 * gap, "gap \(subspace.spectralGap) vs \(gap)")
            #expect(abs(subspace.timeScales[0] - (-1 / Double.log(slow))) <= 1e-10 * subspace.timeScales[0])
            #expect(subspace.isAttracting && subspace.continuation == .stable)
            // E is the eigenvector (1, -1, 1, ...) / sqrt(M), up to sign; S = the slow eigenvalue.
            let v = (0..<m).map { ($0 % 2 == 0 ? 1 : -1) / Double(m).squareRoot() }
            #expect(abs(abs(Vec.dot(subspace.bases[0][0], v)) - 1) <= 1e-13)
            #expect(abs(subspace.reducedMatrix[0] - slow) <= 1e-13 && subspace.invarianceResidual <= 1e-14)
            // d = 2 takes the next slowest (real) eigenvalue too.
            if m > 2 {
                let two = try SpectralSubspace(cycle: point, form: model.shallowForm(), dimension: 2)
                let second = fast.max { abs($0) < abs($1) }!
                #expect(abs(two.slowEigenvalues[1].real - second) <= 1e-13)
                let reduced = try eigenvalues(Matrix(rows: 2, columns: 2, elements: two.reducedMatrix)).map(\.real).sorted()
                #expect(zip(reduced, [slow, second].sorted()).allSatisfy { abs($0 - $1) <= 1e-12 })
            }
        }
    }

    @Test func theSlowManifoldOfALineAttractorIsInvariantAndItsReducedMapIsFOnTheChart() throws {
        let model = ExampleNetworks.lineAttractor()
        let form = model.shallowForm()
        let point = try #require(try Self.fixedPoints(model).first { $0.stability == .stable })
        let reduced = try Reduction.reduce(form: form, cycle: point, options: ReductionOptions(bounds: Self.box3))
        let curve = try #require(reduced.curve)
        // The curve leaves the fixed point's orthant on both sides: the continuation through
        // preimages is exercised, not only the straight local piece.
        #expect(Set(curve.segmentRegions).count >= 3, "\(Set(curve.segmentRegions))")
        #expect(curve.ends == [.leftBounds, .leftBounds] && curve.continuation == .stable)
        Self.checkInvariance(curve, form)
        // Inside the orthant the reduced map is s -> 0.995 s exactly.
        let map = try #require(reduced.map)
        for s in [-0.3, 0.1, 0.5] { #expect(abs(map(s)! - 0.995 * s) <= 1e-13) }
        // The only fixed point is the network's, stable with slope 0.995.
        #expect(reduced.fixedPoints.count == 1 && reduced.fixedPoints[0].s == 0 && reduced.fixedPoints[0].stability == .stable)
        // A line attractor over an interval around it: drift (1 - 0.995) |s| within the tolerance.
        #expect(reduced.classification.kind == .lineAttractor, "\(reduced.classification.reason)")
        let interval = try #require(reduced.classification.interval)
        #expect(interval.contains(0) && interval.lowerBound < -1 && interval.upperBound > 1)
        for s in [interval.lowerBound, interval.upperBound] { #expect(abs(map(s)! - s) <= reduced.classification.driftTolerance * (1 + 1e-9)) }
        // A faster slow eigenvalue is no line attractor: the drift grows too fast.
        let fast = ExampleNetworks.lineAttractor(slow: 0.9, fast: [0.5, 0.3])
        let fastPoint = try #require(try Self.fixedPoints(fast).first { $0.stability == .stable })
        let notLine = try Reduction.reduce(form: fast.shallowForm(), cycle: fastPoint, options: ReductionOptions(bounds: Self.box3))
        #expect(notLine.classification.kind == .none)
    }

    /// The distance from x to the nearest segment of a polyline manifold.
    static func distance(_ x: [Double], to manifold: Manifold) -> Double {
        manifold.sheets.reduce(Double.infinity) { best, sheet in
            let (a, b) = (sheet.supportPoints[0], sheet.supportPoints[1])
            let ab = Vec.sub(b, a), ab2 = Vec.dot(ab, ab)
            let t = ab2 > 0 ? min(1, max(0, Vec.dot(Vec.sub(x, a), ab) / ab2)) : 0
            return min(best, Vec.distance(x, Vec.axpy(a, t, ab)))
        }
    }

    @Test func theSlowManifoldBuiltByTheManifoldMachineryIsInvariantAndHoldsTheLocalPiece() throws {
        // Slow eigenvalue 0.99, fast 0.5 and 0.3: the SSM as a set, every preimage branch.
        let model = ExampleNetworks.lineAttractor(slow: 0.99, fast: [0.5, 0.3])
        let form = model.shallowForm()
        let point = try #require(try Self.fixedPoints(model).first { $0.stability == .stable })
        let subspace = try SpectralSubspace(cycle: point, form: form, dimension: 1)
        let local = try LocalManifold(slow: subspace, form: form)
        #expect(local.kind == .stable && local.eigenvalue1D == subspace.slowEigenvalues[0].real && local.dimension == 1)
        let builder = try ManifoldBuilder(form: form, slow: subspace, options: ManifoldOptions(kind: .unstable, bounds: Self.box3))
        #expect(builder.options.kind == .stable, "the continuation of a slow eigenvalue inside the unit circle is backward")
        var distribution = DistributionOptions()
        distribution.deltaSigma = nil
        let built = try builder.build(distribution: distribution)
        let manifold = built.manifold
        let coverage = try #require(built.coverage)
        let curve = try InvariantCurve(subspace: subspace, form: form, options: CurveOptions(bounds: Self.box3))
        // Coverage is measured as for any manifold (an independent sample of the SSM pushed back
        // through every preimage); this network's branches through the other orthants are not all
        // built yet (docs/reduce.md, "Open"), so only that it is measured is asserted here.
        #expect(coverage.sampled > 0 && coverage.fraction > 0 && coverage.fraction <= 1)
        // Invariance: F maps every point of every piece onto the manifold (to 1e-9 of its extent).
        let tolerance = 1e-9 * curve.extent
        var worst = 0.0
        for sheet in manifold.sheets {
            for u in stride(from: 0.0, through: 1.0, by: 0.125) {
                let x = Vec.axpy(sheet.supportPoints[0], u, Vec.sub(sheet.supportPoints[1], sheet.supportPoints[0]))
                worst = max(worst, Self.distance(form(x), to: manifold))
            }
        }
        #expect(worst <= tolerance, "F leaves the slow manifold by \(worst)")
        // The exact curve through p (the chart of the reduced model) lies on it inside p's region
        // (the local piece, where both are the flat p + E).
        let inside = curve.points.filter { form.region(of: $0) == point.regions[0] }
        #expect(inside.count >= 2)
        let off = inside.map { Self.distance($0, to: manifold) }.max()!
        #expect(off <= tolerance, "the chart's curve lies \(off) off the manifold in the fixed point's region")
        // A slow subspace straddling the unit circle has no direction to grow in.
        let decision = ExampleNetworks.decision()
        let saddle = try #require(try Self.fixedPoints(decision).first { $0.stability == .saddle })
        let both = try SpectralSubspace(cycle: saddle, form: decision.shallowForm(), dimension: 3)
        #expect(throws: ReductionError.straddlesUnitCircle) { try LocalManifold(slow: both, form: decision.shallowForm()) }
    }

    @Test func theUnstableFirstOrderTakesASaddlesUnstableDirectionEvenWhenAStableOneIsSlower() throws {
        // A saddle with eigenvalues 1.2 (unstable) and 0.95 (stable, slower): slowest first picks
        // 0.95; unstable first picks 1.2 and grows the slow manifold forward.
        let model = try Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [2], values: [1.2, 0.95]), "W": Parameter(name: "W", shape: [2, 2], values: [0, 0, 0, 0]),
            "h": Parameter(name: "h", shape: [2], values: [0, 0])])
        let form = model.shallowForm()
        let saddle = try #require(try Self.fixedPoints(model).first { $0.stability == .saddle })
        let slowest = try SpectralSubspace(cycle: saddle, form: form, dimension: 1)
        #expect(slowest.slowEigenvalues[0].real == 0.95 && slowest.continuation == .stable)
        let unstable = try SpectralSubspace(cycle: saddle, form: form, dimension: 1, unstableFirst: true)
        #expect(unstable.slowEigenvalues[0].real == 1.2 && unstable.continuation == .unstable)
        #expect(abs(unstable.spectralGap - abs(Double.log(0.95)) / Double.log(1.2)) <= 1e-14)
    }

    @Test func theDecisionNetworksSlowLineIsTheSaddlesUnstableManifoldBetweenTheChoices() throws {
        let model = ExampleNetworks.decision()
        let form = model.shallowForm()
        let all = try Self.fixedPoints(model)
        let saddle = try #require(all.first { $0.stability == .saddle })
        let choices = all.filter { $0.stability == .stable }
        #expect(choices.count == 2)
        let reduced = try Reduction.reduce(form: form, cycle: saddle, options: ReductionOptions(bounds: Self.box3))
        // The slowest direction of the saddle is its unstable one (1.05); the fast ones are the
        // complex pair 0.3 +- 0.2i: gap |log 0.36056| / log 1.05.
        #expect(abs(reduced.subspace.slowEigenvalues[0].real - 1.05) <= 1e-13 && reduced.subspace.continuation == .unstable)
        let gap = abs(Double.log(Double(0.13).squareRoot())) / Double.log(1.05)
        #expect(abs(reduced.spectralGap - gap) <= 1e-11 * gap)
        let curve = try #require(reduced.curve)
        // Both branches end on a choice attractor, one each.
        var reached: [Int] = []
        for end in curve.ends {
            guard case .fixedPoint(let z) = end else { Issue.record("branch ended \(end)"); continue }
            reached += choices.indices.filter { Vec.distance(choices[$0].points[0], z) <= 1e-9 }
        }
        #expect(reached.sorted() == [0, 1])
        Self.checkInvariance(curve, form)
        // Reduced dynamics: stable, unstable (slope 1.05 at the saddle), stable (slope the
        // attractors' slowest eigenvalue, with which the curve arrives).
        let fixed = reduced.fixedPoints
        #expect(fixed.map(\.stability) == [.stable, .unstable, .stable])
        #expect(fixed[1].s == 0 && abs(fixed[1].leftSlope! - 1.05) <= 1e-12)
        let slowest = choices[0].eigenvalues[0].real
        #expect(abs(fixed[0].rightSlope! - slowest) <= 1e-4 && abs(fixed[2].leftSlope! - slowest) <= 1e-4)
        // Mirror symmetry x <-> y: the two branches have the same length.
        #expect(abs(curve.s.first! + curve.s.last!) <= 1e-9 * curve.extent)
        // The reduced map as a model of its own (M = 1): equal to f on the curve, and its
        // cycle search finds the reduced fixed points with the same stability.
        let map = try #require(reduced.map)
        let own = map.asModel()
        for i in 0...200 {
            let s = map.domain.lowerBound + (map.domain.upperBound - map.domain.lowerBound) * Double(i) / 200
            #expect(abs(own.shallowForm()([min(s, map.domain.upperBound)])[0] - map(min(s, map.domain.upperBound))!) <= 1e-12)
        }
        let found = try Self.fixedPoints(own).filter { map.domain.contains($0.points[0][0]) }.sorted { $0.points[0][0] < $1.points[0][0] }
        #expect(found.count == 3 && zip(found, fixed).allSatisfy { abs($0.points[0][0] - $1.s) <= 1e-9 })
        #expect(found.map(\.stability) == [Stability.stable, .unstable, .stable])
    }

    @Test func theFTLERidgeOfTheDecisionNetworkIsTheSaddlesStableManifold() throws {
        // By the x <-> y symmetry the saddle's stable manifold (the basin boundary) is the plane
        // x = y; on a plane through the default centre spanned by x and y it is the diagonal.
        // The decision is slow (expansion 1.05 per step, time scale 20.5 steps), so T must be a
        // few time scales for the ridge to narrow: at T = 40 it is still about 0.7 wide (14 cells
        // here), and 199 of the top 306 values lie more than two cells off the diagonal.
        let model = ExampleNetworks.decision()
        let form = model.shallowForm()
        let centre = try #require(FTLEPlane.meanOfTrajectories(form: form, radius: 4))
        let plane = try FTLEPlane(centre: centre, lower: [-1, -1], upper: [4, 4], resolution: [101, 101])
        let field = try ftleField(form: form, plane: plane, options: FTLEOptions(steps: 60))
        #expect(field.statistics.diverged == 0)
        let order = field.values.indices.sorted { field.values[$0] > field.values[$1] }
        let top = order.prefix(field.values.count * 3 / 100)
        let offDiagonal = top.filter { abs($0 / 101 - $0 % 101) > 2 }
        #expect(offDiagonal.isEmpty, "\(offDiagonal.count) of the top \(top.count) values lie more than two cells off the diagonal")
        // ...and the ridge runs along the whole diagonal, not only near the saddle.
        let rows = Set(top.map { $0 / 101 })
        #expect(rows.count > 60)
    }

    @Test func foldsOfTheReducedDynamicsAsTheInputBiasChanges() throws {
        // The saddle and the attractor of choice y meet on the boundary x = 0 and vanish at
        // bias 7/106 (solve the attractor's fixed-point equations with x = 0); symmetrically
        // choice x vanishes at -7/106.
        let model = ExampleNetworks.decision()
        let saddle = try #require(try Self.fixedPoints(model).first { $0.stability == .saddle })
        let target = SweepTarget.direction(parameter: "h", vector: ExampleNetworks.decisionBiasDirection)
        let values = (0..<21).map { -0.2 + 0.02 * Double($0) }
        let options = TrackingOptions(bounds: Self.box3)
        let track = try SlowManifoldTracking.track(model: model, target: target, values: values, reference: saddle.points[0], options: options)
        let fold = 7.0 / 106
        #expect(track.folds.count == 2)
        let sorted = track.folds.sorted { $0.parameter < $1.parameter }
        #expect(sorted.map(\.appearing) == [true, false])
        for (f, exact) in zip(sorted, [-fold, fold]) {
            // Bisection narrows the bracket to 1e-9; its place is as exact as the fixed-point
            // search tells two close fixed points apart (de-duplication at 1e-7 relative: the
            // saddle and the attractor move 20 times faster than the bias, 1 / (1.05 - 1)).
            #expect(abs(f.upper - f.lower) < 1e-9 && abs(f.parameter - exact) < 1e-7, "\(f.parameter) vs \(exact)")
            // The pair meets at the boundary point (x, y, z) = (0, 14/5.3, 4/5.3) for the fold at
            // +7/106, and at its mirror image for -7/106.
            let meeting: [Double] = exact > 0 ? [0, 14 / 5.3, 4 / 5.3] : [14 / 5.3, 0, 4 / 5.3]
            #expect(f.states.count == 2)
            for state in f.states { #expect(Vec.distance(state, meeting) < 1e-5, "\(state)") }
        }
        // Between the folds: the saddle's line with three fixed points; outside: one choice left.
        for p in track.points {
            let inside = abs(p.parameter) < fold
            #expect(p.source == (inside ? .saddle : .stablePoint))
            #expect(p.fixedPoints.map(\.stability) == (inside ? [.stable, .unstable, .stable] : [.stable]), "\(p.parameter)")
        }
        // The grid shared out in another order gives the same track.
        let reversed = try SlowManifoldTracking.track(model: model, target: target, values: values, reference: saddle.points[0],
                                                      options: options, sharing: FTLETests.ReversedSharing())
        #expect(reversed.points == track.points && reversed.folds == track.folds)
    }

    @Test func theThreeChoiceNetworksSaddleConnectionsCloseIntoARing() throws {
        let model = ExampleNetworks.threeChoices()
        let form = model.shallowForm()
        let all = try Self.fixedPoints(model)
        // Three choices, three saddles of unstable dimension 1, and the centre (unstable dimension 2).
        #expect(all.filter { $0.stability == .stable }.count == 3)
        #expect(all.filter { $0.stability == .saddle }.map(\.unstableDimension).sorted() == [1, 1, 1, 2])
        // The centre's 2D SSM (its unstable plane, eigenvalue 1.05 twice) holds the ring.
        let centre = try #require(all.first { Vec.distance($0.points[0], [1, 1, 1]) < 1e-12 })
        var options = ReductionOptions(dimension: 2, bounds: Self.box3)
        let plain = try Reduction.reduce(form: form, cycle: centre, options: options, fixedPoints: all)
        #expect(plain.subspace.slowEigenvalues.allSatisfy { abs($0.real - 1.05) < 1e-12 } && plain.subspace.continuation == .unstable)
        let ring = try #require(plain.ring)
        // Three choices joined by three saddles, each choice once, each saddle between the two
        // choices it lies between (its inactive unit is the third choice's).
        #expect(Set(ring.attractors).count == 3 && Set(ring.saddles).count == 3)
        for (k, saddle) in ring.saddles.enumerated() {
            let (from, to) = (all[ring.attractors[k]].points[0], all[ring.attractors[(k + 1) % 3]].points[0])
            let active = (0..<3).filter { all[saddle].points[0][$0] > 0 }
            #expect(Set(active) == Set((0..<3).filter { from[$0] > 0 || to[$0] > 0 }))
            Self.checkInvariance(ring.curves[k], form)
        }
        #expect(abs(ring.length - ring.curves.map(\.extent).reduce(0, +)) < 1e-12)
        // The drift between the choices is fast (slopes 0.7 and 1.05): a closed curve, no ring
        // attractor at the default tolerance; one at a tolerance above its largest drift.
        #expect(plain.classification.kind == .none && ring.maximumDrift > 0.1)
        options.driftTolerance = ring.maximumDrift * 1.01
        let loose = try Reduction.reduce(form: form, cycle: centre, options: options, fixedPoints: all)
        #expect(loose.classification.kind == .ringAttractor, "\(loose.classification.reason)")
        // The decision network has no ring: its two choices are joined once.
        let decision = try Self.fixedPoints(ExampleNetworks.decision())
        #expect(RingAttractor.find(form: ExampleNetworks.decision().shallowForm(), fixedPoints: decision, options: options) == nil)
    }

    @Test func theBundledDecisionModelFileIsTheExampleNetwork() throws {
        // jobs/models/decision-line.json, for the command line and the benchmarks.
        let object = try FTLETests.repositoryJSON("jobs/models/decision-line.json")
        let w = try #require(object["W"] as? [[Double]])
        let model = ExampleNetworks.decision()
        #expect(object["type"] as? String == "plrnn")
        #expect(object["A"] as? [Double] == model.parameter("A")!.values && object["h"] as? [Double] == model.parameter("h")!.values)
        #expect(w.flatMap { $0 } == model.parameter("W")!.values)
    }

    @Test func piecewiseLinearMapsFixedPointsAndSlowSets() {
        // f: 0 -> 0.5, 1 -> 1, 2 -> 2.6, 3 -> 2.6; g = f - s: 0.5, 0, 0.6, -0.4.
        let map = PiecewiseLinearMap(s: [0, 1, 2, 3], f: [0.5, 1, 2.6, 2.6])
        let fixed = map.fixedPoints
        #expect(fixed.map(\.s) == [1, 2.6])
        #expect(fixed[0].leftSlope == 0.5 && abs(fixed[0].rightSlope! - 1.6) < 1e-15 && fixed[0].stability == .marginal)
        #expect(fixed[1].leftSlope == 0 && fixed[1].stability == .stable)
        // |g| <= 0.1: [0.8, 1.0625] (slopes -0.5 then 0.6 of g) and [2.5, 2.7] (slope -1).
        let slow = map.slowSet(tolerance: 0.1)
        #expect(slow.count == 2)
        #expect(abs(slow[0].lowerBound - 0.8) < 1e-12 && abs(slow[0].upperBound - (1 + 0.1 / 0.6)) < 1e-12)
        #expect(abs(slow[1].lowerBound - 2.5) < 1e-12 && abs(slow[1].upperBound - 2.7) < 1e-12)
        #expect(map(1.5)! == 1.8 && map(3.5) == nil && abs(map.maximumDrift - 0.6) < 1e-15)
    }

    @Test func badReductionsAreRefusedWithOneLine() throws {
        let model = ExampleNetworks.decision()
        let saddle = try #require(try Self.fixedPoints(model).first { $0.stability == .saddle })
        let form = model.shallowForm()
        // d = 2 at the saddle would take one of the complex pair 0.3 +- 0.2i.
        #expect(throws: ReductionError.splitsComplexPair(2)) { try SpectralSubspace(cycle: saddle, form: form, dimension: 2) }
        #expect(throws: ReductionError.dimension(4, stateDimension: 3)) { try SpectralSubspace(cycle: saddle, form: form, dimension: 4) }
        #expect(throws: ReductionError.outsideBounds) {
            try InvariantCurve(unstableManifoldOf: saddle, form: form, options: CurveOptions(bounds: Box(lower: [-1, -1, -1], upper: [1, 1, 1])))
        }
        let three = try SpectralSubspace(cycle: saddle, form: form, dimension: 3)
        #expect(three.spectralGap == .infinity && three.continuation == nil)
    }

    @Test func theSpectralSubspaceOfACycleCarriesTheReturnMap() throws {
        // The saddle 3-cycle of the toy map's cycle-I preset: S = S_2 S_1 S_0 in the charts.
        let cycle = try #require(try ManifoldTests.cycles(ToyMap.cycleI, order: 3).first { $0.order == 3 })
        let form = ToyMap.cycleI.shallowForm()
        for d in [1, 2] {
            let subspace = try SpectralSubspace(cycle: cycle, form: form, dimension: d)
            var product = Matrix.identity(d)
            for s in subspace.stepMatrices { product = Matrix(rows: d, columns: d, elements: s) * product }
            #expect(zip(product.elements, subspace.reducedMatrix).allSatisfy { abs($0 - $1) <= 1e-12 })
            // The cycle's points lie on their flats, the chart maps back and forth.
            let c = (0..<d).map { 0.01 * Double($0 + 1) }
            #expect(zip(subspace.chart(of: subspace.state(chart: c)), c).allSatisfy { abs($0 - $1) <= 1e-15 })
            // c = 0 satisfies every region constraint of the local piece.
            #expect(subspace.chartConstraints(form: form).allSatisfy { $0.bound >= -1e-12 })
            // The time scale counts steps of F: 3 / |log|lambda||.
            #expect(abs(subspace.timeScales[0] - 3 / abs(Double.log(cycle.eigenvalues.map(\.length).max()!))) < 1e-9
                    || abs(subspace.timeScales[0] - 3 / abs(Double.log(cycle.eigenvalues.map(\.length).min()!))) < 1e-9)
        }
    }
}
