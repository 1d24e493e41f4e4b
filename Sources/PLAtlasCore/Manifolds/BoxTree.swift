

/// A static bounding-volume tree over items with axis-aligned boxes: exact nearest-item and
/// within-radius queries for any item distance that is never below the distance to the item's
/// box. Built by splitting at the middle of the widest spread of box centres.
struct BoxTree: Sendable {
    let m: Int
    /// Item indices, permuted so that the items of every node are contiguous.
    private(set) var items: [Int32] = []
    /// Per node: its box (m lower, m upper bounds), its range in `items`, and its first child
    /// (-1 for a leaf; the second child follows the first).
    private(set) var lower: [Double] = [], upper: [Double] = []
    private(set) var start: [Int32] = [], end: [Int32] = [], child: [Int32] = []
    static let leafSize = 6

    /// `box(i, lower, upper)` writes the m lower and m upper bounds of item i's box (asked
    /// for again when needed, so that the items' boxes need not be stored).
    init(m: Int, count: Int, box: (Int, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void) {
        self.m = m
        var items = (0..<count).map { Int32($0) }
        var start: [Int32] = [], end: [Int32] = [], child: [Int32] = []
        // Box centres, computed once, kept in the order of `items` (m per item; freed when
        // the tree is built).
        var centre = [Double](repeating: 0, count: count * m)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 4 * m)
        defer { scratch.deallocate() }
        let lo = scratch, hi = scratch + m, itemLo = scratch + 2 * m, itemHi = scratch + 3 * m
        for i in 0..<count {
            box(i, itemLo, itemHi)
            for a in 0..<m { centre[i * m + a] = 0.5 * (itemLo[a] + itemHi[a]) }
        }
        // The topology: split at the middle of the widest spread of the centres.
        if count > 0 {
            start.append(0)
            end.append(Int32(count))
            child.append(-1)
        }
        var pending = count > 0 ? [0] : []
        while let k = pending.popLast() {
            let s = Int(start[k]), e = Int(end[k])
            guard e - s > Self.leafSize else { continue }
            for a in 0..<m {
                lo[a] = .infinity
                hi[a] = -.infinity
            }
            for j in s..<e {
                for a in 0..<m {
                    lo[a] = min(lo[a], centre[j * m + a])
                    hi[a] = max(hi[a], centre[j * m + a])
                }
            }
            var axis = 0
            for a in 1..<max(m, 1) where hi[a] - lo[a] > hi[axis] - lo[axis] { axis = a }
            let middle = 0.5 * (lo[axis] + hi[axis])
            var i = s, j = e - 1
            while i <= j {
                if centre[i * m + axis] < middle { i += 1 } else {
                    items.swapAt(i, j)
                    for a in 0..<m { centre.swapAt(i * m + a, j * m + a) }
                    j -= 1
                }
            }
            let split = i == s || i == e ? (s + e) / 2 : i
            child[k] = Int32(start.count)
            start.append(Int32(s))
            start.append(Int32(split))
            end.append(Int32(split))
            end.append(Int32(e))
            child.append(-1)
            child.append(-1)
            pending.append(start.count - 2)
            pending.append(start.count - 1)
        }
        centre = []
        // The boxes: leaves from their items, then every node from its children (children are
        // created after their parent, so a backward pass meets them first).
        var lower = [Double](repeating: .infinity, count: start.count * m), upper = [Double](repeating: -.infinity, count: start.count * m)
        for k in stride(from: start.count - 1, through: 0, by: -1) {
            let c = Int(child[k])
            if c < 0 {
                for j in Int(start[k])..<Int(end[k]) {
                    box(Int(items[j]), itemLo, itemHi)
                    for a in 0..<m {
                        lower[k * m + a] = min(lower[k * m + a], itemLo[a])
                        upper[k * m + a] = max(upper[k * m + a], itemHi[a])
                    }
                }
            } else {
                for a in 0..<m {
                    lower[k * m + a] = min(lower[c * m + a], lower[(c + 1) * m + a])
                    upper[k * m + a] = max(upper[c * m + a], upper[(c + 1) * m + a])
                }
            }
        }
        self.items = items
        self.lower = lower
        self.upper = upper
        self.start = start
        self.end = end
        self.child = child
    }

    /// The tree's arrays as pointers, for the queries (no reference counting per node).
    private struct View {
        let m: Int
        let lower, upper: UnsafePointer<Double>
        let start, end, child, items: UnsafePointer<Int32>

        @inline(__always) func boxDistanceSquared(_ x: UnsafePointer<Double>, _ k: Int) -> Double {
            var s = 0.0
            let l = lower + k * m, u = upper + k * m
            for a in 0..<m {
                let d = x[a] < l[a] ? l[a] - x[a] : (x[a] > u[a] ? x[a] - u[a] : 0)
                s += d * d
            }
            return s
        }
    }

    private func withView<R>(_ x: [Double], _ body: (View, UnsafePointer<Double>) -> R) -> R {
        lower.withUnsafeBufferPointer { lo in
            upper.withUnsafeBufferPointer { hi in
                start.withUnsafeBufferPointer { st in
                    end.withUnsafeBufferPointer { en in
                        child.withUnsafeBufferPointer { ch in
                            items.withUnsafeBufferPointer { it in
                                x.withUnsafeBufferPointer { xp in
                                    body(View(m: m, lower: lo.baseAddress!, upper: hi.baseAddress!, start: st.baseAddress!, end: en.baseAddress!,
                                              child: ch.baseAddress!, items: it.baseAddress!), xp.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The smallest `distanceSquared(item)` over all items (infinity when there are none).
    func nearest(_ x: [Double], _ distanceSquared: (Int) -> Double) -> Double {
        guard !start.isEmpty else { return .infinity }
        return withView(x) { v, xp in
            var best = Double.infinity
            var stack: [(Int, Double)] = []
            stack.reserveCapacity(64)
            stack.append((0, v.boxDistanceSquared(xp, 0)))
            while let (k, bound) = stack.popLast() {
                if bound > best { continue }
                let c = Int(v.child[k])
                if c < 0 {
                    for j in Int(v.start[k])..<Int(v.end[k]) { best = min(best, distanceSquared(Int(v.items[j]))) }
                } else {
                    let d0 = v.boxDistanceSquared(xp, c), d1 = v.boxDistanceSquared(xp, c + 1)
                    // The nearer child is searched first.
                    if d0 <= d1 {
                        stack.append((c + 1, d1))
                        stack.append((c, d0))
                    } else {
                        stack.append((c, d0))
                        stack.append((c + 1, d1))
                    }
                }
            }
            return best
        }
    }

    /// Every item whose box comes within sqrt(`radiusSquared`) of x.
    func within(_ x: [Double], radiusSquared: Double, _ visit: (Int) -> Void) {
        guard !start.isEmpty else { return }
        withView(x) { v, xp in
            var stack: [Int] = []
            stack.reserveCapacity(64)
            stack.append(0)
            while let k = stack.popLast() {
                if v.boxDistanceSquared(xp, k) > radiusSquared { continue }
                let c = Int(v.child[k])
                if c < 0 {
                    for j in Int(v.start[k])..<Int(v.end[k]) { visit(Int(v.items[j])) }
                } else {
                    stack.append(c + 1)
                    stack.append(c)
                }
            }
        }
    }
}
