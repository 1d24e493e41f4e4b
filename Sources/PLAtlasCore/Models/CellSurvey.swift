import LinearAlgebra
import RealModule

/// The linear regions (cells of the hyperplane arrangement N z + b = 0) that a model really has,
/// with a point inside each.
///
/// For coordinate-selecting models (PLRNN, ALRNN) every code is a region and no survey is
/// needed. For shallow models, two methods:
/// - **Vertices** (when C(H, M) 2^M is at most `vertexLimit`): when the normals span R^M no cell
///   contains a line, so every cell has a vertex, the intersection of M hyperplanes. Around a
///   vertex of M hyperplanes in general position lie exactly 2^M cells, reached from it along
///   the directions d with N_S d = s, s in {-1, 1}^M. Visiting every vertex finds every cell.
/// - **Lines**: along a line the code changes one hyperplane crossing at a time, so each
///   random line yields every cell it passes through from one sort of its crossing parameters.
///   Half of the lines pass close to a random vertex, where the small bounded cells are.
/// For hyperplanes in general position the number of cells is known (`Model.regionCountUpperBound`),
/// so a survey that reaches it is complete; so is a vertex survey, exactly where no more than M
/// hyperplanes meet in a point, and up to the sampling of directions where more do (the origin of
/// a clipped shPLRNN, where all H planes W2 z = 0 meet).
public struct CellSurvey: Sendable {
    public var cells: [RegionCode]
    /// A point strictly inside each cell (same order as `cells`).
    public var interiorPoints: [[Double]]
    /// The count for hyperplanes in general position.
    public var expectedCount: Double
    /// Lines walked.
    public var linesWalked: Int
    /// Whether every vertex was visited, with normals spanning R^M.
    public var verticesExhausted = false

    /// Whether every cell was found.
    public var isComplete: Bool { verticesExhausted || Double(cells.count) >= expectedCount }
}

extension ShallowForm {
    /// Finds the cells of the arrangement (see `CellSurvey`): by their vertices when there are
    /// at most `vertexLimit` vertex-cell pairs, otherwise by walking random lines until
    /// `expectedCount` cells are found, or after at least `lines` lines once the last `lines / 2`
    /// found nothing new or `cellLimit` cells are known (at most `10 * lines` lines).
    public func surveyCells(expectedCount: Double, lines: Int = 4000, seed: UInt64 = 0,
                            radius: Double? = nil, vertexLimit: Double = 2_000_000,
                            cellLimit: Int = 100_000) -> CellSurvey {
        let m = dimension, h = hiddenCount
        var generator = SeededGenerator(seed: seed, stream: 0xCE11)
        let r = radius ?? defaultSamplingRadius
        var index: [RegionCode: Int] = [:]
        var cells: [RegionCode] = []
        var points: [[Double]] = []
        var walked = 0, lastNew = 0
        var base = [Double](repeating: 0, count: m), direction = [Double](repeating: 0, count: m)
        var crossings: [(t: Double, unit: Int)] = []
        crossings.reserveCapacity(h)
        func record(_ t: Double) {
            let z = (0..<m).map { base[$0] + t * direction[$0] }
            let code = region(of: z)
            if index[code] == nil {
                index[code] = cells.count
                cells.append(code)
                points.append(z)
                lastNew = walked
            }
        }
        var verticesExhausted = false
        if h >= m, Model.binomial(h, m) * Double.pow(2, Double(m)) <= vertexLimit {
            let expected = Int(min(expectedCount, Double(cellLimit)))
            index.reserveCapacity(expected)
            cells.reserveCapacity(expected)
            points.reserveCapacity(expected)
            verticesExhausted = surveyVertices { code, point in
                if index[code] == nil {
                    index[code] = cells.count
                    cells.append(code)
                    points.append(point())
                }
            }
        }
        while !verticesExhausted && Double(cells.count) < expectedCount && walked < 10 * lines
                && !(walked >= lines && (walked - lastNew > lines / 2 || cells.count >= cellLimit)) {
            walked += 1
            for j in 0..<m { direction[j] = generator.normal() }
            if walked % 2 == 0, h >= m, let vertex = randomVertex(&generator) {
                let scale = 1e-3 * (1 + vertex.map(abs).max()!)
                for j in 0..<m { base[j] = vertex[j] + scale * (2 * generator.uniform() - 1) }
            } else {
                for j in 0..<m { base[j] = (2 * generator.uniform() - 1) * r }
            }
            crossings.removeAll(keepingCapacity: true)
            for i in 0..<h {
                var along = 0.0, value = b[i]
                for j in 0..<m {
                    along += N[i * m + j] * direction[j]
                    value += N[i * m + j] * base[j]
                }
                if along != 0 { crossings.append((-value / along, i)) }
            }
            crossings.sort { $0.t < $1.t }
            guard let first = crossings.first, let last = crossings.last else { record(0); continue }
            record(first.t - 1 - abs(first.t))
            for k in 0..<(crossings.count - 1) where crossings[k + 1].t > crossings[k].t {
                record(0.5 * (crossings[k].t + crossings[k + 1].t))
            }
            record(last.t + 1 + abs(last.t))
        }
        return CellSurvey(cells: cells, interiorPoints: points, expectedCount: expectedCount, linesWalked: walked,
                          verticesExhausted: verticesExhausted)
    }

