import MPI
import PLAtlasCluster
import PLAtlasCore

/// The multi-rank FTLE and slow-manifold cases: a field's rows and a parameter track's values
/// shared over the ranks give, bit for bit, what one process computes alone.
var reductionCases: [TestCase] { [
    TestCase(name: "ftle: any rank count gives the serial field") { world, _, expect in
        let toy = try BasinsCaseModels.cases()[0].1
        let decision = ExampleNetworks.decision()
        let cases: [(String, Model, FTLEPlane, FTLEOptions)] = [
            ("saddle B forward", toy, try FTLEPlane(centre: [0, 0], lower: [-3, -3], upper: [3, 3], resolution: [37, 29]), FTLEOptions(steps: 30)),
            ("saddle B backward", toy, try FTLEPlane(centre: [0, 0], lower: [-2, -2], upper: [2, 2], resolution: [9, 11]),
             FTLEOptions(steps: 3, direction: .backward)),
            // Two preimages for x in (-1, 0.5): branches pruned to the 16 strongest.
            ("folded map backward", try Model(kind: .plrnn, parameters: [
                "A": Parameter(name: "A", shape: [2, 2], values: [-1.5, 0, 0, 4]), "W": Parameter(name: "W", shape: [2, 2], values: [4.5, 0, 0, 0]),
                "h": Parameter(name: "h", shape: [2], values: [-1, 0])]),
             try FTLEPlane(centre: [0, 0], lower: [-0.6, -0.5], upper: [0.2, 0.5], resolution: [7, 5]), FTLEOptions(steps: 20, direction: .backward, maxBranches: 16)),
            ("decision forward", decision, try FTLEPlane(centre: [1.3, 1.3, 0.8], axes: [1, 0], lower: [-1, -1], upper: [4, 4], resolution: [41, 23]),
             FTLEOptions(steps: 60)),
        ]
        for (label, model, plane, options) in cases {
            let form = model.shallowForm()
            let alone = try ftleField(form: form, plane: plane, options: options, sharing: SerialCollective())
            let shared = try ftleField(form: form, plane: plane, options: options, sharing: MPICollective(world))
            expect.expect(shared.isIdentical(to: alone), "\(label): the field on \(world.size) ranks differs from the serial one")
            expect.expect(shared.statistics == alone.statistics, "\(label): statistics \(shared.statistics) vs \(alone.statistics)")
            expect.expect(alone.statistics.averaged > 0, "\(label): nothing averaged")
        }
    },
    TestCase(name: "reduce: the slow-manifold track and its folds are the same on any rank count") { world, _, expect in
        let model = ExampleNetworks.decision()
        let target = SweepTarget.direction(parameter: "h", vector: ExampleNetworks.decisionBiasDirection)
        let values = (0..<13).map { -0.12 + 0.02 * Double($0) }
        var options = TrackingOptions(bounds: Box(lower: [-5, -5, -5], upper: [8, 8, 8]))
        options.bisectionSteps = 20
        let reference = [1.3207547169811322, 1.3207547169811322, 0.7547169811320756]
        let alone = try SlowManifoldTracking.track(model: model, target: target, values: values, reference: reference, options: options)
        let shared = try SlowManifoldTracking.track(model: model, target: target, values: values, reference: reference, options: options,
                                                    sharing: MPICollective(world))
        expect.expect(shared.points == alone.points, "the tracked slow manifolds on \(world.size) ranks differ from the serial ones")
        expect.expectEqual(shared.folds, alone.folds, "folds")
        expect.expectEqual(alone.folds.count, 2, "fold count")
    },
] }
