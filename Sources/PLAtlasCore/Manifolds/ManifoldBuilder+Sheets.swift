import LinearAlgebra

/// The sheets method (any dimension): every group of points arriving in a region from one sheet
/// makes one new sheet there, the exact image or preimage of its parent inside the region
/// (`Sheet`, `SheetChain`); it is topped up to N_s support points by sampling inside it, and
/// every support point is pushed one step on: its image (unstable), or every preimage in the
/// box (stable; `PreimageSolver`).
extension ManifoldBuilder {
    /// Whether x lies on the local piece of a cycle point in region r (the orbit came back to
    /// the saddle's own piece: nothing new).
    func onLocalPiece(_ x: [Double], region r: RegionCode) -> Bool {
        for i in 0..<saddle.order where saddle.regions[i] == r {
            let tolerance = 1e-7 * (1 + options.bounds.diagonal)
            if piece.chart(x, at: i).offFlat <= tolerance && piece.contains(x, at: i, flatTolerance: tolerance) { return true }
        }
        return false
    }

    /// Whether x lies on a sheet already made in region r (unstable manifolds of non-invertible
    /// maps reach a piece through several parents).
    func onExistingSheet(_ x: [Double], _ sheets: [Sheet], tolerance: Double) -> Bool {
        for s in sheets where s.generation > 0 {
            if Self.offFlat([x], origin: s.origin, basis: s.basis) <= tolerance && chain.contains(x, sheet: s) { return true }
        }
        return false
    }

    mutating func processSheets(region r: RegionCode, arrivals: [Arrival]) -> RegionStep {
        var step = RegionStep()
        let box = options.bounds
        let generation = arrivals.map(\.generation).max() ?? 0
        var rng = SeededGenerator(seed: options.seed, stream: stream(r, generation))
        var sheets = sheetsByRegion[r] ?? []
        let tolerance = 1e-7 * (1 + box.diagonal)
        let cycleRegion = saddle.regions.contains(r)
        for arrival in arrivals {
            var points = arrival.points
            let isLocal = arrival.generation == 0 && arrival.source == nil
            if !isLocal {
                // Points on the saddle's own piece, or on a sheet already made here, add nothing.
                if cycleRegion { points = points.filter { !onLocalPiece($0, region: r) } }
                if options.kind == .unstable && !sheets.isEmpty {
                    points = points.filter { !onExistingSheet($0, sheets, tolerance: tolerance) }
                }
                if points.isEmpty { continue }
                guard sheets.count < options.maxSheetsPerRegion else { step.droppedForBudget += points.count; continue }
            }
            var sheet = Sheet(region: r, origin: isLocal ? saddle.points[arrival.cyclePoint] : points[0], basis: arrival.basis,
                              supportPoints: points, normal: arrival.normal, generation: arrival.generation, ordinal: sheets.count,
                              parent: arrival.source, ancestors: arrival.ancestors, cyclePoint: arrival.cyclePoint)
            // Top up to N_s points inside the sheet (hit-and-run along its exact chords).
            if points.count < supportCount {
                let wanted = supportCount - points.count
                sheet.supportPoints += chain.sample(wanted, sheet: sheet, from: points, rng: &rng, mixing: 1)
            }
            sheets.append(sheet)
            step.sheets.append(sheet)
            push(sheet, into: &step)
        }
        sheetsByRegion[r] = sheets
        return step
    }

    /// Splits points of a flat into groups of at most `maxPoints` (halving along the widest chart
    /// coordinate at the median), each with its box in the chart, slightly widened.
    static func chartGroups(_ points: [[Double]], origin: [Double], basis: [[Double]], maxPoints: Int)
        -> [(indices: [Int], lower: [Double], upper: [Double])]
    {
        let charts = points.map { p in basis.map { Vec.dot($0, Vec.sub(p, origin)) } }
        var out: [(indices: [Int], lower: [Double], upper: [Double])] = []
        var work = [Array(points.indices)]
        while let group = work.popLast() {
            let d = basis.count
            var lower = [Double](repeating: .infinity, count: d), upper = [Double](repeating: -.infinity, count: d)
            for i in group {
                for j in 0..<d { lower[j] = min(lower[j], charts[i][j]); upper[j] = max(upper[j], charts[i][j]) }
            }
            if group.count <= maxPoints || d == 0 {
                let pad = 1e-9 * (1 + zip(lower, upper).map { max(abs($0), abs($1)) }.reduce(0, max))
                out.append((group, lower.map { $0 - pad }, upper.map { $0 + pad }))
                continue
            }
            let axis = (0..<d).max { upper[$0] - lower[$0] < upper[$1] - lower[$1] }!
            let sorted = group.sorted { charts[$0][axis] < charts[$1][axis] }
            work.append(Array(sorted[..<(sorted.count / 2)]))
            work.append(Array(sorted[(sorted.count / 2)...]))
        }
        return out.sorted { $0.indices[0] < $1.indices[0] }
    }

