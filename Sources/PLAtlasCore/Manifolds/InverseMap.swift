import LinearAlgebra

/// What one backward step F^-1(y) found.
public enum PreimageOutcome: String, Sendable {
    /// Exactly one consistent preimage among the regions tried.
    case unique
    /// No region tried gives a consistent preimage.
    case none
    /// Several regions give consistent, distinct preimages (the map folds here).
    case several
}

public struct Preimage: Sendable {
    public var outcome: PreimageOutcome
    /// The preimage found first (nil for `.none`).
    public var point: [Double]?
    public var region: RegionCode?
}

/// The region-wise inverse of a piecewise-affine map with the self-consistency heuristic of
/// science.md section 3: x = J_d^-1 (y - c_d) is a preimage of y only if x lies in region d.
/// Regions are tried in this order: the region of y; the region of each candidate (up to
/// three times); regions given as hints (already visited); single and double bit flips of the
/// region of y. After a consistent preimage is found, the single bit flips of its region are
/// checked as well: a second consistent, distinct preimage there means the map is not
/// invertible at y (adjacent regions with determinants of opposite sign fold onto each other).
///
/// Holds a cache of LU factors per region: one instance per thread of work.
public final class InverseMap {
    public let form: ShallowForm
    /// Bit flips up to this Hamming distance are tried before giving up.
    public var maxFlips: Int
    /// Relative tolerance of the region test for pre-activations near 0.
    public var boundaryTolerance = 1e-9
    private var cache: [RegionCode: (lu: LUFactorization?, offset: [Double])] = [:]
    private var scratch: [Double]

    public init(form: ShallowForm, maxFlips: Int = 2) {
        self.form = form
        self.maxFlips = maxFlips
        self.scratch = [Double](repeating: 0, count: form.hiddenCount)
    }

    /// x = J_d^-1 (y - c_d), or nil when J_d is singular.
    public func solve(_ y: [Double], in d: RegionCode) -> [Double]? {
        let entry: (lu: LUFactorization?, offset: [Double])
        if let e = cache[d] {
            entry = e
        } else {
            let lu = try? LUFactorization(form.jacobian(d))
            let usable = lu.map { $0.reciprocalConditionEstimate > 1e-14 } ?? false
            entry = (usable ? lu : nil, form.offset(d))
            cache[d] = entry
        }
        guard let lu = entry.lu else { return nil }
        return lu.solve(Vec.sub(y, entry.offset))
    }

    /// J_d^-1 v (a direction, no offset), or nil when J_d is singular.
    public func solveLinear(_ v: [Double], in d: RegionCode) -> [Double]? {
        guard let x0 = solve(form.offset(d), in: d), let x1 = solve(Vec.add(v, form.offset(d)), in: d) else { return nil }
        return Vec.sub(x1, x0)
    }

    /// Whether x lies in region d (pre-activations within the tolerance of 0 count for both sides).
    public func lies(_ x: [Double], in d: RegionCode) -> Bool {
        let u = form.preActivation(x)
        let scale = boundaryTolerance * (1 + Vec.norm(x))
        for i in 0..<form.hiddenCount {
            if d[i] { if u[i] < -scale { return false } } else { if u[i] > scale { return false } }
        }
        return true
    }

    private func consistent(_ y: [Double], _ d: RegionCode) -> [Double]? {
        guard let x = solve(y, in: d), x.allSatisfy(\.isFinite), lies(x, in: d) else { return nil }
        return x
    }

    /// F^-1(y) by the heuristic; `hints` are regions tried after the obvious ones.
    public func preimage(_ y: [Double], hints: [RegionCode] = []) -> Preimage {
        let h = form.hiddenCount
        var tried = Set<RegionCode>()
        var found: (x: [Double], d: RegionCode)?
        func attempt(_ d: RegionCode) -> [Double]? {
            if tried.contains(d) { return nil }
            tried.insert(d)
            if let x = consistent(y, d) { found = (x, d); return x }
            return nil
        }
        search: do {
            var d = form.region(of: y)
            if attempt(d) != nil { break search }
            for _ in 0..<3 {
                guard let x = solve(y, in: d) else { break }
                let next = form.region(of: x)
                if next == d { break }
                d = next
                if attempt(d) != nil { break search }
            }
            for hint in hints where attempt(hint) != nil { break search }
            let base = form.region(of: y)
            if maxFlips >= 1 {
                for i in 0..<h where attempt(base.flipping(i)) != nil { break search }
            }
            if maxFlips >= 2 {
                for i in 0..<h {
                    for j in (i + 1)..<max(i + 1, h) where attempt(base.flipping(i).flipping(j)) != nil { break search }
                }
            }
        }
        guard let first = found else { return Preimage(outcome: .none, point: nil, region: nil) }
        // A second consistent preimage in an adjacent region means a fold.
        let tolerance = 1e-7 * (1 + Vec.norm(first.x))
        for i in 0..<h {
            let d = first.d.flipping(i)
            if let x = consistent(y, d), Vec.distance(x, first.x) > tolerance {
                return Preimage(outcome: .several, point: first.x, region: first.d)
            }
        }
        return Preimage(outcome: .unique, point: first.x, region: first.d)
    }
}
