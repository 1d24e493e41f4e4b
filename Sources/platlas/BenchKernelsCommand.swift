import ArgumentParser
import LinearAlgebra
import PLAtlasCore

/// `platlas bench-kernels`: the cost of the products a cycle search composes, measured alone, so
/// that the search's cost per candidate can be compared with it (docs/benchmarks.md).
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Time chained m x m products (the inner loop of a cycle search) in isolation.",
        shouldDisplay: false
    )

    @Option(help: "Matrix order m.")
    var dimension = 2

    @Option(help: "Products to chain (default: 10000000).", transform: wholeNumber)
    var products = 10_000_000

    func validate() throws {
        guard dimension >= 1, products >= 1 else { throw ValidationError("--dimension and --products must be positive") }
        try Limits.current.check(options: [("--dimension", dimension, .dimension), ("--products", products, .count)])
    }

    func run() throws {
        let m = dimension
        var g = SeededGenerator(seed: 1)
        // Four matrices with spectral radius below 1 (so the chain stays finite), used in turn.
        let factors = (0..<4).map { _ in (0..<(m * m)).map { _ in 0.9 / Double(m).squareRoot() * (2 * g.uniform() - 1) } }
        let f = UnsafeMutablePointer<Double>.allocate(capacity: 4 * m * m)
        for (i, factor) in factors.enumerated() { for j in 0..<(m * m) { f[i * m * m + j] = factor[j] } }
        var p = UnsafeMutablePointer<Double>.allocate(capacity: m * m)
        var next = UnsafeMutablePointer<Double>.allocate(capacity: m * m)
        defer { f.deallocate(); p.deallocate(); next.deallocate() }
        p.initialize(repeating: 0, count: m * m)
        for i in 0..<m { p[i * m + i] = 1 }
        let started = ContinuousClock.now
        for k in 0..<products {
            let a = f + (k & 3) * m * m
            if m == 2 {
                let (p0, p1, p2, p3) = (p[0], p[1], p[2], p[3])
                next[0] = a[0] * p0 + a[1] * p2
                next[1] = a[0] * p1 + a[1] * p3
                next[2] = a[2] * p0 + a[3] * p2
                next[3] = a[2] * p1 + a[3] * p3
            } else {
                SmallKernels.multiply(a, p, into: next, m: m, k: m, n: m)
            }
            swap(&p, &next)
        }
        let seconds = CycleSearch.seconds(since: started)
        Console.output(.object([("dimension", .integer(m)), ("products", .integer(products)),
                                ("seconds", .number(seconds)), ("nanoseconds_per_product", .number(seconds / Double(products) * 1e9)),
                                ("checksum", .number((0..<(m * m)).reduce(0.0) { $0 + p[$1] }))]))
    }
}
