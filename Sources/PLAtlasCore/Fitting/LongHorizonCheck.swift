import ComplexModule
import LinearAlgebra
import RealModule

/// A fixed point of the true ODE (f(z) = 0) with its stability from the eigenvalues of Df.
public struct EquilibriumPoint: Sendable, Equatable {
    public var point: [Double]
    /// Eigenvalues of Df with positive real part.
    public var unstableDimension: Int
    public var isStable: Bool { unstableDimension == 0 }
}

/// What an orbit settles on.
public enum AttractorKind: String, Sendable, CaseIterable {
    case fixedPoint = "fixed point"
    /// Bounded, not stationary, largest Lyapunov exponent not positive: a periodic orbit or an
    /// invariant closed curve (a limit cycle of the flow).
    case cycle = "limit cycle"
    case chaotic
    case unbounded
}

/// One attractor found from random initial states.
public struct AttractorSummary: Sendable, Equatable {
    public var kind: AttractorKind
    /// The mean of the orbit over the measuring window (the point itself for a fixed point).
    public var centre: [Double]
    /// Largest Lyapunov exponent per unit time (per step / dt).
    public var largestExponent: Double
    /// How many of the initial states ended here.
    public var orbits: Int
}

/// Settings of the attractor census.
public struct CensusOptions: Sendable {
    public var orbits = 8
    public var transient = 3000
    public var steps = 3000
    /// Exponents per unit time above this count as chaos.
    public var chaosThreshold = 0.02
    public var seed: UInt64 = 0
    public init() {}
}

public enum LongHorizonCheck {
    /// Zeros of the vector field by Newton's method (finite-difference Jacobian) from `starts`
    /// random points of the region of interest, de-duplicated; sorted by first coordinate.
    public static func equilibria(of instance: SystemInstance, starts: Int = 200, seed: UInt64 = 0) -> [EquilibriumPoint] {
        let (lower, upper) = instance.system.regionOfInterest
        let m = instance.dimension
        var generator = SeededGenerator(seed: seed, stream: 0xE0)
        var found: [[Double]] = []
        for _ in 0..<starts {
            var z = (0..<m).map { lower[$0] + (upper[$0] - lower[$0]) * generator.uniform() }
            var converged = false
            for _ in 0..<60 {
                let f = instance.vectorField(z)
                if norm(f) < 1e-13 * (1 + norm(z)) { converged = true; break }
                guard let step = try? solve(jacobian(instance, at: z), f) else { break }
                for i in 0..<m { z[i] -= step[i] }
                if !z.allSatisfy(\.isFinite) { break }
            }
            if !converged && norm(instance.vectorField(z)) < 1e-10 * (1 + norm(z)) { converged = true }
            guard converged else { continue }
            // Coordinates at the rounding level of the Newton step are zero.
            let size = norm(z)
            for i in 0..<m where abs(z[i]) < 1e-12 * (1 + size) { z[i] = 0 }
            let scale = (0..<m).map { upper[$0] - lower[$0] }.max()!
            if !found.contains(where: { distance($0, z) < 1e-6 * scale }) { found.append(z) }
        }
        return found.sorted { $0.lexicographicallyPrecedes($1) }.map { z in
            let eigen = (try? eigenvalues(jacobian(instance, at: z))) ?? []
            return EquilibriumPoint(point: z, unstableDimension: eigen.filter { $0.real > 0 }.count)
        }
    }

    /// Df(z) by central differences.
    static func jacobian(_ instance: SystemInstance, at z: [Double]) -> Matrix {
        let m = z.count
        var j = Matrix(rows: m, columns: m)
        for c in 0..<m {
            let h = 1e-6 * (1 + abs(z[c]))
            var plus = z, minus = z
            plus[c] += h; minus[c] -= h
            let fp = instance.vectorField(plus), fm = instance.vectorField(minus)
            for r in 0..<m { j[r, c] = (fp[r] - fm[r]) / (2 * h) }
        }
        return j
    }

    /// The fixed points of a fitted model: SCYFI (order 1), plus the fixed point of every
    /// region that one of `states` lies in when it lies in that region itself. The regions of
    /// the training states and of the true equilibria cover the region of interest, so a fixed
    /// point there that the heuristic misses is still found; so the heuristic's cell survey
    /// walks fewer lines than `platlas cycles` does (500). Sorted by region code.
    public static func fixedPoints(of model: Model, seed: UInt64, states: [[Double]] = []) throws -> [Cycle] {
        var options = CycleSearchOptions(maxOrder: 1)
        options.seed = seed
        if !states.isEmpty { options.cellSurveyLines = 500 }
        var found = try CycleSearch(model: model, options: options).run().cycles
        let form = model.shallowForm()
        let m = model.dimension
        var seen = Set(found.map { $0.regions[0] })
        for z in states {
            let d = form.region(of: z)
            guard seen.insert(d).inserted else { continue }
            let jacobian = form.jacobian(d)
            var system = Matrix.identity(m)
            for i in 0..<(m * m) { system.elements[i] -= jacobian.elements[i] }
            guard let x = try? solve(system, form.offset(d)), x.allSatisfy(\.isFinite), form.region(of: x) == d else { continue }
            let residual = distance(form(x), x) / (1 + norm(x))
            guard residual <= options.closureTolerance, let eigen = try? eigenvalues(jacobian) else { continue }
            let cycle = Cycle(points: [x], regions: [d], eigenvalues: eigen, residual: residual,
                              marginalTolerance: options.marginalTolerance)
            if !found.contains(where: { $0.isSameCycle(as: cycle) }) { found.append(cycle) }
        }
        return found.sorted { $0.regions[0] < $1.regions[0] }
    }

