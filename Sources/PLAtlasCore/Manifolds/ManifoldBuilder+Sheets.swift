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
            // Top up to N_s points inside the sheet.
            if points.count < supportCount {
                sheet.supportPoints += chain.sample(supportCount - points.count, sheet: sheet, from: points, rng: &rng)
            }
            sheets.append(sheet)
            step.sheets.append(sheet)
            push(sheet, into: &step)
        }
        sheetsByRegion[r] = sheets
        return step
    }

    /// Chords of a sheet: segments through support points along random directions of its flat,
    /// to the sheet's exact boundary (`SheetChain.chord`).
    func chords(_ sheet: Sheet, count: Int, rng: inout SeededGenerator) -> [([Double], [Double])] {
        var out: [([Double], [Double])] = []
        let points = sheet.supportPoints
        guard !points.isEmpty else { return [] }
        for j in 0..<count {
            let x = points[(j * 7919) % points.count]
            var v = [Double](repeating: 0, count: form.dimension)
            for q in sheet.basis { v = Vec.axpy(v, rng.normal(), q) }
            guard let (lo, hi) = chain.chord(x, along: v, sheet: sheet), lo.isFinite, hi.isFinite, hi > lo else { continue }
            out.append((Vec.axpy(x, lo, v), Vec.axpy(x, hi, v)))
        }
        return out
    }

    /// Pushes every support point of a new sheet one step on and groups the results by region.
    /// Chords of the sheet are pushed too (exact images or preimages of segments): every region
    /// a chord's image or preimage crosses gets a point of it, so thin branches that no point
    /// reaches are found.
    mutating func push(_ sheet: Sheet, into step: inout RegionStep) {
        let box = options.bounds
        let r = sheet.region
        var byDestination: [RegionCode: [[Double]]] = [:]
        let e = maps.entry(r)
        var rng = SeededGenerator(seed: options.seed, stream: stream(r, sheet.generation) ^ UInt64(sheet.ordinal &* 0x51ED))
        for (a, b) in chords(sheet, count: chordCount, rng: &rng) {
            step.pointsPushed += 1
            if options.kind == .unstable {
                for (u, w, s) in splitAtBoundaries(Vec.add(e.j * a, e.c), Vec.add(e.j * b, e.c)) {
                    let y = Vec.axpy(u, rng.uniform(), Vec.sub(w, u))
                    if box.contains(y) { byDestination[s, default: []].append(y) }
                }
            } else if !options.singleBranch {
                for piece in solver.segmentPreimages(from: a, to: b).pieces {
                    let x = Vec.axpy(piece.start, rng.uniform(), Vec.sub(piece.end, piece.start))
                    if box.contains(x) && solver.admits(x, in: piece.region) { byDestination[piece.region, default: []].append(x) }
                }
            }
        }
        for x in sheet.supportPoints {
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
                let found = solver.preimages(of: x)
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
