import LinearAlgebra

/// The polyline method (1-dimensional manifolds): exact images or preimages of segments, split
/// at region boundaries.
extension ManifoldBuilder {
    /// The first segments. Fundamental segments at p_0 ([t0, t0 g] on both branches, or on one
    /// when the eigenvalue is negative and the branches swap), with the local pieces recorded;
    /// when the growth per period is weak (below `weakGrowth`), the exact local segments at every
    /// cycle point instead, both halves pushed.
    mutating func initialSegments() -> [RegionCode: [Arrival]] {
        var out: [RegionCode: [Arrival]] = [:]
        let k = saddle.order
        let box = options.bounds
        let dirs = local.directions1D!
        if exactLocalSegments {
            for i in 0..<k {
                let w = Vec.normalized(dirs[i])
                guard let (lo, hi) = piece.segment(along: w, at: i) else { continue }
                for t in [hi, lo] where abs(t) > 0 {
                    let a = saddle.points[i], b = Vec.axpy(saddle.points[i], t, w)
                    out[saddle.regions[i], default: []].append(
                        Arrival(points: [a, b], basis: [Vec.normalized(Vec.sub(b, a))], normal: local.normals?[i], generation: 0, cyclePoint: i))
                }
            }
            return out
        }
        let lambda = local.eigenvalue1D!
        // Growth factor per cycle under the direction of iteration.
        let growth = options.kind == .unstable ? lambda : 1 / lambda
        let g = abs(growth)
        let span = growth > 0 ? g : g * g
        // t0 * span must stay in the linear zone along the whole cycle (both signs).
        var tmin = Double.infinity
        for i in 0..<k {
            tmin = min(tmin, reach(saddle.points[i], along: dirs[i]), reach(saddle.points[i], along: Vec.scale(dirs[i], -1)))
        }
        tmin = min(tmin, 0.05 * box.smallestSide / max(1, dirs.map(Vec.norm).max() ?? 1))
        let t0 = 0.5 * tmin / span
        // The local pieces themselves (recorded, not pushed).
        for i in 0..<k {
            let a = Vec.axpy(saddle.points[i], -t0 * span, dirs[i]), b = Vec.axpy(saddle.points[i], t0 * span, dirs[i])
            let r = saddle.regions[i]
            let ordinal = sheetsByRegion[r]?.count ?? 0
            sheetsByRegion[r, default: []].append(
                Sheet(region: r, origin: a, basis: [Vec.normalized(Vec.sub(b, a))], supportPoints: [a, b], normal: local.normals?[i],
                      generation: 0, ordinal: ordinal, cyclePoint: i))
        }
        // Fundamental segments at point 0: both branches, or one when the branch flips sides.
        let signs: [Double] = growth > 0 ? [1, -1] : [1]
        for sign in signs {
            let a = Vec.axpy(saddle.points[0], sign * t0, dirs[0]), b = Vec.axpy(saddle.points[0], sign * t0 * span, dirs[0])
            out[saddle.regions[0], default: []].append(
                Arrival(points: [a, b], basis: [Vec.normalized(Vec.sub(b, a))], normal: local.normals?[0], generation: 0))
        }
        return out
    }

    /// Splits the segment [u, w] (on which F is affine) at the hyperplanes; each piece with its region.
    func splitAtBoundaries(_ u: [Double], _ w: [Double]) -> [([Double], [Double], RegionCode)] {
        let gu = form.preActivation(u), gw = form.preActivation(w)
        var ts: [Double] = []
        for k in 0..<form.hiddenCount where (gu[k] > 0) != (gw[k] > 0) {
            let t = gu[k] / (gu[k] - gw[k])
            if t > 1e-12 && t < 1 - 1e-12 { ts.append(t) }
        }
        ts.sort()
        var cuts = [0.0]
        for t in ts where t - cuts.last! > 1e-12 { cuts.append(t) }
        cuts.append(1)
        let dir = Vec.sub(w, u)
        var pieces: [([Double], [Double], RegionCode)] = []
        for i in 0..<(cuts.count - 1) {
            let a = Vec.axpy(u, cuts[i], dir), b = Vec.axpy(u, cuts[i + 1], dir)
            let mid = Vec.axpy(u, 0.5 * (cuts[i] + cuts[i + 1]), dir)
            pieces.append((a, b, form.region(of: mid)))
        }
        return pieces
    }

    /// The preimage of the segment [a, b] (inside region r) through every branch: the exact
    /// piece in every region whose affine inverse meets it (`PreimageSolver.segmentPreimages`),
    /// clipped to the box. The branching is counted at the segment's midpoint.
    func allPreimageSegments(_ a: [Double], _ b: [Double], region r: RegionCode, report: inout NonInvertibilityReport)
        -> [([Double], [Double], RegionCode)]
    {
        let (pieces, folds) = solver.segmentPreimages(from: a, to: b, minimumLength: 0)
        let branches = pieces.filter { $0.t0 <= 0.5 && $0.t1 >= 0.5 }.count
        report.count(branches)
        if branches >= 2 { report.record(r, Vec.axpy(a, 0.5, Vec.sub(b, a)), "\(branches) preimages") }
        if !folds.isEmpty {
            report.singular += folds.count
            report.record(folds[0], a, "singular Jacobian: the preimage is a flat")
        }
        return pieces.map { ($0.start, $0.end, $0.region) }
    }

