import LinearAlgebra

/// The linear regions (cells of the hyperplane arrangement N z + b = 0) that a model really has,
/// with a point inside each.
///
/// For coordinate-selecting models (PLRNN, ALRNN) every code is a region and no survey is
/// needed. For shallow models the survey walks random lines: along a line the codes change one
/// hyperplane crossing at a time, so each line yields every cell it passes through, exactly,
/// from one sort of its crossing parameters. Half of the lines pass close to a random vertex
/// (the intersection of M random hyperplanes), where the small bounded cells are. For
/// hyperplanes in general position the number of cells is known exactly
/// (`Model.regionCountUpperBound`), so a survey that reaches it is provably complete.
public struct CellSurvey: Sendable {
    public var cells: [RegionCode]
    /// A point strictly inside each cell (same order as `cells`).
    public var interiorPoints: [[Double]]
    /// The count for hyperplanes in general position.
    public var expectedCount: Double
    /// Lines walked.
    public var linesWalked: Int

    /// Whether every cell was found (the count for general position was reached).
    public var isComplete: Bool { Double(cells.count) >= expectedCount }
}

extension ShallowForm {
    /// Finds the cells of the arrangement by walking random lines (see `CellSurvey`). Stops when
    /// `expectedCount` cells are found, or after at least `lines` lines once the last
    /// `lines / 2` found nothing new (at most `10 * lines` lines).
    public func surveyCells(expectedCount: Double, lines: Int = 4000, seed: UInt64 = 0,
                            radius: Double? = nil) -> CellSurvey {
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
        while Double(cells.count) < expectedCount && walked < 10 * lines
                && !(walked >= lines && walked - lastNew > lines / 2) {
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
        return CellSurvey(cells: cells, interiorPoints: points, expectedCount: expectedCount, linesWalked: walked)
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
