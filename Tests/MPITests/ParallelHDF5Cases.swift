import HDF5
import MPI

/// Where every rank's data lands in `parallel.h5`; Tests/mpi/run.sh checks the same formulas
/// with h5dump and h5py. Values encode the writing rank and the index, so a block written at
/// the wrong offset, or by the wrong rank, fails exactly.
///
/// - rank r owns L(r) = (2r + 3) mod 5 elements (rank 1 owns none), at offset Σ_{q<r} L(q);
/// - `/values[offset + i]` = 1000 r + i + 0.25 (float64, length Σ L);
/// - `/rows[offset + i, c]` = 1000000 r + 10 i + c (int64, Σ L x 3);
/// - `/series` (float64, chunked, unlimited) grows in rounds k = 0, 1, 2; in round k rank r
///   appends M(r, k) = (r + k) mod 3 values 10000 r + 100 k + i, ranks in order;
/// - `/independent[2r + j]` = -(10 r + j), written without collective I/O;
/// - `/whole` = [10, 20, 30] although rank r passes [10 + r, 20 + r, 30 + r] (rank 0's data lands);
/// - `/names` = ["fixed point", "ρ", ""]; root attributes `ranks` = n, `label` = "parallel";
///   group `/results/parallel` with attribute `total` = Σ L.
struct ParallelLayout {
    let ranks: Int

    static func length(_ r: Int) -> Int { (2 * r + 3) % 5 }
    static func appended(_ r: Int, round k: Int) -> Int { (r + k) % 3 }
    static let rounds = 3

    func offset(_ r: Int) -> Int { (0..<r).map(Self.length).reduce(0, +) }
    var total: Int { offset(ranks) }

    func values(of r: Int) -> [Double] { (0..<Self.length(r)).map { 1000 * Double(r) + Double($0) + 0.25 } }
    var values: [Double] { (0..<ranks).flatMap(values(of:)) }

    func rows(of r: Int) -> [Int64] {
        (0..<Self.length(r)).flatMap { i in (0..<3).map { c in Int64(1_000_000 * r + 10 * i + c) } }
    }
    var rows: [Int64] { (0..<ranks).flatMap(rows(of:)) }

    func series(of r: Int, round k: Int) -> [Double] {
        (0..<Self.appended(r, round: k)).map { Double(10_000 * r + 100 * k + $0) }
    }
    var series: [Double] { (0..<Self.rounds).flatMap { k in (0..<ranks).flatMap { series(of: $0, round: k) } } }

    var independent: [Double] { (0..<ranks).flatMap { r in (0..<2).map { -Double(10 * r + $0) } } }
    static let names = ["fixed point", "ρ", ""]
}

func parallelFilePath(_ workdir: String) -> String { workdir + "/parallel.h5" }

