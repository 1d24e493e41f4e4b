import LinearAlgebra
import RealModule

/// Forward: along the orbit x, F(x), ..., F^T(x). Backward: along preimages.
public enum FTLEDirection: String, Sendable, CaseIterable, Codable {
    case forward
    case backward
}

/// What became of the orbit of one grid point.
public enum FTLEStatus: UInt8, Sendable, CaseIterable {
    /// T steps were taken: the value is the average (1/T) log sigma_max.
    case averaged = 0
    /// Forward: the orbit left the ball of radius `FTLEOptions.bound` before step T.
    /// Backward: every preimage branch ended before step T (no preimage in the search box).
    /// The value is NaN: diverging orbits are marked, never averaged.
    case diverged = 1
}

/// Bad input for an FTLE field: one line.
public struct FTLEInputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The plane an FTLE field lives on: the points `centre + u e_i + v e_j`, with e_i, e_j the unit
/// vectors of the two state axes `axes`, u running over `x` and v over `y`. The grid holds
/// `resolution[0]` x `resolution[1]` points: x[a] = lower[0] + (upper[0] - lower[0]) a / (N_x - 1)
/// (both ends included; a single point is `lower`), and the coordinates are absolute: the point
/// (a, b) has coordinate `x[a]` on axis i, `y[b]` on axis j and the centre's coordinates on
/// every other axis.
public struct FTLEPlane: Sendable, Equatable {
    public var centre: [Double]
    /// The two state axes (i, j), distinct.
    public var axes: [Int]
    /// Lower and upper bounds of the grid along axis i and axis j.
    public var lower: [Double]
    public var upper: [Double]
    /// Points along axis i and along axis j.
    public var resolution: [Int]

    /// - Throws: `FTLEInputError` for fewer than two state dimensions, axes out of range or
    ///   equal, bounds that are not finite or not increasing, a resolution below 1, or a
    ///   centre that is not finite.
    public init(centre: [Double], axes: [Int] = [0, 1], lower: [Double], upper: [Double], resolution: [Int]) throws(FTLEInputError) {
        let m = centre.count
        guard m >= 2 else { throw FTLEInputError("the FTLE plane needs two state axes; the model has M = \(m)") }
        guard centre.allSatisfy(\.isFinite) else { throw FTLEInputError("the centre holds a non-finite value") }
        guard axes.count == 2, lower.count == 2, upper.count == 2, resolution.count == 2 else {
            throw FTLEInputError("the plane needs two axes, two bounds and two resolutions")
        }
        for a in axes where a < 0 || a >= m {
            throw FTLEInputError("axis \(a) is out of range: the state axes are 0..\(m - 1)")
        }
        guard axes[0] != axes[1] else { throw FTLEInputError("the two axes must differ, got \(axes[0]) twice") }
        for k in 0..<2 {
            guard lower[k].isFinite, upper[k].isFinite, lower[k] < upper[k] else {
                throw FTLEInputError("bounds \(lower[k]):\(upper[k]) of axis \(axes[k]) must be finite with lower < upper")
            }
            guard resolution[k] >= 1 else { throw FTLEInputError("the grid needs at least 1 point per axis, got \(resolution[k])") }
        }
        self.centre = centre
        self.axes = axes
        self.lower = lower
        self.upper = upper
        self.resolution = resolution
    }

    /// The grid coordinates along axis k (0: axis i, 1: axis j).
    public func coordinates(_ k: Int) -> [Double] {
        let n = resolution[k]
        return n == 1 ? [lower[k]] : (0..<n).map { lower[k] + (upper[k] - lower[k]) * Double($0) / Double(n - 1) }
    }

    /// x: the coordinates along axis i.
    public var x: [Double] { coordinates(0) }
    /// y: the coordinates along axis j.
    public var y: [Double] { coordinates(1) }

