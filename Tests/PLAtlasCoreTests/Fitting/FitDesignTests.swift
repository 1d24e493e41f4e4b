import ComplexModule
import Foundation
import LinearAlgebra
import Testing
@testable import PLAtlasCore

/// The sampling design, the weighted regression with Jacobian anchors, and the topology
/// comparison of `platlas fit` (docs/fitting.md).
@Suite("Fitting design and topology")
struct FitDesignTests {
    /// A layer of one unit that is off everywhere: the fit is the affine part alone.
    let inactive = RandomFeatures(dimension: 1, W2: [0], h2: [-1])

    /// Two groups of pairs at the same state, y = 0 (weight 1) and y = 1 (weight 3): the
    /// weighted least squares puts the map at their weighted mean 0.75 (0.5 unweighted).
    @Test func weightsMoveTheFitToTheWeightedMean() throws {
        let inputs = [[Double]](repeating: [0], count: 4)
        let targets: [[Double]] = [[0], [1], [0], [1]]
        let normalisation = Normalisation(mean: [0], scale: [1])
        let weighted = try OneStepRegression.fit(inputs: inputs, targets: targets, features: inactive,
                                                 normalisation: normalisation, ridge: 0, weights: [1, 3, 1, 3])
        let plain = try OneStepRegression.fit(inputs: inputs, targets: targets, features: inactive,
                                              normalisation: normalisation, ridge: 0)
        #expect(abs(weighted.shallowForm()([0])[0] - 0.75) < 1e-12)
        #expect(abs(plain.shallowForm()([0])[0] - 0.5) < 1e-12)
    }

    /// Data of slope 1 (y = x + 0.1) and a heavy anchor asking for slope 0.5 at 0: the fitted
    /// map's slope is the anchor's; without it, the data's.
    @Test func anAnchorSetsTheJacobianOfItsRegion() throws {
        let inputs = (0..<21).map { [Double($0) / 10 - 1] }
        var data = TransitionData(dimension: 1, dt: 1, trainInputs: inputs, trainTargets: inputs.map { [$0[0] + 0.1] },
                                  heldOutInputs: [], heldOutTargets: [])
        let normalisation = Normalisation(states: inputs)
        let free = try OneStepRegression.fit(data, features: inactive, normalisation: normalisation, ridge: 0)
        #expect(abs(free.parameter("A")!.values[0] - 1) < 1e-10)
        data.anchors = [JacobianAnchor(point: [0], jacobian: [0.5], weight: 1e8)]
        let anchored = try OneStepRegression.fit(data, features: inactive, normalisation: normalisation, ridge: 0)
        #expect(abs(anchored.parameter("A")!.values[0] - 0.5) < 1e-6)
    }