    /// Finds the children of a stable sheet that no support point reached, across the faces of
    /// those found: the preimage of the sheet is continuous across a hyperplane, so a child piece
    /// in region r that reaches the hyperplane of unit j continues in the region with unit j
    /// flipped (when its flat enters that region). Chords run inside each child piece (the region
    /// and the box, and the sheet through F: `SheetChain.chord`) from its points: towards each
    /// hyperplane from the point nearest it, and along random directions of the flat. Where a
    /// hyperplane is what ends a chord, a point just across it, checked to map onto the sheet,
    /// seeds the neighbouring child, which is searched the same way (at most `64 H` new regions
    /// per sheet).
    func crossFaces(_ sheet: Sheet, _ children: inout [RegionCode: [[Double]]], rng: inout SeededGenerator) {
        let h = form.hiddenCount, m = form.dimension
        var queue = children.keys.sorted()
        var added = 0
        let tolerance = 1e-9 * (1 + options.bounds.diagonal)
        while let r = queue.popLast(), added < 64 * h {
            guard let points = children[r], !points.isEmpty, let jr = maps.entry(r).lu else { continue }
            // An orthonormal basis of the child's flat.
            let flat = Vec.orthonormalize(sheet.basis.map { jr.solve($0) })
            if flat.isEmpty { continue }
            let e = maps.entry(r)
            let u = points.map { form.preActivation($0) }
            var starts: [(x: [Double], v: [Double])] = []
            for k in 0..<h {
                let normal = Array(form.N[(k * m)..<((k + 1) * m)])
                var v = [Double](repeating: 0, count: m)
                for q in flat { v = Vec.axpy(v, Vec.dot(q, normal), q) }
                if r[k] { v = Vec.scale(v, -1) }
                guard Vec.norm(v) > 1e-12 * Vec.norm(normal) else { continue }
                let i = points.indices.min { abs(u[$0][k]) < abs(u[$1][k]) }!
                starts.append((points[i], v))
            }
            for _ in 0..<min(h, 4 + points.count) {
                var v = [Double](repeating: 0, count: m)
                for q in flat { v = Vec.axpy(v, rng.normal(), q) }
                starts.append((points[Int(rng.next() % UInt64(points.count))], v))
            }
            for (x, v) in starts {
                // The chord inside the child piece: region r and the box, then the sheet through F.
                var lower = -Double.infinity, upper = Double.infinity
                chain.clip(x, v, r, &lower, &upper)
                guard let (a, b) = chain.chord(Vec.add(e.j * x, e.c), along: e.j * v, sheet: sheet) else { continue }
                lower = max(lower, a)
                upper = min(upper, b)
                guard upper.isFinite, upper > 0 else { continue }
                // Which hyperplane ends it (if one does)?
                let ux = form.preActivation(x), uv = Vec.sub(form.preActivation(Vec.add(x, v)), ux)
                var ending: Int? = nil
                for j in 0..<h where uv[j] != 0 {
                    let tj = -ux[j] / uv[j]
                    if tj > 0 && abs(tj - upper) <= 1e-7 * (1 + abs(tj)) + 4 * tolerance / abs(uv[j]) { ending = j; break }
                }
                guard let k = ending else { continue }
                var next = r
                next[k].toggle()
                if children[next] != nil { continue }
                // z on the hyperplane; step into the neighbour along its flat.
                let z = Vec.axpy(x, upper, v)
                guard let jn = maps.entry(next).lu else { continue }
                let normal = Array(form.N[(k * m)..<((k + 1) * m)])
                let across = sheet.basis.map { jn.solve($0) }
                guard let best = across.indices.max(by: { abs(Vec.dot(normal, across[$0])) < abs(Vec.dot(normal, across[$1])) }) else { continue }
                var w = Vec.normalized(across[best])
                if (Vec.dot(normal, w) > 0) != next[k] { w = Vec.scale(w, -1) }
                let candidate = Vec.axpy(z, 1e-6 * (1 + Vec.norm(z)), w)
                guard solver.admits(candidate, in: next) else { continue }
                let image = maps.image(candidate, in: next)
                guard ManifoldBuilder.offFlat([image], origin: sheet.origin, basis: sheet.basis) <= 1e3 * tolerance,
                      chain.contains(image, sheet: sheet) else { continue }
                children[next] = [candidate]
                queue.append(next)
                added += 1
            }
        }
    }

