import ComplexModule
import HDF5
import MPI
import PLAtlasCore

/// The datasets of one sweep in a group of an open result file: `/sweep` of the file of
/// `platlas sweep --output`, `/<label>` of a `[[sweep]]` analysis in the file of `platlas run`
/// (docs/hdf5-schema.md, "Sweeps").
///
/// Per-point datasets have the grid's size from the start; the cycle tables are chunked and
/// extendable. `append` writes a batch of finished points (collective: every rank passes its
/// own points, possibly none) and flushes the file, so the group is its own checkpoint: a
/// killed job loses only the points not yet appended. A point is complete when `done[i] == 1`;
/// its cycles are rows `cycle_offset[i] ..< cycle_offset[i] + cycle_count[i]` of the tables
/// (rows written by a batch that was interrupted before its `done` flags are never referenced).
/// `finish(points:bifurcations:)` rewrites the tables in point order, so a finished group is
/// the same whatever the number of ranks and however often the run was interrupted.
public struct SweepGroup: ~Copyable {
    let group: Group
    let communicator: Communicator?
    let dimension: Int
    let hiddenUnits: Int
    let count: Int
    let orbitRows: Int
    let spectrum: Bool

    static let stabilityCodes: [Stability] = [.stable, .saddle, .unstable, .marginal]