    /// The attractors reached from `options.orbits` initial states uniform in the box
    /// (lower, upper): each orbit runs `transient` steps, then `steps` more while the largest
    /// Lyapunov exponent is measured. Orbits ending at the same place (fixed points within
    /// 1e-3 of the box size, cycles with centres within 5 % of it, chaotic sets within 20 %)
    /// are merged.
    public static func attractors<Map: TangentMap>(of map: Map, dt: Double, box: (lower: [Double], upper: [Double]),
                                                   options: CensusOptions = CensusOptions()) -> [AttractorSummary] {
        let m = map.dimension
        let size = (0..<m).map { box.upper[$0] - box.lower[$0] }.max()!
        let bound = 100 * (size + (0..<m).map { max(abs(box.lower[$0]), abs(box.upper[$0])) }.max()!)
        var out: [AttractorSummary] = []
        var next = [Double](repeating: 0, count: m), jac = [Double](repeating: 0, count: m * m)
        for o in 0..<options.orbits {
            var generator = SeededGenerator(seed: options.seed, stream: 0xA770 + UInt64(o))
            let start = (0..<m).map { box.lower[$0] + (box.upper[$0] - box.lower[$0]) * generator.uniform() }
            let result = lyapunovExponents(of: map, from: start,
                                           options: LyapunovOptions(transient: options.transient, steps: options.steps,
                                                                    count: 1, divergenceBound: bound))
            var summary: AttractorSummary
            if result.diverged {
                summary = AttractorSummary(kind: .unbounded, centre: [], largestExponent: .nan, orbits: 1)
            } else {
                let z = result.finalState
                map.step(z, next: &next, jacobian: &jac)
                let exponent = result.largest / dt
                // The orbit's mean over a further window locates cycles and chaotic sets.
                var centre = [Double](repeating: 0, count: m)
                var x = z
                let window = min(options.steps, 1000)
                for _ in 0..<window {
                    map.step(x, next: &next, jacobian: &jac)
                    x = next
                    for i in 0..<m { centre[i] += x[i] / Double(window) }
                }
                map.step(z, next: &next, jacobian: &jac)
                if distance(next, z) <= 1e-8 * (1 + norm(z)) {
                    summary = AttractorSummary(kind: .fixedPoint, centre: z, largestExponent: exponent, orbits: 1)
                } else if exponent > options.chaosThreshold {
                    summary = AttractorSummary(kind: .chaotic, centre: centre, largestExponent: exponent, orbits: 1)
                } else {
                    summary = AttractorSummary(kind: .cycle, centre: centre, largestExponent: exponent, orbits: 1)
                }
            }
            let tolerance = summary.kind == .fixedPoint ? 1e-3 * size : (summary.kind == .chaotic ? 0.2 * size : 0.05 * size)
            if let i = out.firstIndex(where: { $0.kind == summary.kind && ($0.kind == .unbounded || distance($0.centre, summary.centre) <= tolerance) }) {
                out[i].orbits += 1
            } else {
                out.append(summary)
            }
        }
        return out
    }

    /// The time-dt flow map of a system with a finite-difference Jacobian, for the census of
    /// the true system's attractors.
    public static func flowMap(_ instance: SystemInstance, dt: Double, maxStep: Double) -> ClosureTangentMap {
        let integrator = RungeKutta4(maxStep: min(maxStep, dt)) { [instance] z in instance.vectorField(z) }
        let m = instance.dimension
        return ClosureTangentMap(dimension: m) { z in
            let next = integrator.flow(z, time: dt)
            var jacobian = [Double](repeating: 0, count: m * m)
            for c in 0..<m {
                let h = 1e-6 * (1 + abs(z[c]))
                var plus = z
                plus[c] += h
                let fp = integrator.flow(plus, time: dt)
                for r in 0..<m { jacobian[r * m + c] = (fp[r] - next[r]) / h }
            }
            return (next, jacobian)
        }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
        return s.squareRoot()
    }

    static func norm(_ a: [Double]) -> Double { distance(a, [Double](repeating: 0, count: a.count)) }
}
