import MPI

/// Collectives of `Communicator`, each checked against values every rank can compute.
var communicatorCases: [TestCase] { [
    TestCase(name: "broadcast") { world, _, expect in
        let n = world.size, r = world.rank
        let fromRoot: [Double] = r == 0 ? [1.5, -2.25, 1e300, 0] : []
        expect.expectEqual(try world.broadcast(fromRoot), [1.5, -2.25, 1e300, 0], "array from rank 0")
        let fromLast = try world.broadcast(Int64(r == n - 1 ? 4242 + n : -1), root: n - 1)
        expect.expectEqual(fromLast, Int64(4242 + n), "value from the last rank")
        let bytes = try world.broadcast(bytes: r == 0 ? Array("ρ-sweep".utf8) : [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])
        expect.expectEqual(String(decoding: bytes, as: UTF8.self), "ρ-sweep", "bytes from rank 0")
        let empty = try world.broadcast(r == 0 ? [Int32]() : [1, 2, 3])
        expect.expectEqual(empty, [], "empty array from rank 0")
    },
    TestCase(name: "allReduce") { world, _, expect in
        let n = world.size, r = world.rank
        let sums = try world.allReduce([Int64(r + 1), Int64(2 * r), 7], .sum)
        expect.expectEqual(sums, [Int64(n * (n + 1) / 2), Int64(n * (n - 1)), Int64(7 * n)], "Int64 sum")
        let maxima = try world.allReduce([Double(r), -Double(r), 0.5], .max)
        expect.expectEqual(maxima, [Double(n - 1), 0, 0.5], "Double max")
        let minimum = try world.allReduce(Int(10 - r), .min)
        expect.expectEqual(minimum, 10 - (n - 1), "Int min")
        let bits = try world.allReduce(UInt64(1) << UInt64(r), .bitwiseOr)
        expect.expectEqual(bits, (UInt64(1) << UInt64(n)) - 1, "UInt64 bitwise or")
        let sum = try world.allReduce(0.5 * Double(r), .sum)
        expect.expectEqual(sum, 0.25 * Double(n * (n - 1)), "Double sum")
    },
    TestCase(name: "allGather") { world, _, expect in
        let n = world.size, r = world.rank
        expect.expectEqual(try world.allGather(Int32(10 * r + 1)), (0..<n).map { Int32(10 * $0 + 1) }, "Int32 per rank")
        expect.expectEqual(try world.allGather(Double(r) / 4), (0..<n).map { Double($0) / 4 }, "Double per rank")
    },
    TestCase(name: "allGatherv") { world, _, expect in
        let n = world.size, r = world.rank
        // Rank q contributes (q % 3) values 100 q + i: rank 0 contributes none.
        func contribution(_ q: Int) -> [Int64] { (0..<(q % 3)).map { Int64(100 * q + $0) } }
        let (values, counts) = try world.allGatherv(contribution(r))
        expect.expectEqual(values, (0..<n).flatMap(contribution), "concatenation in rank order")
        expect.expectEqual(counts, (0..<n).map { $0 % 3 }, "counts")
    },
    TestCase(name: "allToAllv") { world, _, expect in
        let n = world.size, r = world.rank
        // Rank s sends rank d a bucket of (s + d) % 3 values 1000 s + 10 d + k.
        func bucket(from s: Int, to d: Int) -> [Int64] { (0..<((s + d) % 3)).map { Int64(1000 * s + 10 * d + $0) } }
        let received = try world.allToAllv((0..<n).map { bucket(from: r, to: $0) })
        expect.expectEqual(received, (0..<n).map { bucket(from: $0, to: r) }, "buckets received by rank \(r)")
        let doubles = try world.allToAllv((0..<n).map { d in [Double(r) + Double(d) / 8] })
        expect.expectEqual(doubles, (0..<n).map { s in [Double(s) + Double(r) / 8] }, "one Double per pair")
        let none = try world.allToAllv([[UInt8]](repeating: [], count: n))
        expect.expectEqual(none, [[UInt8]](repeating: [], count: n), "all buckets empty")
    },
    TestCase(name: "allToAll") { world, _, expect in
        let n = world.size, r = world.rank
        let received = try world.allToAll((0..<n).map { Int32(100 * r + $0) })
        expect.expectEqual(received, (0..<n).map { Int32(100 * $0 + r) }, "fixed all-to-all")
    },
    TestCase(name: "exclusiveScan") { world, _, expect in
        let r = world.rank
        expect.expectEqual(try world.exclusiveScan(Int(r + 1)), r * (r + 1) / 2, "Int: sum of q + 1 over q < rank")
        expect.expectEqual(try world.exclusiveScan(Int64(5)), Int64(5 * r), "Int64: 5 per earlier rank")
        expect.expectEqual(try world.exclusiveScan(0.5), 0.5 * Double(r), "Double")
        try world.barrier()
    },
] }