    /// Attributes that must agree for a resumed run to continue a group.
    static func identity(_ sweep: Sweep, specs: [String]) -> [(String, String)] {
        let o = sweep.options
        return [("specs", specs.joined(separator: ";")), ("shape", sweep.grid.shape.map(String.init).joined(separator: "x")),
                ("max_order", String(o.maxOrder)), ("seed", String(o.seed)), ("block_size", String(o.blockSize)),
                ("warm_start", String(o.warmStart)), ("exact_below", String(o.exactBelow)),
                ("initial_conditions", String(o.initialConditions)), ("transient", String(o.transient)),
                ("lyapunov", String(o.lyapunov || o.spectrum)), ("spectrum", String(o.spectrum)),
                ("orbit_samples", String(o.orbitSamples)),
                ("axis_values", sweep.grid.axes.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "|"))]
    }

    /// Creates the group `name` in `parent` (collective with a communicator), with the grid
    /// and empty per-point data, and flushes the file. The group's attribute `analysis` is its name.
    public static func create(in parent: borrowing Group, name: String, sweep: Sweep, specs: [String],
                              communicator: Communicator?) throws -> SweepGroup {
        let g = try parent.createGroup(name)
        try g.setAttribute("analysis", name)
        for (key, value) in identity(sweep, specs: specs) { try g.setAttribute(key, value) }
        if case .stack = sweep.source { try g.setAttribute("kind", "stack") } else { try g.setAttribute("kind", "parameters") }
        let n = sweep.grid.count, m = sweep.dimension, axes = sweep.grid.axes.count
        let h = sweep.firstModel.shallowForm().hiddenCount
        try g.setAttribute("dimension", m)
        try g.setAttribute("hidden_units", h)
        try g.setAttribute("complete", 0)
        try g.writeDataset("parameter_values", (0..<n).flatMap { sweep.grid.values(of: $0) }, shape: [n, axes])
        for (a, values) in sweep.grid.axes.enumerated() { try g.writeDataset("axis_\(a)", values, shape: [values.count]) }
        for name in ["done", "marginal_any"] { try g.createDataset(name, type: .uint8, shape: [n]).close() }
        for name in ["attractor_count", "bounded_orbits", "diverged_orbits", "candidates", "seeds", "cycle_offset", "cycle_count"] {
            try g.createDataset(name, type: .int64, shape: [n]).close()
        }
        for name in ["lyapunov", "seconds"] { try g.createDataset(name, type: .float64, shape: [n]).close() }
        let o = sweep.options
        if o.spectrum { try g.createDataset("spectrum", type: .float64, shape: [n, m]).close() }
        let rows = o.orbitSamples * o.initialConditions
        if rows > 0 { try g.createDataset("orbit", type: .float64, shape: [n, rows, m]).close() }
        let c = try g.createGroup("cycles")
        try c.setAttribute("stability_codes", stabilityCodes.map(\.rawValue).joined(separator: ","))
        for name in ["point", "order", "unstable_dimension", "point_offset"] {
            try c.createDataset(name, type: .int64, shape: [0], maxShape: [nil], chunk: [1024]).close()
        }
        for name in ["stability", "marginal"] { try c.createDataset(name, type: .uint8, shape: [0], maxShape: [nil], chunk: [1024]).close() }
        try c.createDataset("residual", type: .float64, shape: [0], maxShape: [nil], chunk: [1024]).close()
        try c.createDataset("eigenvalues", type: .float64, shape: [0, m, 2], maxShape: [nil, m, 2], chunk: [256, m, 2]).close()
        try c.createDataset("points", type: .float64, shape: [0, m], maxShape: [nil, m], chunk: [1024, m]).close()
        let w = RegionCode.wordCount(h)
        try c.createDataset("regions", type: .uint64, shape: [0, w], maxShape: [nil, w], chunk: [1024, w]).close()
        try c.close()
        try g.flushFile()
        return SweepGroup(group: g, communicator: communicator, dimension: m, hiddenUnits: h, count: n,
                          orbitRows: rows, spectrum: o.spectrum)
    }

    /// Reopens the group `name` of an interrupted run (collective) and reads its completed
    /// points. Throws `SweepInputError` (its message starting with `source`, e.g. "--resume:
    /// 'F.h5'") if the group is missing or belongs to another sweep. A group already marked
    /// complete is refused, unless `reopenComplete`: then its bifurcation table is dropped and
    /// it is continued like any other (every point done, so nothing is computed again).
    public static func resume(in parent: borrowing Group, name: String, sweep: Sweep, specs: [String], communicator: Communicator?,
                              source: String, reopenComplete: Bool = false, completed points: inout [SweepPoint]) throws -> SweepGroup {
        guard parent.isGroup(name) else { throw SweepInputError("\(source) holds no /\(name)") }
        let g = try parent.openGroup(name)
        for (key, value) in identity(sweep, specs: specs) {
            let stored = (try? g.attributeString(key)) ?? "(missing)"
            guard stored == value else {
                throw SweepInputError("\(source) is another sweep (\(key) is \(stored), this run has \(value))")
            }
        }
        if g.hasAttribute("complete"), try g.attributeInt("complete") == 1 {
            guard reopenComplete else { throw SweepInputError("\(source) is already complete") }
            if g.exists("bifurcations") { try g.remove("bifurcations") }
            try g.setAttribute("complete", 0)
        }
        let m = try g.attributeInt("dimension"), h = try g.attributeInt("hidden_units")
        let n = sweep.grid.count
        let done = try g.readUInt8s("done").values
        let o = sweep.options
        let rows = o.orbitSamples * o.initialConditions
        points = []
        if done.contains(1) {
            let attractors = try g.readInt64s("attractor_count").values, bounded = try g.readInt64s("bounded_orbits").values
            let diverged = try g.readInt64s("diverged_orbits").values, candidates = try g.readInt64s("candidates").values
            let seeds = try g.readInt64s("seeds").values, offsets = try g.readInt64s("cycle_offset").values
            let counts = try g.readInt64s("cycle_count").values
            let lyapunov = try g.readDoubles("lyapunov").values, seconds = try g.readDoubles("seconds").values
            let spectrum = o.spectrum ? try g.readDoubles("spectrum").values : []
            let orbit = rows > 0 ? try g.readDoubles("orbit").values : []
            let c = try g.openGroup("cycles")
            let order = try c.readInt64s("order").values, unstable = try c.readInt64s("unstable_dimension").values
            let pointOffset = try c.readInt64s("point_offset").values, stability = try c.readUInt8s("stability").values
            let marginal = try c.readUInt8s("marginal").values, residual = try c.readDoubles("residual").values
            let eigen = try c.readDoubles("eigenvalues").values, cyclePoints = try c.readDoubles("points").values
            let regions = try c.readUInt64s("regions").values
            try c.close()
            let w = RegionCode.wordCount(h)
            for i in 0..<n where done[i] == 1 {
                var cycles: [Cycle] = []
                for r in Int(offsets[i])..<Int(offsets[i] + counts[i]) {
                    let k = Int(order[r]), start = Int(pointOffset[r])
                    let pts = (0..<k).map { j in Array(cyclePoints[((start + j) * m)..<((start + j + 1) * m)]) }
                    let codes = (0..<k).map { j in RegionCode(words: Array(regions[((start + j) * w)..<((start + j + 1) * w)]), count: h)! }
                    var cycle = Cycle(points: pts, regions: codes, eigenvalues: [], residual: residual[r], marginalTolerance: 0)
                    cycle.eigenvalues = (0..<m).map { Complex(eigen[(r * m + $0) * 2], eigen[(r * m + $0) * 2 + 1]) }.filter { !$0.real.isNaN }
                    cycle.unstableDimension = Int(unstable[r])
                    cycle.isMarginal = marginal[r] == 1
                    cycle.stability = stabilityCodes[Int(stability[r])]
                    cycles.append(cycle)
                }
                points.append(SweepPoint(
                    index: i, values: sweep.grid.values(of: i), cycles: cycles, attractorCount: Int(attractors[i]),
                    boundedOrbits: Int(bounded[i]), divergedOrbits: Int(diverged[i]), lyapunov: lyapunov[i],
                    spectrum: o.spectrum ? Array(spectrum[(i * m)..<((i + 1) * m)]) : [],
                    orbit: (0..<rows).map { r in Array(orbit[((i * rows + r) * m)..<((i * rows + r + 1) * m)]) },
                    candidates: Int(candidates[i]), seeds: Int(seeds[i]), seconds: seconds[i]))
            }
        }
        try g.setAttribute("resumed", 1)
        return SweepGroup(group: g, communicator: communicator, dimension: m, hiddenUnits: h, count: n,
                          orbitRows: rows, spectrum: o.spectrum)
    }

    /// Appends finished points: collective, every rank passes its own (possibly none). Their
    /// cycles go after the rows already written, each rank's after those of the ranks before
    /// it; the `done` flags are written (and the file flushed) last. Returns how many points
    /// all ranks appended.
    @discardableResult
    public func append(_ local: [SweepPoint]) throws -> Int {
        let myCycles = local.reduce(0) { $0 + $1.cycles.count }
        let myRows = local.reduce(0) { $0 + $1.cycles.reduce(0) { $0 + $1.order } }
        var cycleBase = 0, rowBase = 0, totalCycles = myCycles, totalRows = myRows, totalPoints = local.count
        if let communicator, communicator.size > 1 {
            let all = try communicator.allGatherv([myCycles, myRows, local.count]).values
            totalCycles = 0; totalRows = 0; totalPoints = 0
            for r in 0..<communicator.size {
                if r < communicator.rank { cycleBase += all[3 * r]; rowBase += all[3 * r + 1] }
                totalCycles += all[3 * r]; totalRows += all[3 * r + 1]; totalPoints += all[3 * r + 2]
            }
        }
        let oldCycles = try group.openDataset("cycles/order").extent().shape[0]
        let oldRows = try group.openDataset("cycles/points").extent().shape[0]
        let rows = CycleRows(local, dimension: dimension, firstCycle: oldCycles + cycleBase, firstRow: oldRows + rowBase)
        try write(rows, firstCycle: oldCycles + cycleBase, firstRow: oldRows + rowBase,
                  cycleExtent: oldCycles + totalCycles, rowExtent: oldRows + totalRows)
        // Per-point data: independent writes of each rank's own points; `done` last.
        let m = dimension
        func perPoint<T: HDF5Scalar>(_ name: String, _ value: (Int, SweepPoint) -> [T], width: [Int] = []) throws {
            let d = try group.openDataset(name)
            for (k, p) in local.enumerated() {
                try d.write(value(k, p), start: [p.index] + width.map { _ in 0 }, count: [1] + width, collective: false)
            }
            try d.close()
        }
        try perPoint("cycle_offset") { k, _ in [rows.cycleOffset[k]] }
        try perPoint("cycle_count") { _, p in [Int64(p.cycles.count)] }
        try perPoint("attractor_count") { _, p in [Int64(p.attractorCount)] }
        try perPoint("bounded_orbits") { _, p in [Int64(p.boundedOrbits)] }
        try perPoint("diverged_orbits") { _, p in [Int64(p.divergedOrbits)] }
        try perPoint("candidates") { _, p in [Int64(p.candidates)] }
        try perPoint("seeds") { _, p in [Int64(p.seeds)] }
        try perPoint("lyapunov") { _, p in [p.lyapunov] }
        try perPoint("seconds") { _, p in [p.seconds] }
        try perPoint("marginal_any") { _, p in [UInt8(p.cycles.contains { $0.isMarginal } ? 1 : 0)] }
        if spectrum { try perPoint("spectrum", { _, p in p.spectrum.count == m ? p.spectrum : [Double](repeating: .nan, count: m) }, width: [m]) }
        if orbitRows > 0 { try perPoint("orbit", { _, p in p.orbit.flatMap { $0 } }, width: [orbitRows, m]) }
        try group.flushFile()
        try perPoint("done") { _, _ in [UInt8(1)] }
        try group.flushFile()
        return totalPoints
    }

    /// Writes `rows` at table row `firstCycle` and cycle-point row `firstRow` after setting the
    /// tables' lengths to `cycleExtent` and `rowExtent` (collective; every rank passes the same
    /// extents and its own rows, which must not overlap another rank's).
    func write(_ rows: CycleRows, firstCycle: Int, firstRow: Int, cycleExtent: Int, rowExtent: Int) throws {
        func put<T: HDF5Scalar>(_ name: String, _ values: [T], start: Int, extent: Int, width: [Int] = []) throws {
            let d = try group.openDataset("cycles/" + name)
            try d.extend(to: [extent] + width)
            try d.write(values, start: [start] + width.map { _ in 0 }, count: [values.count / max(width.reduce(1, *), 1)] + width)
            try d.close()
        }
        try put("point", rows.point, start: firstCycle, extent: cycleExtent)
        try put("order", rows.order, start: firstCycle, extent: cycleExtent)
        try put("unstable_dimension", rows.unstableDimension, start: firstCycle, extent: cycleExtent)
        try put("point_offset", rows.pointOffset, start: firstCycle, extent: cycleExtent)
        try put("stability", rows.stability, start: firstCycle, extent: cycleExtent)
        try put("marginal", rows.marginal, start: firstCycle, extent: cycleExtent)
        try put("residual", rows.residual, start: firstCycle, extent: cycleExtent)
        try put("eigenvalues", rows.eigenvalues, start: firstCycle, extent: cycleExtent, width: [dimension, 2])
        try put("points", rows.coordinates, start: firstRow, extent: rowExtent, width: [dimension])
        try put("regions", rows.regions, start: firstRow, extent: rowExtent, width: [RegionCode.wordCount(hiddenUnits)])
    }

    /// Rewrites the cycle tables and `cycle_offset` with the cycles of `points` (every point of
    /// the grid, in index order) in point order, dropping rows of interrupted rounds. Each rank
    /// writes the rows of a contiguous share of the points.
    func rewriteInPointOrder(_ points: [SweepPoint]) throws {
        precondition(points.count == count && points.indices.allSatisfy { points[$0].index == $0 }, "every point, in order")
        let rank = communicator?.rank ?? 0, size = communicator?.size ?? 1
        let low = rank * count / size, high = (rank + 1) * count / size
        func rowCount(_ p: SweepPoint) -> Int { p.cycles.reduce(0) { $0 + $1.order } }
        let firstCycle = points[..<low].reduce(0) { $0 + $1.cycles.count }
        let firstRow = points[..<low].reduce(0) { $0 + rowCount($1) }
        let rows = CycleRows(Array(points[low..<high]), dimension: dimension, firstCycle: firstCycle, firstRow: firstRow)
        try write(rows, firstCycle: firstCycle, firstRow: firstRow, cycleExtent: points.reduce(0) { $0 + $1.cycles.count },
                  rowExtent: points.reduce(0) { $0 + rowCount($1) })
        let d = try group.openDataset("cycle_offset")
        try d.write(rows.cycleOffset, start: [low], count: [high - low])
        try d.close()
    }

    /// Writes the bifurcation table, sets the group's `complete` to 1 and closes the group
    /// (collective; every rank passes the same table). With `points` (every point of the grid,
    /// in index order) the cycle tables are first rewritten in point order.
    public consuming func finish(points: [SweepPoint]?, bifurcations: [Bifurcation]) throws {
        if let points { try rewriteInPointOrder(points) }
        let g = try group.createGroup("bifurcations")
        let b = bifurcations.count
        try g.writeDataset("between", bifurcations.flatMap { [Int64($0.between.0), Int64($0.between.1)] }, shape: [b, 2])
        try g.writeDataset("axis", bifurcations.map { Int64($0.axis) }, shape: [b])
        try g.writeDataset("value", bifurcations.map(\.value), shape: [b])
        try g.writeDataset("order", bifurcations.map { Int64($0.order) }, shape: [b])
        try g.writeDataset("refined", bifurcations.map { UInt8($0.refined ? 1 : 0) }, shape: [b])
        try g.writeStrings("type", bifurcations.map(\.type.rawValue))
        try g.close()
        try group.setAttribute("complete", 1)
        try group.close()
    }

    /// Closes the group without marking it complete (it can be resumed). Collective.
    public consuming func close() throws { try group.close() }
}

