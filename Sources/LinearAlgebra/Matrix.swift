/// A dense real matrix stored row-major.
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
}
