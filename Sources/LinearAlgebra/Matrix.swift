/// A dense real matrix stored row-major.
///
/// Arithmetic operators trap (`precondition`) on mismatched shapes, like out-of-range array
/// indices: shapes are the caller's invariant. Factorisations, which can fail on valid input,
/// throw ``LinearAlgebraError`` instead.
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    /// Entries row by row: element (i, j) is `elements[i * columns + j]`.
    public var elements: [Double]

    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "Matrix: \(elements.count) elements for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A `rows x columns` matrix with every entry equal to `repeating`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)x\(columns)")
        self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: rows * columns))
    }

    /// A matrix from its rows, which must all have the same length. `[]` is the 0x0 matrix.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        var elements: [Double] = []
        elements.reserveCapacity(rowArrays.count * columns)
        for (i, row) in rowArrays.enumerated() {
            precondition(row.count == columns, "Matrix: row \(i) has \(row.count) entries, row 0 has \(columns)")
            elements.append(contentsOf: row)
        }
        self.init(rows: rowArrays.count, columns: columns, elements: elements)
    }

    /// The `n x n` identity.
    public static func identity(_ n: Int) -> Matrix {
        diagonal(Array(repeating: 1, count: n))
    }

    /// The square matrix with `d` on its diagonal and zeros elsewhere.
    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count)
        for (i, x) in d.enumerated() { m.elements[i * d.count + i] = x }
        return m
    }

    /// Element (row, column), 0-based.
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) out of range for \(rows)x\(columns)")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) out of range for \(rows)x\(columns)")
            elements[row * columns + column] = newValue
        }
    }

    /// Row `i` as an array of `columns` entries.
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix: row \(i) out of range for \(rows)x\(columns)")
        return Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// Column `j` as an array of `rows` entries.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Matrix: column \(j) out of range for \(rows)x\(columns)")
        return (0..<rows).map { elements[$0 * columns + j] }
    }

    /// The transpose, a `columns x rows` matrix.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns {
                t.elements[j * rows + i] = elements[i * columns + j]
            }
        }
        return t
    }

    /// Whether `rows == columns`.
    public var isSquare: Bool { rows == columns }

    /// Whether every entry is finite (no NaN, no infinity).
    public var isFinite: Bool { elements.allSatisfy(\.isFinite) }

    /// Entrywise sum; the shapes must agree.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns,
                     "Matrix +: \(lhs.rows)x\(lhs.columns) and \(rhs.rows)x\(rhs.columns)")
        return Matrix(rows: lhs.rows, columns: lhs.columns,
                      elements: zip(lhs.elements, rhs.elements).map { $0 + $1 })
    }

    /// Entrywise difference; the shapes must agree.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns,
                     "Matrix -: \(lhs.rows)x\(lhs.columns) and \(rhs.rows)x\(rhs.columns)")
        return Matrix(rows: lhs.rows, columns: lhs.columns,
                      elements: zip(lhs.elements, rhs.elements).map { $0 - $1 })
    }

    /// Every entry multiplied by `scalar`.
    public static func * (scalar: Double, matrix: Matrix) -> Matrix {
        Matrix(rows: matrix.rows, columns: matrix.columns, elements: matrix.elements.map { scalar * $0 })
    }

    /// The matrix product; `lhs.columns` must equal `rhs.rows`.
    ///
    /// ``SmallKernels/multiply(_:_:into:m:k:n:)``: plain loops up to
    /// ``SmallKernels/multiplyCrossoverVolume`` multiply-adds, `cblas_dgemm` above.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.columns == rhs.rows,
                     "Matrix *: \(lhs.rows)x\(lhs.columns) times \(rhs.rows)x\(rhs.columns)")
        let (m, k, n) = (lhs.rows, lhs.columns, rhs.columns)
        let elements = [Double](unsafeUninitializedCapacity: m * n) { c, count in
            lhs.elements.withUnsafeBufferPointer { a in
                rhs.elements.withUnsafeBufferPointer { b in
                    if let c = c.baseAddress, let a = a.baseAddress, let b = b.baseAddress {
                        SmallKernels.multiply(a, b, into: c, m: m, k: k, n: n)
                    } else if let c = c.baseAddress {
                        c.initialize(repeating: 0, count: m * n) // k == 0: an empty sum
                    }
                }
            }
            count = m * n
        }
        return Matrix(rows: m, columns: n, elements: elements)
    }

    /// The matrix-vector product; `vector.count` must equal `matrix.columns`.
    ///
    /// ``SmallKernels/multiplyVector(_:_:into:m:n:)``: plain loops up to
    /// ``SmallKernels/multiplyVectorCrossoverArea`` entries, `cblas_dgemv` above.
    public static func * (matrix: Matrix, vector: [Double]) -> [Double] {
        precondition(matrix.columns == vector.count,
                     "Matrix *: \(matrix.rows)x\(matrix.columns) times a vector of \(vector.count)")
        let (m, n) = (matrix.rows, matrix.columns)
        return [Double](unsafeUninitializedCapacity: m) { y, count in
            matrix.elements.withUnsafeBufferPointer { a in
                vector.withUnsafeBufferPointer { x in
                    if let y = y.baseAddress, let a = a.baseAddress, let x = x.baseAddress {
                        SmallKernels.multiplyVector(a, x, into: y, m: m, n: n)
                    } else if let y = y.baseAddress {
                        y.initialize(repeating: 0, count: m) // n == 0: an empty sum
                    }
                }
            }
            count = m
        }
    }
}