    /// Duffing, vector-field target, 800 samples: a 20 x 20 grid at the cell centres, the rest
    /// along trajectories inside the region; 3 equilibria, each with 100 neighbours in its 2 %
    /// box and an anchor with the Jacobian I + dt Df. Targets are one Euler step of the field.
    @Test func sampleDesignOfTheVectorFieldTarget() throws {
        let instance = try SystemInstance(.duffing)
        let region = KnownSystem.duffing.regionOfInterest
        let equilibria = LongHorizonCheck.equilibria(of: instance).map(\.point)
        #expect(equilibria.count == 3)
        let dt = 0.1
        let design = SampleDesign(samples: 800, dimension: 2, trajectorySteps: 40, trajectoryInterval: 0.25)
        #expect(design.gridPoints == 400 && design.trajectoryStates == 400)
        let (data, counts) = TransitionData.sample(instance, target: .vectorField, dt: dt, design: design,
                                                   equilibria: equilibria, maxStep: 0.01, seed: 3)
        #expect(counts.grid == 400)
        #expect(counts.equilibria == 3 && counts.neighbourhood == 300)
        #expect(data.ordinaryCount == counts.trajectory + counts.grid)
        #expect(data.trainInputs.count == counts.trajectory + counts.grid + 3 + 300)
        for (x, y) in zip(data.trainInputs + data.heldOutInputs, data.trainTargets + data.heldOutTargets) {
            let g = instance.vectorField(x)
            #expect(abs(y[0] - x[0] - dt * g[0]) < 1e-12 && abs(y[1] - x[1] - dt * g[1]) < 1e-12)
            #expect(KnownSystem.contains(region, x))
        }
        let grid = data.trainInputs[counts.trajectory..<(counts.trajectory + counts.grid)]
        #expect(abs(grid.map { $0[0] }.min()! - (-4.5 + 9.0 / 40)) < 1e-12)
        #expect(abs(grid.map { $0[1] }.max()! - (4.5 - 9.0 / 40)) < 1e-12)
        // The anchor at (sqrt 10, 0): Df = [[0, 1], [-2, -0.5]].
        let sink = try #require(data.anchors.first { $0.point[0] > 3 })
        let expected = [1, dt, -2 * dt, 1 - 0.5 * dt]
        for (a, b) in zip(sink.jacobian, expected) { #expect(abs(a - b) < 1e-6) }
        let ordinary = Double(data.ordinaryCount!)
        #expect(abs(sink.weight - ordinary) < 1e-9)
        // Each neighbourhood weighs as much as the ordinary states, its centre as well.
        let weights = try #require(data.trainWeights)
        let start = data.ordinaryCount!
        #expect(abs(weights[start] - ordinary) < 1e-9)
        #expect(abs(weights[(start + 1)...(start + 100)].reduce(0, +) - ordinary) < 1e-6)
        for x in data.trainInputs[(start + 1)...(start + 100)] {
            #expect(abs(x[0] - data.trainInputs[start][0]) <= 0.02 * 9 && abs(x[1] - data.trainInputs[start][1]) <= 0.02 * 9)
        }
        // The relative weights of the ordinary states have mean 1.
        #expect(abs(weights[0..<start].reduce(0, +) / ordinary - 1) < 1e-9)
    }

    /// The flow-map target's pairs are (x, Phi_dt(x)) by RK4.
    @Test func flowMapTargetsAreTheFlow() throws {
        let instance = try SystemInstance(.vanderpol)
        let design = SampleDesign(samples: 100, dimension: 2, trajectorySteps: 10, trajectoryInterval: 0.1)
        let (data, _) = TransitionData.sample(instance, target: .flowMap, dt: 0.1, design: design, equilibria: [[0, 0]],
                                              maxStep: 0.01, seed: 1)
        let integrator = RungeKutta4(maxStep: 0.01) { instance.vectorField($0) }
        for (x, y) in zip(data.trainInputs, data.trainTargets) { #expect(integrator.flow(x, time: 0.1) == y) }
        #expect(data.anchors.count == 1)
    }

    /// w = 1 / (|v|^2 + 0.01 mean |v|^2), scaled to mean 1: the state where the increment
    /// vanishes weighs (|v_max|^2 + 0.01 mean) / (0.01 mean) times the one with the largest.
    @Test func relativeWeightsFavourSmallIncrements() {
        let inputs: [[Double]] = [[0], [1], [2]]
        let data = TransitionData(dimension: 1, dt: 1, trainInputs: inputs, trainTargets: [[0], [2], [4]],
                                  heldOutInputs: [], heldOutTargets: [])
        var weights = [1.0, 1, 1]
        TransitionData.relativeWeights(data, floor: 0.1, into: &weights)
        let s = Normalisation(states: inputs).scale[0]
        let squares = [0, 1 / (s * s), 4 / (s * s)]
        let mean = squares.reduce(0, +) / 3
        #expect(abs(weights.reduce(0, +) - 3) < 1e-12)
        #expect(abs(weights[0] / weights[2] - (squares[2] + 0.01 * mean) / (0.01 * mean)) < 1e-9)
        #expect(weights[0] > weights[1] && weights[1] > weights[2])
    }

    /// The default Euler steps keep the stability of every true equilibrium inside the region:
    /// |1 + dt lambda| < 1 exactly for the eigenvalues of Df with Re lambda < 0.
    @Test func defaultEulerStepsKeepTheStability() throws {
        for system in KnownSystem.allCases {
            let instance = try SystemInstance(system)
            let dt = system.defaults(for: .vectorField).dt
            for e in LongHorizonCheck.equilibria(of: instance) where KnownSystem.contains(system.regionOfInterest, e.point) {
                for lambda in try eigenvalues(LongHorizonCheck.jacobian(instance, at: e.point)) {
                    let modulus = ((1 + dt * lambda.real) * (1 + dt * lambda.real) + dt * dt * lambda.imaginary * lambda.imaginary).squareRoot()
                    #expect((modulus < 1) == (lambda.real < 0), "\(system) at \(e.point): lambda \(lambda), |1 + dt lambda| = \(modulus)")
                }
            }
        }
    }

    func fixedPoint(_ z: [Double], unstable: Int) -> Cycle {
        let eigen = [Complex(unstable >= 1 ? 1.5 : 0.5, 0), Complex(unstable >= 2 ? 1.2 : 0.6, 0)]
        return Cycle(points: [z], regions: [RegionCode(count: 1)], eigenvalues: eigen, residual: 0, marginalTolerance: 1e-6)
    }

    func summary(_ kind: AttractorKind) -> AttractorSummary {
        AttractorSummary(kind: kind, centre: [0, 0], largestExponent: 0, orbits: 1)
    }

    /// Truth in [-2, 2]^2: sinks at (+-1, 0), a saddle at 0, and an equilibrium outside. The
    /// fit: a sink near (-1, 0), a repeller at the saddle, nothing near (1, 0), a spurious
    /// saddle at (1.5, 0), a point outside, and a limit cycle where a sink should be.
    @Test func topologyComparisonNamesEveryDifference() {
        let truth = [EquilibriumPoint(point: [-1, 0], unstableDimension: 0), EquilibriumPoint(point: [0, 0], unstableDimension: 1),
                     EquilibriumPoint(point: [1, 0], unstableDimension: 0), EquilibriumPoint(point: [5, 5], unstableDimension: 2)]
        let fitted = [fixedPoint([-1.05, 0], unstable: 0), fixedPoint([0.01, 0], unstable: 2),
                      fixedPoint([1.5, 0], unstable: 1), fixedPoint([10, 10], unstable: 1)]
        let region: (lower: [Double], upper: [Double]) = ([-2, -2], [2, 2])
        var report = LongHorizonReport(fixedPoints: fitted, nearestTrue: [], trueEquilibria: truth,
                                       attractors: [summary(.fixedPoint), summary(.cycle)],
                                       trueAttractors: [summary(.fixedPoint), summary(.fixedPoint)])
        let t = TopologyComparison(report: report, region: region, positionTolerance: 0.02)
        #expect(abs(t.tolerance - 0.02 * 32.0.squareRoot()) < 1e-12)
        #expect(t.matches.map(\.trueIndex) == [0, 1, 2])
        #expect(t.matches.map(\.fittedIndex) == [0, 1, nil])
        #expect(t.matches[0].agrees && !t.matches[1].agrees)
        #expect(abs(t.matches[2].distance! - 0.5) < 1e-12)
        #expect(t.spurious == [2] && t.outside == [3])
        #expect(abs(t.largestMatchedDistance! - 0.05) < 1e-12)
        #expect(!t.attractorsAgree)
        #expect(t.differences == [
            .stability(fitted: [0.01, 0], unstable: 2, truth: [0, 0], trueUnstable: 1),
            .missing(truth: [1, 0], trueUnstable: 0, nearest: 0.5),
            .spurious(fitted: [1.5, 0], unstable: 1),
            .attractors(fitted: [.fixedPoint: 1, .cycle: 1], truth: [.fixedPoint: 2]),
        ])
        #expect(t.differences[1].describe { String($0) } == "no fixed point near the true one at (1.0, 0.0) (0 unstable directions; the nearest is 0.5 away)")
        #expect(t.differences[3].describe { String($0) } == "attractors: 1 fixed point + 1 limit cycle, true system: 2 fixed points")

        // The same points, right: it agrees (the point outside is reported, not counted).
        report.fixedPoints = [fixedPoint([-1.05, 0], unstable: 0), fixedPoint([0.01, 0], unstable: 1),
                              fixedPoint([0.99, 0], unstable: 0), fixedPoint([10, 10], unstable: 1)]
        report.attractors = [summary(.fixedPoint), summary(.fixedPoint)]
        let right = TopologyComparison(report: report, region: region, positionTolerance: 0.02)
        #expect(right.agrees && right.differences.isEmpty && right.outside == [3])
    }

    /// z' = 0.5 z + 1.5 relu(z - 1) - 0.25 has fixed points -0.5 (slope 0.5, stable) and
    /// 1.75 (slope 2, unstable); scanning the regions of states finds both.
    @Test func regionScanFindsTheFixedPoints() throws {
        let model = try Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [0.5]),
            "W1": Parameter(name: "W1", shape: [1, 1], values: [1.5]),
            "W2": Parameter(name: "W2", shape: [1, 1], values: [1]),
            "h1": Parameter(name: "h1", shape: [1], values: [-0.25]),
            "h2": Parameter(name: "h2", shape: [1], values: [-1]),
        ])
        let fixed = try LongHorizonCheck.fixedPoints(of: model, seed: 1, states: [[-3], [0], [3]])
        #expect(fixed.count == 2)
        let points = fixed.map { $0.points[0][0] }.sorted()
        #expect(abs(points[0] + 0.5) < 1e-12 && abs(points[1] - 1.75) < 1e-12)
        #expect(fixed.first { $0.points[0][0] < 0 }!.stability == .stable)
        #expect(fixed.first { $0.points[0][0] > 0 }!.unstableDimension == 1)
    }
}
