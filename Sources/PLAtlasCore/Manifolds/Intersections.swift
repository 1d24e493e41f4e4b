import LinearAlgebra

/// Settings of an intersection search.
public struct IntersectionOptions: Sendable {
    /// A candidate is kept when the smallest singular value of [B_u, -B_s] (orthonormal bases)
    /// is at least this: the pieces are transversal there.
    public var transversality = 1e-8
    /// At most this many applications of F (forward check) or F^-1 (backward check).
    public var maxSteps = 400
    /// The verification tolerance: an iterate in the saddle's region must lie within this
    /// fraction of its distance to the saddle from the saddle's local stable (forward) or
    /// unstable (backward) subspace.
    public var tolerance = 1e-6
    public init() {}
}

/// One transversal intersection point of an unstable and a stable manifold.
public struct IntersectionPoint: Sendable {
    public var point: [Double]
    public var region: RegionCode
    /// Smallest singular value of [B_u, -B_s]: 0 for tangency, 1 for orthogonal pieces (1D).
    public var transversality: Double
    /// Sheets of the unstable / stable manifold that contain it.
    public var unstableSheet: Int
    public var stableSheet: Int
    /// Forward iterates reached the stable side's saddle (at `forwardSteps`), backward iterates
    /// (through the region-wise inverse) the unstable side's saddle (at `backwardSteps`).
    public var forwardSteps: Int?
    public var backwardSteps: Int?
    /// The relative off-subspace distance reached at those steps (or the best one seen).
    public var forwardResidual: Double
    public var backwardResidual: Double
    public var verified: Bool { forwardSteps != nil && backwardSteps != nil }
}