    /// Visits the 2^M cells around every vertex (see `CellSurvey`), and around a vertex where
    /// more than M hyperplanes meet, the cells met along 256 * 2^M random directions. Returns
    /// whether the normals span R^M (then every cell has a vertex and was visited).
    ///
    /// `record` gets each cell's code and a function giving a point inside it, which it calls
    /// only for a cell it has not seen (each cell has several vertices). Around a vertex in
    /// general position the code needs no point: every other plane's side is that of the vertex
    /// (at least 1e-9 of its scale away), and the vertex's own M planes take the signs s of the
    /// direction d = A^-1 s (N_S d = s). The point is the vertex plus d, scaled to half the
    /// way to the nearest other plane. The M x M inverse comes from `SmallKernels`' LU and is
    /// kept when its exact 1-norm reciprocal condition passes 1e-12.
    func surveyVertices(_ record: (RegionCode, () -> [Double]) -> Void) -> Bool {
        let m = dimension, h = hiddenCount
        var spans = false
        var degenerateVertices = Set<[Int]>()
        var subset = Array(0..<m)
        let signs = 1 << m
        var factors = [Double](repeating: 0, count: m * m), pivots = [Int](repeating: 0, count: m)
        var inverse = [Double](repeating: 0, count: m * m)  // column k (A^-1 e_k) at k * m
        var column = [Double](repeating: 0, count: m)
        var vertex = [Double](repeating: 0, count: m), direction = [Double](repeating: 0, count: m)
        var u = [Double](repeating: 0, count: h)
        var inSubset = [Bool](repeating: false, count: h)
        var words = [UInt64](repeating: 0, count: RegionCode.wordCount(h))
        // Half the way from the vertex along `direction` to the nearest plane not in `skip`.
        func interiorPoint(skipping skip: [Bool]) -> [Double] {
            var t = 1.0
            N.withUnsafeBufferPointer { n in
                u.withUnsafeBufferPointer { uu in
                    skip.withUnsafeBufferPointer { sk in
                        direction.withUnsafeBufferPointer { d in
                            for j in 0..<h where !sk[j] && uu[j] != 0 {
                                var along = 0.0
                                for c in 0..<m { along += n[j * m + c] * d[c] }
                                if along != 0 { t = min(t, 0.5 * abs(uu[j] / along)) }
                            }
                        }
                    }
                }
            }
            return (0..<m).map { vertex[$0] + t * direction[$0] }
        }
        while true {
            // A = the rows of N in the subset; its inverse, if it is well conditioned.
            var oneNorm = 0.0
            for c in 0..<m {
                var sum = 0.0
                for (r, i) in subset.enumerated() {
                    factors[r * m + c] = N[i * m + c]
                    sum += abs(N[i * m + c])
                }
                oneNorm = max(oneNorm, sum)
            }
            var invertible = factors.withUnsafeMutableBufferPointer { f in
                pivots.withUnsafeMutableBufferPointer { SmallKernels.luFactor(f.baseAddress!, n: m, pivots: $0.baseAddress!) }
            }
            if invertible {
                var inverseNorm = 0.0
                for k in 0..<m {
                    for r in 0..<m { column[r] = r == k ? 1 : 0 }
                    factors.withUnsafeBufferPointer { f in
                        pivots.withUnsafeBufferPointer { p in
                            column.withUnsafeMutableBufferPointer { SmallKernels.luSolve(f.baseAddress!, n: m, pivots: p.baseAddress!, $0.baseAddress!) }
                        }
                    }
                    var sum = 0.0
                    for r in 0..<m {
                        inverse[k * m + r] = column[r]
                        sum += abs(column[r])
                    }
                    inverseNorm = max(inverseNorm, sum)
                }
                let rcond = 1 / (oneNorm * inverseNorm)
                invertible = rcond.isFinite && rcond > 1e-12
            }
            if invertible {
                spans = true
                var scale = 1.0
                for r in 0..<m {
                    var sum = 0.0
                    for (k, i) in subset.enumerated() { sum -= inverse[k * m + r] * b[i] }
                    vertex[r] = sum
                    scale = max(scale, 1 + abs(sum))
                }
                for i in subset { inSubset[i] = true }
                // u = N vertex + b; the vertex's side of every other plane, as code words.
                var incident: [Int] = []
                for w in words.indices { words[w] = 0 }
                N.withUnsafeBufferPointer { n in
                    b.withUnsafeBufferPointer { bb in
                        u.withUnsafeMutableBufferPointer { uu in
                            inSubset.withUnsafeBufferPointer { sub in
                                vertex.withUnsafeBufferPointer { v in
                                    let tolerance = 1e-9 * scale
                                    for j in 0..<h {
                                        var value = bb[j]
                                        for c in 0..<m { value += n[j * m + c] * v[c] }
                                        uu[j] = value
                                        if sub[j] { continue }
                                        if abs(value) <= tolerance {
                                            incident.append(j)
                                        } else if value > 0 {
                                            words[j >> 6] |= 1 << UInt64(j & 63)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if !incident.isEmpty {
                    // More than M hyperplanes through this vertex (the origin of a clipped model,
                    // where every W2 z = 0 meets): the cells around it are those of a central
                    // arrangement; sample them along random directions, once per vertex.
                    incident = (incident + subset).sorted()
                    if !degenerateVertices.contains(incident) {
                        degenerateVertices.insert(incident)
                        var onIncident = [Bool](repeating: false, count: h)
                        for j in incident { onIncident[j] = true }
                        var generator = SeededGenerator(seed: UInt64(degenerateVertices.count), stream: 0xDE6E)
                        for _ in 0..<(256 * signs) {
                            for c in 0..<m { direction[c] = generator.normal() }
                            let point = interiorPoint(skipping: onIncident)
                            record(region(of: point)) { point }
                        }
                    }
                }
                for mask in 0..<signs {
                    // d = A^-1 s, s in {-1, 1}^M.
                    for r in 0..<m {
                        var sum = 0.0
                        for k in 0..<m { sum += (mask >> k) & 1 == 1 ? inverse[k * m + r] : -inverse[k * m + r] }
                        direction[r] = sum
                    }
                    if incident.isEmpty {
                        var codeWords = words
                        for (k, i) in subset.enumerated() where (mask >> k) & 1 == 1 { codeWords[i >> 6] |= 1 << UInt64(i & 63) }
                        record(RegionCode(words: codeWords, count: h)!) { interiorPoint(skipping: inSubset) }
                    } else {
                        // A point off every hyperplane lies in a cell, whatever side of the other
                        // planes through a degenerate vertex it landed on.
                        let point = interiorPoint(skipping: inSubset)
                        record(region(of: point)) { point }
                    }
                }
                for i in subset { inSubset[i] = false }
            }
            // Next M-subset in lexicographic order.
            var i = m - 1
            while i >= 0 && subset[i] == h - m + i { i -= 1 }
            if i < 0 { break }
            subset[i] += 1
            for j in (i + 1)..<m { subset[j] = subset[j - 1] + 1 }
        }
        return spans
    }

    /// The intersection of M distinct random hyperplanes, if they are independent.
    func randomVertex(_ generator: inout SeededGenerator) -> [Double]? {
        let m = dimension, h = hiddenCount
        var chosen: [Int] = []
        while chosen.count < m {
            let i = Int(generator.next() % UInt64(h))
            if !chosen.contains(i) { chosen.append(i) }
        }
        var rows: [Double] = []
        for i in chosen { rows += N[(i * m)..<((i + 1) * m)] }
        return try? solve(Matrix(rows: m, columns: m, elements: rows), chosen.map { -b[$0] })
    }
}