    /// The grid point (a, b) in state space.
    public func point(_ a: Int, _ b: Int) -> [Double] {
        var z = centre
        let n = resolution
        z[axes[0]] = n[0] == 1 ? lower[0] : lower[0] + (upper[0] - lower[0]) * Double(a) / Double(n[0] - 1)
        z[axes[1]] = n[1] == 1 ? lower[1] : lower[1] + (upper[1] - lower[1]) * Double(b) / Double(n[1] - 1)
        return z
    }

    /// The largest coordinate magnitude of the plane's corners and centre: the scale of the
    /// default bounds.
    public var scale: Double {
        var s = centre.map(abs).max() ?? 0
        for k in 0..<2 { s = max(s, abs(lower[k]), abs(upper[k])) }
        return s
    }

    /// The default centre: the mean over `samples` orbits from random states in
    /// [-radius, radius]^M (stream i of `seed` for orbit i) of their states over `steps` steps
    /// after `transient` steps, leaving out orbits whose norm exceeds 1e6 (1 + radius). Nil
    /// when every orbit diverges. `radius` nil: `ShallowForm.defaultSamplingRadius`.
    public static func meanOfTrajectories(form: ShallowForm, samples: Int = 64, transient: Int = 1000, steps: Int = 1000,
                                          radius: Double? = nil, seed: UInt64 = 0) -> [Double]? {
        let m = form.dimension
        let r = radius ?? form.defaultSamplingRadius
        let limit = 1e6 * (1 + r)
        var sum = [Double](repeating: 0, count: m)
        var counted = 0
        orbits: for i in 0..<samples {
            var generator = SeededGenerator(seed: seed, stream: 0xF71E_0000 &+ UInt64(i))
            var z = (0..<m).map { _ in r * (2 * generator.uniform() - 1) }
            var own = [Double](repeating: 0, count: m)
            for t in 0..<(transient + steps) {
                z = form(z)
                guard Vec.norm(z) <= limit else { continue orbits }
                if t >= transient { for j in 0..<m { own[j] += z[j] } }
            }
            for j in 0..<m { sum[j] += own[j] / Double(max(steps, 1)) }
            counted += 1
        }
        return counted == 0 ? nil : sum.map { $0 / Double(counted) }
    }
}

/// Settings of an FTLE field.
public struct FTLEOptions: Sendable, Equatable {
    /// T, the number of steps.
    public var steps: Int = 50
    public var direction: FTLEDirection = .forward
    /// Forward: an orbit whose norm exceeds this is marked diverged. Backward: preimages are
    /// searched in the box centre +- bound on every axis (a branch whose preimages all lie
    /// outside it ends). nil: forward 1e3 (1 + s), backward 10 (1 + s), with s the plane's
    /// `scale`.
    public var bound: Double?
    /// Backward, non-invertible maps: at most this many preimage branches are followed at once
    /// (when more arise, those with the largest growth so far are kept; see `ftleField`).
    public var maxBranches: Int = 64

    public init(steps: Int = 50, direction: FTLEDirection = .forward, bound: Double? = nil, maxBranches: Int = 64) {
        self.steps = steps
        self.direction = direction
        self.bound = bound
        self.maxBranches = maxBranches
    }

    /// The bound used for a plane (the default when `bound` is nil).
    public func bound(for plane: FTLEPlane) -> Double {
        bound ?? (direction == .forward ? 1e3 : 10) * (1 + plane.scale)
    }
}

/// Summary of a field.
public struct FTLEStatistics: Sendable, Equatable {
    public var averaged = 0
    public var diverged = 0
    /// Over the averaged points (NaN when there is none).
    public var minimum = Double.nan
    public var maximum = Double.nan
    public var mean = Double.nan
    /// Backward: points where more than `maxBranches` branches arose at some step, so that
    /// only the strongest were followed.
    public var prunedPoints = 0
    /// Backward: the most preimage branches alive at once at any point and step.
    public var mostBranches = 0
    /// Seconds of this rank's computation and the exchange.
    public var seconds = 0.0

