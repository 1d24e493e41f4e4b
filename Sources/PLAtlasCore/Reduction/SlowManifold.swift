import LinearAlgebra

/// The slow spectral submanifold as a manifold of the manifold machinery (docs/reduce.md,
/// "Building the SSM as a manifold"): its local piece is the flat p_i + E_i of a
/// `SpectralSubspace`, grown exactly as a stable manifold (backward through every preimage
/// branch) when the slow eigenvalues lie inside the unit circle, or as an unstable manifold
/// (forward with images) when they lie outside. Coverage then applies as for any manifold.
extension LocalManifold {
    /// The local piece of the SSM of `subspace`: kind `subspace.continuation`, the bases Q_i,
    /// and for d = 1 with a real slow eigenvalue the eigenvalue and the direction carried along
    /// the cycle (w_{i+1} = J_{d_i} w_i, unit at point 0), so that the polyline method applies.
    ///
    /// - Throws: `ReductionError.straddlesUnitCircle` when the slow eigenvalues lie on both
    ///   sides of the unit circle (or on it): the SSM then has no one direction to grow in.
    public init(slow subspace: SpectralSubspace, form: ShallowForm) throws(ReductionError) {
        guard let kind = subspace.continuation else { throw .straddlesUnitCircle }
        let cycle = subspace.cycle
        self.kind = kind
        points = cycle.points
        regions = cycle.regions
        bases = subspace.bases
        let slow = subspace.slowEigenvalues
        if subspace.dimension == 1, slow[0].imaginary == 0 {
            eigenvalue1D = slow[0].real
            var w = subspace.bases[0][0]
            var directions = [w]
            for i in 0..<(cycle.order - 1) {
                w = form.jacobian(cycle.regions[i]) * w
                directions.append(w)
            }
            directions1D = directions
        }
    }
}

extension ManifoldBuilder {
    /// The builder of the SSM of `subspace` in `options.bounds` (`options.kind` is replaced by
    /// the subspace's continuation).
    ///
    /// - Throws: `ReductionError.straddlesUnitCircle`; `.outsideBounds` when the bounds exclude
    ///   a cycle point; `.manifold` for what the builder refuses (a size beyond the limits).
    public init(form: ShallowForm, slow subspace: SpectralSubspace, options: ManifoldOptions) throws(ReductionError) {
        let local = try LocalManifold(slow: subspace, form: form)
        var options = options
        options.kind = local.kind
        guard subspace.cycle.points.allSatisfy({ options.bounds.contains($0) }) else { throw .outsideBounds }
        do {
            try self.init(form: form, saddle: subspace.cycle, local: local, options: options)
        } catch {
            throw .manifold(error.description)
        }
    }
}