    /// Pushes every support point of a new sheet one step on and groups the results by region;
    /// for a stable sheet, the children no point reached are then found across faces
    /// (`crossFaces`).
    mutating func push(_ sheet: Sheet, into step: inout RegionStep) {
        let box = options.bounds
        let r = sheet.region
        var byDestination: [RegionCode: [[Double]]] = [:]
        let e = maps.entry(r)
        var rng = SeededGenerator(seed: options.seed, stream: stream(r, sheet.generation) ^ UInt64(sheet.ordinal &* 0x51ED))
        // Stable, every branch: the candidate regions of small boxes of the sheet's chart, each
        // holding a few support points (one search per box instead of one per point).
        var candidates: [[RegionCode]?] = Array(repeating: nil, count: sheet.supportPoints.count)
        if options.kind == .stable && !options.singleBranch && !invertible {
            for group in Self.chartGroups(sheet.supportPoints, origin: sheet.origin, basis: sheet.basis, maxPoints: groupSize) {
                let regions = solver.candidateRegions(origin: sheet.origin, directions: sheet.basis, lower: group.lower, upper: group.upper)
                for i in group.indices { candidates[i] = regions }
            }
        }
        for (index, x) in sheet.supportPoints.enumerated() {
            step.pointsPushed += 1
            if options.kind == .unstable {
                let y = Vec.add(e.j * x, e.c)
                guard box.contains(y) else { step.leftBounds += 1; continue }
                byDestination[form.region(of: y), default: []].append(y)
            } else if options.singleBranch {
                let pre = inverse.preimage(x, hints: [r])
                switch pre.outcome {
                case .none:
                    step.nonInvertibility.count(0)
                    step.nonInvertibility.noPreimage += 1
                    step.nonInvertibility.record(r, x, "no consistent preimage")
                    continue
                case .several:
                    step.nonInvertibility.count(2)
                    step.nonInvertibility.record(r, x, "several preimages")
                case .unique:
                    step.nonInvertibility.count(1)
                }
                guard box.contains(pre.point!) else { step.leftBounds += 1; continue }
                byDestination[pre.region!, default: []].append(pre.point!)
            } else {
                let found = candidates[index].map { solver.preimages(of: x, among: $0) } ?? preimages(of: x, hint: r)
                var inside = 0
                for p in found.points {
                    guard box.contains(p.point) else { continue }
                    inside += 1
                    byDestination[p.region, default: []].append(p.point)
                }
                if inside < found.points.count { step.leftBounds += 1 }
                step.nonInvertibility.count(found.points.count)
                if found.points.count >= 2 && step.nonInvertibility.examples.count < NonInvertibilityReport.exampleLimit {
                    step.nonInvertibility.record(r, x, "\(found.points.count) preimages")
                }
                if !found.folds.isEmpty {
                    step.nonInvertibility.singular += 1
                    step.nonInvertibility.record(found.folds[0], x, "singular Jacobian: the preimage is a flat")
                }
            }
        }
        if options.kind == .stable && !options.singleBranch { crossFaces(sheet, &byDestination, rng: &rng) }
        for s in byDestination.keys.sorted() {
            let pts = byDestination[s]!
            var basis: [[Double]]
            var normal: [Double]? = nil
            if options.kind == .unstable {
                basis = Vec.orthonormalize(sheet.basis.map { e.j * $0 })
            } else {
                basis = Vec.orthonormalize(sheet.basis.compactMap { maps.inverseLinear($0, in: s) })
                if let n = sheet.normal { normal = Vec.normalized(maps.jacobian(s).transposed * n) }
            }
            step.outgoing[s, default: []].append(
                Arrival(points: pts, basis: basis, normal: normal, generation: sheet.generation + 1, source: sheet.id,
                        ancestors: [r] + sheet.ancestors, cyclePoint: sheet.cyclePoint))
        }
    }
}
