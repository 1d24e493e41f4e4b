/// Why a factorisation or solve could not produce a result.
public enum LinearAlgebraError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A pivot of the LU factorisation is exactly zero, e.g. "matrix is singular (U[3,3] = 0)"
    /// (indices 0-based). Nearly singular matrices do not throw: see
    /// ``LUFactorization/reciprocalConditionEstimate``.
    case singular(String)
    /// The operands' shapes do not fit the operation (a non-square matrix where a square one
    /// is needed, a right-hand side with the wrong number of rows).
    case dimensionMismatch(String)
    /// An input contains NaN or an infinity; LAPACK is never called with one.
    case notFinite(String)
    /// A LAPACK routine reported failure: `info < 0` means argument `-info` was invalid (a bug
    /// here), `info > 0` a routine-specific failure such as an iteration that did not converge.
    case lapack(function: String, info: Int)

    public var description: String {
        switch self {
        case .singular(let message): return message
        case .dimensionMismatch(let message): return message
        case .notFinite(let message): return message
        case .lapack(let function, let info):
            if info < 0 { return "\(function): argument \(-info) had an illegal value (info = \(info))" }
            return "\(function) failed (info = \(info))"
        }
    }
}

// MARK: - Checks shared by the throwing entry points

extension Matrix {
    /// Throws `.notFinite` naming `operation` and the first offending entry.
    func requireFinite(_ operation: String) throws(LinearAlgebraError) {
        if let index = elements.firstIndex(where: { !$0.isFinite }) {
            throw .notFinite("\(operation): entry (\(index / columns), \(index % columns)) of the "
                             + "\(rows)x\(columns) input is \(elements[index])")
        }
    }

    /// Throws `.dimensionMismatch` naming `operation` unless the matrix is square.
    func requireSquare(_ operation: String) throws(LinearAlgebraError) {
        if !isSquare {
            throw .dimensionMismatch("\(operation): matrix is \(rows)x\(columns), not square")
        }
    }
}

func requireFinite(_ vector: [Double], _ operation: String) throws(LinearAlgebraError) {
    if let index = vector.firstIndex(where: { !$0.isFinite }) {
        throw .notFinite("\(operation): entry \(index) of the right-hand side is \(vector[index])")
    }
}

/// Throws `.lapack` unless `info == 0`.
func check(_ info: Int, _ function: String) throws(LinearAlgebraError) {
    if info != 0 { throw .lapack(function: function, info: info) }
}