    public static func == (a: Self, b: Self) -> Bool {
        a.averaged == b.averaged && a.diverged == b.diverged && a.prunedPoints == b.prunedPoints && a.mostBranches == b.mostBranches
            && a.minimum.bitPattern == b.minimum.bitPattern && a.maximum.bitPattern == b.maximum.bitPattern
            && a.mean.bitPattern == b.mean.bitPattern
    }
}

/// An FTLE field on a plane: `values[a * N_y + b]` at (x[a], y[b]), NaN where the orbit was not
/// averaged (`status`).
public struct FTLEField: Sendable {
    public var plane: FTLEPlane
    public var options: FTLEOptions
    /// The bound actually used (`FTLEOptions.bound(for:)`).
    public var bound: Double
    public var values: [Double]
    public var status: [FTLEStatus]
    public var statistics: FTLEStatistics

    public func value(_ a: Int, _ b: Int) -> Double { values[a * plane.resolution[1] + b] }
    public func status(_ a: Int, _ b: Int) -> FTLEStatus { status[a * plane.resolution[1] + b] }

    /// Whether two fields hold the same numbers bit for bit (NaN included).
    public func isIdentical(to other: FTLEField) -> Bool {
        plane == other.plane && options == other.options && status == other.status
            && values.map(\.bitPattern) == other.values.map(\.bitPattern)
    }
}