/// Transversal intersections of W^u(p1) and W^s(p2) (homoclinic when p1 = p2).
///
/// Inside one region both manifolds are unions of flat pieces (segments or sheets). Two pieces
/// o_u + B_u a and o_s + B_s b with d_u + d_s = M meet where [B_u, -B_s] (a, b) = o_s - o_u; the
/// solution counts when it lies in the region and in both pieces (segments: the parameter
/// within the segment; sheets: within the radius of the support points around their centroid).
/// Every candidate is verified by iteration: forward until an iterate lies in the region of a
/// point of p2 on its local stable subspace (relative distance at most `tolerance`), and
/// backward through `InverseMap` until one lies on the local unstable subspace of p1. A verified
/// transversal homoclinic point of an invertible map implies chaos (Smale-Birkhoff).
public enum Intersections {
    public static func find(unstable: Manifold, stable: Manifold, form: ShallowForm,
                            options: IntersectionOptions = IntersectionOptions()) throws(ManifoldError) -> [IntersectionPoint] {
        let m = form.dimension
        let du = unstable.dimension, ds = stable.dimension
        guard du + ds == m else { throw .intersectionDimensions(du, ds, m) }
        let scale = 1 + unstable.bounds.diagonal
        let inverse = InverseMap(form: form)
        var bySheetRegion: [RegionCode: [Int]] = [:]
        for (i, s) in stable.sheets.enumerated() { bySheetRegion[s.region, default: []].append(i) }
        // Pieces: for polylines the segment, for sheets the support cloud.
        func extent(_ sheet: Sheet) -> (lo: [Double], hi: [Double], centre: [Double], radius: Double) {
            var lo = sheet.supportPoints[0], hi = lo
            var centre = [Double](repeating: 0, count: m)
            for p in sheet.supportPoints {
                for j in 0..<m { lo[j] = min(lo[j], p[j]); hi[j] = max(hi[j], p[j]) }
                centre = Vec.add(centre, p)
            }
            centre = Vec.scale(centre, 1 / Double(sheet.supportPoints.count))
            let radius = sheet.supportPoints.map { Vec.distance($0, centre) }.max() ?? 0
            return (lo, hi, centre, radius)
        }
        func inside(_ x: [Double], _ sheet: Sheet, polyline: Bool, _ e: (lo: [Double], hi: [Double], centre: [Double], radius: Double)) -> Bool {
            if polyline {
                let a = sheet.supportPoints[0], b = sheet.supportPoints[1]
                let ab = Vec.sub(b, a), len2 = Vec.dot(ab, ab)
                guard len2 > 0 else { return false }
                let t = Vec.dot(Vec.sub(x, a), ab) / len2
                return t >= -1e-12 && t <= 1 + 1e-12
            }
            return Vec.distance(x, e.centre) <= e.radius * (1 + 1e-9)
        }
        let stableExtents = stable.sheets.map(extent)
        var found: [IntersectionPoint] = []
        let excluded = unstable.saddle.points + stable.saddle.points
        for (iu, su) in unstable.sheets.enumerated() {
            guard let candidates = bySheetRegion[su.region] else { continue }
            let eu = extent(su)
            for isx in candidates {
                let ss = stable.sheets[isx], es = stableExtents[isx]
                // Bounding boxes (with the sheet radius for sheets) must overlap.
                let pad = unstable.method == .polyline ? 1e-9 * scale : max(eu.radius, es.radius)
                var overlap = true
                for j in 0..<m where eu.lo[j] > es.hi[j] + pad || es.lo[j] > eu.hi[j] + pad { overlap = false; break }
                guard overlap else { continue }
                var elements = [Double](repeating: 0, count: m * m)
                for r in 0..<m {
                    for c in 0..<du { elements[r * m + c] = su.basis[c][r] }
                    for c in 0..<ds { elements[r * m + du + c] = -ss.basis[c][r] }
                }
                let matrix = Matrix(rows: m, columns: m, elements: elements)
                guard let svd = try? singularValueDecomposition(matrix), let smallest = svd.singularValues.last,
                      smallest >= options.transversality,
                      let coefficients = try? solve(matrix, Vec.sub(ss.origin, su.origin)) else { continue }
                var x = su.origin
                for c in 0..<du { x = Vec.axpy(x, coefficients[c], su.basis[c]) }
                guard inverse.lies(x, in: su.region),
                      inside(x, su, polyline: unstable.method == .polyline, eu),
                      inside(x, ss, polyline: stable.method == .polyline, es) else { continue }
                guard excluded.allSatisfy({ Vec.distance($0, x) > 1e-7 * scale }) else { continue }
                guard !found.contains(where: { Vec.distance($0.point, x) <= 1e-9 * scale }) else { continue }
                var point = IntersectionPoint(point: x, region: su.region, transversality: smallest, unstableSheet: iu, stableSheet: isx,
                                              forwardSteps: nil, backwardSteps: nil, forwardResidual: .infinity, backwardResidual: .infinity)
                (point.forwardSteps, point.forwardResidual) = verify(x, towards: stable.saddle, subspaces: stable.local.bases,
                                                                     forward: true, form: form, inverse: inverse, options: options)
                (point.backwardSteps, point.backwardResidual) = verify(x, towards: unstable.saddle, subspaces: unstable.local.bases,
                                                                       forward: false, form: form, inverse: inverse, options: options)
                found.append(point)
            }
        }
        return found.sorted { $0.point.lexicographicallyPrecedes($1.point) }
    }

    /// Iterates x forward (or backward) until an iterate lies in the region of a cycle point and
    /// within `tolerance` (relative) of that point's local subspace; the step and the residual.
    static func verify(_ x0: [Double], towards cycle: Cycle, subspaces: [[[Double]]], forward: Bool, form: ShallowForm,
                       inverse: InverseMap, options: IntersectionOptions) -> (Int?, Double) {
        var x = x0
        var best = Double.infinity
        for step in 0...options.maxSteps {
            if step > 0 {
                if forward {
                    x = form(x)
                } else {
                    guard let p = inverse.preimage(x).point else { return (nil, best) }
                    x = p
                }
            }
            guard x.allSatisfy(\.isFinite) else { return (nil, best) }
            let region = form.region(of: x)
            for (i, p) in cycle.points.enumerated() where cycle.regions[i] == region {
                var r = Vec.sub(x, p)
                let d = Vec.norm(r)
                guard d > 0 else { return (step, 0) }
                for q in subspaces[i] { r = Vec.axpy(r, -Vec.dot(r, q), q) }
                let residual = Vec.norm(r) / d
                best = min(best, residual)
                if residual <= options.tolerance { return (step, residual) }
            }
        }
        return (nil, best)
    }
}