var parallelHDF5Cases: [TestCase] { [
    TestCase(name: "parallel HDF5: MPI-IO hints reach the file") { world, workdir, expect in
        let saved = MPIIOHints.current
        defer { MPIIOHints.current = saved }
        let (hints, problem) = MPIIOHints.parse(" cb_buffer_size = 1048576 ,romio_cb_write=enable")
        expect.expect(problem == nil, "the hints parse")
        MPIIOHints.current = hints
        let file = try File.create(workdir + "/hinted.h5", communicator: world)
        let given = try file.mpiIOHints()
        try file.close()
        expect.expect(given.contains { $0.key == "cb_buffer_size" && $0.value == "1048576" }, "cb_buffer_size in the file's hints: \(given)")
        expect.expect(given.contains { $0.key == "romio_cb_write" && $0.value == "enable" }, "romio_cb_write in the file's hints: \(given)")
        MPIIOHints.current = []
        let plain = try File.create(workdir + "/plain.h5", communicator: world)
        let none = try plain.mpiIOHints()
        try plain.close()
        expect.expect(!none.contains { $0.key == "cb_buffer_size" || $0.key == "romio_cb_write" }, "no hints given, none set: \(none)")
        expect.expect(MPIIOHints.parse("a=1,b").problem != nil, "an entry without = is refused")
    },
    TestCase(name: "parallel HDF5: collective write") { world, workdir, expect in
        let r = world.rank
        let layout = ParallelLayout(ranks: world.size)
        let length = ParallelLayout.length(r)
        let offset = try world.exclusiveScan(length)
        let total = try world.allReduce(length, .sum)
        expect.expectEqual(offset, layout.offset(r), "offset from exclusiveScan")
        expect.expectEqual(total, layout.total, "total from allReduce")

        let file = try File.create(parallelFilePath(workdir), communicator: world)
        expect.expect(file.isParallel, "a file created with a communicator is parallel")
        try file.root.setAttribute("ranks", world.size)
        try file.root.setAttribute("label", "parallel")
        let results = try file.root.createGroup("results/parallel")
        try results.setAttribute("total", total)
        try results.close()

        let values = try file.root.createDataset("values", type: .float64, shape: [total])
        try values.write(layout.values(of: r), start: [offset], count: [length])
        try values.close()

        let rows = try file.root.createDataset("rows", type: .int64, shape: [total, 3])
        try rows.write(layout.rows(of: r), start: [offset, 0], count: [length, 3])
        try rows.setAttribute("columns", "1000000 r + 10 i + c")
        try rows.close()

        let series = try file.root.createDataset("series", type: .float64, shape: [0], maxShape: [nil], chunk: [4])
        var grown = 0
        for k in 0..<ParallelLayout.rounds {
            let mine = ParallelLayout.appended(r, round: k)
            let start = grown + (try world.exclusiveScan(mine))
            let added = try world.allReduce(mine, .sum)
            try series.extend(to: [grown + added])
            try series.write(layout.series(of: r, round: k), start: [start], count: [mine])
            grown += added
        }
        expect.expectEqual(series.shape, [layout.series.count], "series length after three rounds")
        try series.close()

        let independent = try file.root.createDataset("independent", type: .float64, shape: [2 * world.size])
        try independent.write([-Double(10 * r), -Double(10 * r + 1)], start: [2 * r], count: [2], collective: false)
        try independent.close()

        try file.root.writeDataset("whole", [10.0 + Double(r), 20.0 + Double(r), 30.0 + Double(r)], shape: [3])
        try file.root.writeStrings("names", ParallelLayout.names)
        try file.flush()
        try file.close()
    },
    TestCase(name: "parallel HDF5: every rank reads back in parallel") { world, workdir, expect in
        let r = world.rank
        let layout = ParallelLayout(ranks: world.size)
        let file = try File.open(parallelFilePath(workdir), communicator: world)
        try checkParallelFile(file, layout: layout, expect: expect)
        let values = try file.root.openDataset("values")
        let mine = try values.read(start: [layout.offset(r)], count: [ParallelLayout.length(r)], as: Double.self)
        expect.expectEqual(mine, layout.values(of: r), "own block of /values")
        try values.close()
        try file.close()
    },
    TestCase(name: "parallel HDF5: rank 0 reads back serially") { world, workdir, expect in
        if world.isRoot {
            let file = try File.open(parallelFilePath(workdir))
            expect.expect(!file.isParallel, "a file opened without a communicator is serial")
            try checkParallelFile(file, layout: ParallelLayout(ranks: world.size), expect: expect)
            try file.close()
        }
        try world.barrier()
    },
    TestCase(name: "parallel HDF5: a file dropped by every rank at once is closed by deinit") { world, workdir, expect in
        let path = workdir + "/dropped.h5"
        do {
            let file = try File.create(path, communicator: world)
            let dataset = try file.root.createDataset("ranks", type: .int64, shape: [world.size])
            try dataset.write([Int64(world.rank)], start: [world.rank], count: [1])
            _ = consume dataset
            _ = consume file  // every rank drops it here: the collective close in deinit is safe
        }
        try world.barrier()
        if world.isRoot {
            let file = try File.open(path)
            expect.expectEqual(try file.root.readInt64s("ranks").values, (0..<world.size).map(Int64.init), "/ranks")
            try file.close()
        }
        try world.barrier()
    },
    TestCase(name: "parallel HDF5: a missing file fails on every rank") { world, workdir, expect in
        var message = ""
        do throws(HDF5Error) {
            let file = try File.open(workdir + "/absent.h5", communicator: world)
            try file.close()
        } catch {
            message = error.description
        }
        expect.expect(message.hasPrefix("cannot open file '\(workdir)/absent.h5': H5Fopen: unable to open file"),
                      "error message: '\(message)'")
        try world.barrier()
    },
] }

/// Checks the whole content of `parallel.h5` against `layout`.
func checkParallelFile(_ file: borrowing File, layout: ParallelLayout, expect: Expectations) throws {
    let root = file.root
    expect.expectEqual(try root.attributeInt("ranks"), layout.ranks, "attribute ranks")
    expect.expectEqual(try root.attributeString("label"), "parallel", "attribute label")
    let results = try root.openGroup("results/parallel")
    expect.expectEqual(try results.attributeInt("total"), layout.total, "attribute total")
    try results.close()
    let values = try root.readDoubles("values")
    expect.expectEqual(values.shape, [layout.total], "shape of /values")
    expect.expectEqual(values.values, layout.values, "/values")
    let rows = try root.readInt64s("rows")
    expect.expectEqual(rows.shape, [layout.total, 3], "shape of /rows")
    expect.expectEqual(rows.values, layout.rows, "/rows")
    let series = try root.readDoubles("series")
    expect.expectEqual(series.values, layout.series, "/series")
    expect.expectEqual(try root.readDoubles("independent").values, layout.independent, "/independent")
    expect.expectEqual(try root.readDoubles("whole").values, [10, 20, 30], "/whole (rank 0's values)")
    expect.expectEqual(try root.readStrings("names"), ParallelLayout.names, "/names")
    expect.expectEqual(try root.childNames(), ["independent", "names", "results", "rows", "series", "values", "whole"],
                       "members of /")
}