/// The finite-time Lyapunov exponent field of a piecewise-affine map on a plane (science.md
/// section 7; docs/ftle.md):
///
///     sigma_T(x) = (1/T) log sigma_max(J_{d_{T-1}} ... J_{d_0})
///
/// with d_t the region of F^t(x) (forward), or of the backward orbit with each factor J_d^-1
/// (backward: x_{-1} is a preimage of x in region d, and D(F^-T) = J_{d_{-T}}^-1 ... J_{d_{-1}}^-1).
///
/// **Products.** The product is carried as a matrix rescaled by a power of two whenever its
/// largest entry leaves [2^-500, 2^500] (an exact operation), with the exponents summed; the
/// largest singular value of the rescaled product is computed at the end (closed form for
/// M <= 2, LAPACK's SVD otherwise). For an affine map x -> J x + c the value is exactly
/// (1/T) log sigma_max(J^T), i.e. log sigma_max(J) for T = 1.
///
/// **Divergence.** A forward orbit whose norm exceeds the bound is marked `.diverged` with value
/// NaN: diverging orbits are not averaged (their growth is the growth of the escape, not of
/// the dynamics near the plane).
///
/// **Backward, non-invertible maps.** A point may have several preimages (one per region whose
/// affine inverse lies in it; found exactly by `PreimageSolver`, inside the box centre +-
/// bound). Every branch is followed: the value is the largest (1/T) log sigma_max over the
/// branches that reach step T (the most repelling backward history). When more than
/// `maxBranches` branches are alive after a step, the ones with the largest log growth so far
/// (log of the rescaling plus log of the largest entry) are kept, ties in the order the branches
/// were found (preimages in region order), and the point counts as pruned. Preimages in regions
/// with a singular Jacobian (a fold: the preimages there form a flat and the inverse has no
/// derivative) are not followed. A point whose branches all end before T is `.diverged`.
///
/// **Sharing.** Rows (fixed x[a]) are the work items of `sharing`, so the field is the same
/// bit for bit on any number of ranks (any `Collective`).
///
/// - Throws: `FTLEInputError` (one line, before anything is computed) when the centre's length
///   is not M, T < 1, `maxBranches` < 1 or the bound is not a positive finite number; whatever
///   `sharing` throws.
public func ftleField(form: ShallowForm, plane: FTLEPlane, options: FTLEOptions = FTLEOptions(),
                      sharing: some Collective = SerialCollective()) throws -> FTLEField {
    guard plane.centre.count == form.dimension else {
        throw FTLEInputError("the centre has \(plane.centre.count) coordinates; the model has M = \(form.dimension)")
    }
    for axis in plane.axes where axis >= form.dimension {
        throw FTLEInputError("axis \(axis) is out of range: the state axes are 0..\(form.dimension - 1)")
    }
    guard options.steps >= 1 else { throw FTLEInputError("the number of steps T must be at least 1, got \(options.steps)") }
    guard options.maxBranches >= 1 else { throw FTLEInputError("the number of branches must be at least 1, got \(options.maxBranches)") }
    let started = ContinuousClock.now
    let nx = plane.resolution[0], ny = plane.resolution[1]
    let bound = options.bound(for: plane)
    guard bound > 0 && bound.isFinite else { throw FTLEInputError("the bound must be a positive finite number, got \(bound)") }
    let rows: [[Double]]
    switch options.direction {
    case .forward:
        let stepper = TangentStepper(form: form)
        rows = try sharing.map(count: nx) { a in
            var row = [Double](repeating: 0, count: 2 * ny)
            for b in 0..<ny {
                let v = stepper.forwardExponent(from: plane.point(a, b), steps: options.steps, bound: bound)
                row[b] = v ?? .nan
                row[ny + b] = Double(v == nil ? FTLEStatus.diverged.rawValue : FTLEStatus.averaged.rawValue)
            }
            return row
        }
    case .backward:
        let box = Box(lower: plane.centre.map { $0 - bound }, upper: plane.centre.map { $0 + bound })
        rows = try sharing.map(count: nx) { a in
            let walker = BackwardWalker(form: form, box: box, maxBranches: options.maxBranches)
            var row = [Double](repeating: 0, count: 2 * ny + 2)
            for b in 0..<ny {
                let (v, pruned, most) = walker.exponent(from: plane.point(a, b), steps: options.steps)
                row[b] = v ?? .nan
                row[ny + b] = Double(v == nil ? FTLEStatus.diverged.rawValue : FTLEStatus.averaged.rawValue)
                if pruned { row[2 * ny] += 1 }
                row[2 * ny + 1] = max(row[2 * ny + 1], Double(most))
            }
            return row
        }
    }
    var values = [Double](repeating: .nan, count: nx * ny)
    var status = [FTLEStatus](repeating: .diverged, count: nx * ny)
    var statistics = FTLEStatistics()
    var sum = 0.0
    for a in 0..<nx {
        let row = rows[a]
        for b in 0..<ny {
            values[a * ny + b] = row[b]
            let s = FTLEStatus(rawValue: UInt8(row[ny + b]))!
            status[a * ny + b] = s
            if s == .averaged {
                statistics.averaged += 1
                sum += row[b]
                statistics.minimum = statistics.averaged == 1 ? row[b] : min(statistics.minimum, row[b])
                statistics.maximum = statistics.averaged == 1 ? row[b] : max(statistics.maximum, row[b])
            } else {
                statistics.diverged += 1
            }
        }
        if row.count > 2 * ny {
            statistics.prunedPoints += Int(row[2 * ny])
            statistics.mostBranches = max(statistics.mostBranches, Int(row[2 * ny + 1]))
        }
    }
    if statistics.averaged > 0 { statistics.mean = sum / Double(statistics.averaged) }
    statistics.seconds = CycleSearch.seconds(since: started)
    return FTLEField(plane: plane, options: options, bound: bound, values: values, status: status, statistics: statistics)
}

/// The FTLE of one point (forward: nil when the orbit diverges; backward: nil when every
/// branch ends), as in `ftleField`.
public func finiteTimeLyapunovExponent(form: ShallowForm, at x: [Double], steps: Int, direction: FTLEDirection = .forward,
                                       bound: Double, maxBranches: Int = 64) -> Double? {
    switch direction {
    case .forward:
        return TangentStepper(form: form).forwardExponent(from: x, steps: steps, bound: bound)
    case .backward:
        let box = Box(lower: x.map { $0 - bound }, upper: x.map { $0 + bound })
        return BackwardWalker(form: form, box: box, maxBranches: maxBranches).exponent(from: x, steps: steps).value
    }
}