/// The rows of the `cycles/*` tables for some points, in their order, the first cycle at table
/// row `firstCycle` and its first point at cycle-point row `firstRow`.
struct CycleRows {
    var point: [Int64] = [], order: [Int64] = [], unstableDimension: [Int64] = [], pointOffset: [Int64] = []
    var stability: [UInt8] = [], marginal: [UInt8] = [], residual: [Double] = [], eigenvalues: [Double] = []
    var coordinates: [Double] = [], regions: [UInt64] = []
    /// Per point: the table row of its first cycle.
    var cycleOffset: [Int64] = []

    init(_ points: [SweepPoint], dimension m: Int, firstCycle: Int, firstRow: Int) {
        var row = firstRow
        for p in points {
            cycleOffset.append(Int64(firstCycle + point.count))
            for c in p.cycles {
                point.append(Int64(p.index)); order.append(Int64(c.order)); unstableDimension.append(Int64(c.unstableDimension))
                pointOffset.append(Int64(row)); row += c.order
                stability.append(UInt8(SweepGroup.stabilityCodes.firstIndex(of: c.stability)!)); marginal.append(c.isMarginal ? 1 : 0)
                residual.append(c.residual)
                for j in 0..<m {
                    let e = j < c.eigenvalues.count ? c.eigenvalues[j] : Complex(.nan, .nan)
                    eigenvalues += [e.real, e.imaginary]
                }
                for z in c.points { coordinates += z }
                for r in c.regions { regions += r.words }
            }
        }
    }
}