    /// The preimage of the segment [a, b] along one branch (single-branch mode): walks along
    /// it, switching the source region where the preimage crosses a boundary, and stops at a fold.
    func preimageSegment(_ a: [Double], _ b: [Double], region r: RegionCode, report: inout NonInvertibilityReport)
        -> [([Double], [Double], RegionCode)]
    {
        let dir = Vec.sub(b, a)
        let probe = Vec.axpy(a, 1e-7, dir)
        let first = inverse.preimage(probe, hints: [r])
        switch first.outcome {
        case .none:
            report.count(0)
            report.noPreimage += 1
            report.record(r, a, "no consistent preimage")
            return []
        case .several:
            report.count(2)
            report.record(r, a, "several preimages")
        case .unique:
            report.count(1)
        }
        var s = first.region!
        var tc = 0.0
        var pieces: [([Double], [Double], RegionCode)] = []
        for _ in 0..<(4 * form.hiddenCount + 16) {
            guard let x0 = inverse.solve(a, in: s), let x1 = inverse.solve(b, in: s) else {
                report.singular += 1
                report.record(s, a, "singular Jacobian")
                return pieces
            }
            let g0 = form.preActivation(x0), g1 = form.preActivation(x1)
            var tStar = Double.infinity
            var crossing: [Int] = []
            for k in 0..<form.hiddenCount {
                let slope = g1[k] - g0[k]
                let leaving = s[k] ? slope < 0 : slope > 0
                guard leaving else { continue }
                let t = -g0[k] / slope
                if t > tc + 1e-12 {
                    if t < tStar - 1e-12 { tStar = t; crossing = [k] } else if abs(t - tStar) <= 1e-12 { crossing.append(k) }
                }
            }
            let xd = Vec.sub(x1, x0)
            if tStar >= 1 {
                pieces.append((Vec.axpy(x0, tc, xd), x1, s))
                return pieces
            }
            pieces.append((Vec.axpy(x0, tc, xd), Vec.axpy(x0, tStar, xd), s))
            var next = s
            for k in crossing { next[k].toggle() }
            // The preimage must enter the next region, not fold back.
            guard let y0 = inverse.solve(a, in: next), let y1 = inverse.solve(b, in: next) else {
                report.singular += 1
                report.record(next, Vec.axpy(a, tStar, dir), "singular Jacobian")
                return pieces
            }
            let h0 = form.preActivation(y0), h1 = form.preActivation(y1)
            for k in crossing {
                let slope = h1[k] - h0[k]
                let entering = next[k] ? slope > 0 : slope < 0
                if !entering {
                    report.folds += 1
                    report.record(r, Vec.axpy(a, tStar, dir), "preimage folds at a region boundary")
                    return pieces
                }
            }
            s = next
            tc = tStar
        }
        return pieces
    }

    /// Whether the segment [a, b] in region r lies on an exact local segment (it came back to
    /// the saddle's own piece and adds nothing).
    func onLocalSegment(_ a: [Double], _ b: [Double], region r: RegionCode) -> Bool {
        guard exactLocalSegments else { return false }
        for i in 0..<saddle.order where saddle.regions[i] == r {
            let tolerance = 1e-7 * (1 + options.bounds.diagonal)
            if piece.chart(a, at: i).offFlat <= tolerance && piece.chart(b, at: i).offFlat <= tolerance
                && piece.contains(a, at: i, flatTolerance: tolerance) && piece.contains(b, at: i, flatTolerance: tolerance) {
                return true
            }
        }
        return false
    }

    mutating func processSegments(region r: RegionCode, arrivals: [Arrival]) -> RegionStep {
        var step = RegionStep()
        let box = options.bounds
        let jr = form.jacobian(r), cr = form.offset(r)
        for arrival in arrivals {
            let a = arrival.points[0], b = arrival.points[1]
            if arrival.generation > 0 && onLocalSegment(a, b, region: r) { continue }
            let ordinal = sheetsByRegion[r]?.count ?? 0
            let sheet = Sheet(region: r, origin: a, basis: arrival.basis, supportPoints: [a, b], normal: arrival.normal,
                              generation: arrival.generation, ordinal: ordinal, parent: arrival.source, cyclePoint: arrival.cyclePoint)
            sheetsByRegion[r, default: []].append(sheet)
            step.sheets.append(sheet)
            var pieces: [([Double], [Double], RegionCode)]
            if options.kind == .unstable {
                pieces = splitAtBoundaries(affineImage(a, jr, cr), affineImage(b, jr, cr))
            } else if options.singleBranch {
                pieces = preimageSegment(a, b, region: r, report: &step.nonInvertibility)
            } else {
                pieces = allPreimageSegments(a, b, region: r, report: &step.nonInvertibility)
            }
            for (u, w, s) in pieces {
                step.pointsPushed += 1
                guard let (t0, t1) = box.clip(u, w) else { step.leftBounds += 1; continue }
                if t0 > 0 || t1 < 1 { step.leftBounds += 1 }
                let dir = Vec.sub(w, u)
                let uu = Vec.axpy(u, t0, dir), ww = Vec.axpy(u, t1, dir)
                guard Vec.distance(uu, ww) >= minimumLength else { continue }
                var normal: [Double]? = nil
                if let n = arrival.normal { normal = Vec.normalized(form.jacobian(s).transposed * n) }
                step.outgoing[s, default: []].append(
                    Arrival(points: [uu, ww], basis: [Vec.normalized(Vec.sub(ww, uu))], normal: normal, generation: arrival.generation + 1,
                            source: sheet.id, cyclePoint: arrival.cyclePoint))
            }
        }
        return step
    }
}
