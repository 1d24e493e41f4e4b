/// The dot product `x · y`; the lengths must agree. 0 for empty vectors.
///
/// Calls `cblas_ddot`.
public func dot(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "dot: lengths \(x.count) and \(y.count)")
    if x.isEmpty { return 0 }
    return blasDot(n: x.count, x, y)
}

/// The Euclidean norm `‖x‖₂`, computed with scaling so that it neither overflows nor
/// underflows when the result is representable. 0 for an empty vector.
///
/// Calls `cblas_dnrm2`.
public func norm(_ x: [Double]) -> Double {
    if x.isEmpty { return 0 }
    return blasNorm(n: x.count, x)
}
