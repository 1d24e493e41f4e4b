import Foundation
import HDF5
import Testing

/// `[[sweep]]` in job specs: the same results as `platlas sweep`, on any number of ranks, after
/// a kill and `platlas run --resume`; the shipped sweep specs; bad sweep tables.
@Suite(.serialized)
struct JobsSweepTests {
    /// The 2D PLRNN family of docs/sweeps.md (a1 = A[0] varies).
    static let family = #"{"type": "plrnn", "A": [0.8, 0.96461297], "W": [[0, -0.64375], [0.52505308, 0]], "h": [0.37298253, -0.97931491]}"#

    static let snapshots = CLI.sharedModel("shplrnn_training_snapshots.json")

    /// A directory holding `model.json` (the family) and `spec.toml` with `text`.
    func setUp(_ text: String) throws -> (dir: String, spec: String) {
        let dir = CLI.temporaryDirectory()
        try Self.family.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try text.write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        return (dir, dir + "/spec.toml")
    }

    /// Compares group `groupA` of file `a` with group `groupB` of file `b` with h5py: the same
    /// members, and every dataset equal in shape, type and values, except the per-point timings
    /// `seconds` and members of `groupA` named in `ignoring`. Returns the number of datasets
    /// compared.
    func compareDatasets(_ a: String, _ groupA: String, _ b: String, _ groupB: String, ignoring: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let (status, text) = try CLI.python("""
        import sys, h5py, numpy as np
        x, y = h5py.File(sys.argv[1], 'r')[sys.argv[2]], h5py.File(sys.argv[3], 'r')[sys.argv[4]]
        ignored = sys.argv[5:]
        names_x, names_y = [], []
        x.visit(names_x.append); y.visit(names_y.append)
        names_x = [n for n in names_x if n.split('/')[0] not in ignored]
        assert sorted(names_x) == sorted(names_y), sorted(set(names_x) ^ set(names_y))
        n = 0
        for name in names_x:
            if not isinstance(x[name], h5py.Dataset) or name.split('/')[-1] == 'seconds':
                continue
            d, e = x[name], y[name]
            assert d.shape == e.shape and d.dtype == e.dtype, f'{name}: {d.shape} {d.dtype} != {e.shape} {e.dtype}'
            assert np.array_equal(d[()], e[()], equal_nan=d.dtype.kind == 'f'), f'{name}: values differ'
            n += 1
        print(n)
        """, [a, groupA, b, groupB] + ignoring)
        #expect(status == 0, "\(a)\(groupA) vs \(b)\(groupB): \(text)", sourceLocation: sourceLocation)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// `platlas run SPEC` under `mpirun -np ranks`.
    func mpirun(_ ranks: Int, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), CLI.binary] + arguments
        process.environment = CLI.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static let gridSpec = """
    name = "family"
    model = "model.json"
    seed = 5

    [[sweep]]
    param = "A[0]"
    range = "0.8:0.9:6"
    param2 = "h[1]"
    range2 = "-1:-0.95:2"
    max_order = 8
    lyapunov = true
    refine = 1e-4
    block_size = 3
    """

    /// A grid sweep of a spec writes `/sweep` exactly as `platlas sweep --output` does (every
    /// dataset equal), prints the command's JSON as its result, and gives the same file on 1, 2
    /// and 4 ranks.
    @Test func gridSweepWritesWhatTheSweepCommandWritesOnAnyNumberOfRanks() throws {
        let (dir, spec) = try setUp(Self.gridSpec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try CLI.run(["run", spec, "--output", dir + "/run.h5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let command = try CLI.run(["sweep", dir + "/model.json", "--param", "A[0]", "--range", "0.8:0.9:6", "--param2", "h[1]",
                                   "--range2", "-1:-0.95:2", "--max-order", "8", "--lyapunov", "--refine", "1e-4", "--block-size", "3",
                                   "--seed", "5", "--output", dir + "/command.h5", "--json"])
        #expect(command.status == 0, "\(command.stderr)")
        let doc = try #require(CLI.json(run) as? [String: Any])
        let analyses = try #require(doc["analyses"] as? [[String: Any]])
        #expect(analyses.map { $0["group"] as? String } == ["/sweep"])
        let result = try #require(analyses[0]["result"] as? [String: Any])
        let direct = try #require(CLI.json(command) as? [String: Any])
        #expect((result["grid"] as? [Any])?.count == 12)
        #expect(NSArray(array: result["grid"] as! [Any]) == NSArray(array: direct["grid"] as! [Any]))
        #expect(NSArray(array: result["bifurcations"] as! [Any]) == NSArray(array: direct["bifurcations"] as! [Any]))
        #expect(!(result["bifurcations"] as! [Any]).isEmpty, "the family has bifurcations in a1 = 0.8 ... 0.9")

        #expect(try compareDatasets(dir + "/run.h5", "/sweep", dir + "/command.h5", "/sweep") > 20)
        let (status, text) = try CLI.python("""
        import h5py, sys
        r, c = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
        s = r['sweep']
        assert s.attrs['analysis'] == 'sweep' and s.attrs['complete'] == 1 and s.attrs['kind'] == 'parameters'
        for k in c['sweep'].attrs:
            assert s.attrs[k] == c['sweep'].attrs[k], k
        assert r['job'].attrs['completed'] == 1 and list(r['job/outcomes']) == ['sweep']
        assert s['done'][()].all() and s['bifurcations/refined'][()].all()
        print('ok')
        """, [dir + "/run.h5", dir + "/command.h5"])
        #expect(status == 0 && text == "ok\n", "\(text)")

        for ranks in [2, 4] {
            let out = dir + "/run-\(ranks).h5"
            #expect(try mpirun(ranks, ["run", spec, "--output", out]) == 0, "\(ranks) ranks")
            #expect(try compareDatasets(dir + "/run.h5", "/", out, "/") > 20, "\(ranks) ranks")
        }
    }

    /// A spec whose only analysis is a stack sweep needs no model: the stack is the run's
    /// `/model` and is kept in the sweep's group; the results are `platlas sweep --stack`'s.
    @Test func stackSweepNeedsNoModelAndMatchesTheCommand() throws {
        let stack = "{\"stack\": [" + [0.8, 0.84, 0.9].map { Self.family.replacingOccurrences(of: "[0.8,", with: "[\($0),") }
            .joined(separator: ", ") + "]}"
        let (dir, spec) = try setUp("[[sweep]]\nstack = \"stack.json\"\nmax_order = 16\ninitial_conditions = 4\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try stack.write(toFile: dir + "/stack.json", atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", spec, "--output", dir + "/run.h5"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("/sweep: 3 points (stack, 3)"), "\(run.stdout)")
        let command = try CLI.run(["sweep", "--stack", dir + "/stack.json", "--max-order", "16", "--initial-conditions", "4",
                                   "--output", dir + "/command.h5"])
        #expect(command.status == 0, "\(command.stderr)")
        // The run's /sweep also holds the stack (the command's file has it at /model only).
        #expect(try compareDatasets(dir + "/run.h5", "/sweep", dir + "/command.h5", "/sweep", ignoring: ["model"]) > 20)
        #expect(try compareDatasets(dir + "/run.h5", "/sweep/model", dir + "/command.h5", "/model") == 9)
        let (status, text) = try CLI.python("""
        import h5py, sys
        r = h5py.File(sys.argv[1], 'r')
        assert r['model'].attrs['stack_size'] == 3 and r['sweep/model'].attrs['stack_size'] == 3
        assert r['job'].attrs['model_path'] == sys.argv[2]
        assert r['sweep'].attrs['stack_path'] == sys.argv[2] and r['sweep'].attrs['kind'] == 'stack'
        # a1 = 0.84 has a pair of 16-cycles (docs/sweeps.md), 0.8 and 0.9 only the fixed point.
        s = r['sweep']
        for i, orders in enumerate([[1], [1, 16, 16], [1]]):
            o = s['cycle_offset'][i]
            assert sorted(s['cycles/order'][o:o + s['cycle_count'][i]]) == orders, (i, orders)
        print('ok')
        """, [dir + "/run.h5", dir + "/stack.json"])
        #expect(status == 0 && text == "ok\n", "\(text)")
    }

    static let longSpec = """
    name = "long"
    model = "model.json"
    seed = 2

    [[info]]

    [[sweep]]
    param = "A[0]"
    range = "0.8:0.99:24"
    param2 = "h[1]"
    range2 = "-1:-0.95:2"
    max_order = 7
    block_size = 2
    flush_interval = 1e-6

    [[cycles]]
    max_order = 3
    """

    /// A run killed inside its sweep and continued with `--resume` writes the same file as an
    /// uninterrupted run: the analysis before the sweep is kept, the sweep continues from its
    /// last written points, the analysis after it runs. The kill comes at a chosen point, right
    /// after the sweep has written 6 of its 48 points (PLATLAS_HALT_AFTER_POINTS; with a flush
    /// interval this short every round is one block of 2 points), whatever the machine's speed.
    @Test func killedRunContinuesToTheSameFile() throws {
        let (dir, spec) = try setUp(Self.longSpec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try CLI.run(["run", spec, "--output", dir + "/whole.h5", "--json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let out = dir + "/killed.h5", partial = out + ".partial"
        let killed = try CLI.runHalted(["run", spec, "--output", out], afterPoints: 6)
        #expect(killed.signalled && killed.status == SIGKILL, "\(killed.status): \(killed.stderr)")
        #expect(FileManager.default.fileExists(atPath: partial) && !FileManager.default.fileExists(atPath: out))
        let file = try File.open(partial)
        let completed = try file.root.openGroup("job").attributeInt("completed")
        let done = try file.root.readUInt8s("sweep/done").values.reduce(0) { $0 + Int($1) }
        try file.close()
        #expect(completed == 1 && done == 6, "killed inside the sweep after 6 points (completed \(completed), done \(done))")

        let resumed = try CLI.run(["run", spec, "--output", out, "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("continuing \(partial): 1 of 3 analyses done"), "\(resumed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try compareDatasets(dir + "/whole.h5", "/", out, "/") > 30)

        let a = try #require((CLI.json(whole) as? [String: Any])?["analyses"] as? [[String: Any]])
        let b = try #require((CLI.json(resumed) as? [String: Any])?["analyses"] as? [[String: Any]])
        #expect(b.map { $0["group"] as? String } == ["/info", "/sweep", "/cycles"])
        #expect(b[0]["from_checkpoint"] as? Bool == true && b[0]["result"] is NSNull)
        let sweepA = try #require(a[1]["result"] as? [String: Any]), sweepB = try #require(b[1]["result"] as? [String: Any])
        #expect(NSArray(array: sweepA["grid"] as! [Any]) == NSArray(array: sweepB["grid"] as! [Any]))
        #expect(NSArray(array: sweepA["bifurcations"] as! [Any]) == NSArray(array: sweepB["bifurcations"] as! [Any]))
        #expect((sweepB["stats"] as? [String: Any])?["resumed"] as? Int == done)
        let (status, text) = try CLI.python("""
        import h5py, sys
        j = h5py.File(sys.argv[1], 'r')['job']
        assert j.attrs['resumed'] == 1 and j.attrs['completed'] == 3, dict(j.attrs)
        assert h5py.File(sys.argv[1], 'r')['sweep'].attrs['resumed'] == 1
        assert h5py.File(sys.argv[2], 'r')['job'].attrs['resumed'] == 0
        print('ok')
        """, [out, dir + "/whole.h5"])
        #expect(status == 0 && text == "ok\n", "\(text)")
    }

    /// Without `--resume` a left-over checkpoint is not continued but overwritten, and says so;
    /// with `--resume` a checkpoint of another spec text is not continued either.
    @Test func leftOverCheckpointsAreOnlyContinuedWithResumeAndTheSameSpec() throws {
        let (dir, spec) = try setUp(Self.gridSpec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out.h5"
        try "not a checkpoint".write(toFile: out + ".partial", atomically: true, encoding: .utf8)
        let plain = try CLI.run(["run", spec, "--output", out])
        #expect(plain.status == 0 && plain.stderr.contains("not continuing \(out).partial (--resume not given): starting again"), "\(plain.stderr)")
        try "not a checkpoint".write(toFile: out + ".partial", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out)
        let resumed = try CLI.run(["run", spec, "--output", out, "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("(not a readable HDF5 file): starting again"), "\(resumed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
    }

    @Test func badSweepTablesNameTheLine() throws {
        let head = "model = \"model.json\"\n[[sweep]]\n"
        let grid = "param = \"A[0]\"\nrange = \"0.8:0.9:3\"\nmax_order = 2\n"
        let cases: [(String, String)] = [
            (head + grid + "colour = 1\n", "spec.toml:6: unknown key 'colour' in [[sweep]] (known: max_order, param, range"),
            (head + "param = \"B[0]\"\nrange = \"0:1:3\"\nmax_order = 2\n", "spec.toml:3: 'param': unknown parameter 'B' in 'B[0]'"),
            (head + grid + "param2 = \"W[2,0]\"\nrange2 = \"0:1:2\"\n", "spec.toml:6: 'param2': index out of range in 'W[2,0]'"),
            (head + "param = \"A[0]\"\nrange = \"1:1:3\"\nmax_order = 2\n", "spec.toml:4: 'range': range '1:1:3' is empty"),
            (head + "param = \"A[0]\"\nrange = \"0:1:0\"\nmax_order = 2\n", "spec.toml:4: 'range': range '0:1:0': n must be at least 1"),
            (head + "param = \"A[0]\"\nrange = 3\nmax_order = 2\n", "spec.toml:4: 'range' in [[sweep]] must be a string, not int"),
            (head + "max_order = 2\n", "spec.toml:2: [[sweep]] needs 'param' and 'range' (a parameter sweep) or 'stack'"),
            (head + "param = \"A[0]\"\nmax_order = 2\n", "spec.toml:3: 'param' needs 'range'"),
            (head + grid + "range2 = \"0:1:2\"\n", "spec.toml:6: 'range2' and 'direction2' need 'param2'"),
            (head + grid + "stack = \"model.json\"\n", "spec.toml:3: 'param' does not apply to a stack sweep"),
            (head + "stack = \"model.json\"\nmax_order = 2\nrefine = 0.01\n", "spec.toml:5: 'refine' does not apply to a stack sweep"),
            (head + "stack = \"none.json\"\nmax_order = 2\n", "spec.toml:3: stack: "),
            (head + grid + "param2 = \"h[1]\"\nrange2 = \"0:1:2\"\norbit_diagram = true\n", "spec.toml:8: 'orbit_diagram' is for 1D sweeps"),
            (head + grid + "lyapunov_steps = 100\n", "spec.toml:6: 'lyapunov_steps' needs lyapunov = true"),
            (head + grid + "orbit_samples = 10\n", "spec.toml:6: 'orbit_samples' needs orbit_diagram = true"),
            (head + "param = \"h+u\"\nrange = \"0:1:3\"\nmax_order = 2\n", "spec.toml:3: 'param' = 'h+u' needs 'direction'"),
            (head + "param = \"h+u\"\nrange = \"0:1:3\"\ndirection = [1, 2, 3]\nmax_order = 2\n",
             "spec.toml:3: 'param': the direction for 'h+u' has 3 values, h has 2"),
            (head + "param = \"h+u\"\nrange = \"0:1:3\"\ndirection = [1, \"x\"]\nmax_order = 2\n",
             "spec.toml:5: 'direction' in [[sweep]] must be an array of numbers"),
            (head + "param = \"h+u\"\nrange = \"0:1:3\"\ndirection = \"nofile.txt\"\nmax_order = 2\n", "spec.toml:5: 'direction': cannot read"),
            (head + grid + "direction = [1, 0]\n", "spec.toml:6: 'direction' is for a parameter of the form NAME+u, not 'A[0]'"),
            (head + grid + "flush_interval = 0\n", "spec.toml:6: 'flush_interval' in [[sweep]] must be a positive number of seconds"),
            (head + grid + "refine = -1\n", "spec.toml:6: 'refine' in [[sweep]] must be a positive tolerance"),
            (head + grid + "block_size = 0\n", "spec.toml:6: 'block_size' in [[sweep]] must be at least 1"),
            (head + "param = \"A[0]\"\nrange = \"0:1:3\"\n", "spec.toml:2: [[sweep]] needs 'max_order'"),
        ]
        for (text, fragment) in cases {
            let (dir, spec) = try setUp(text)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            for command in [["run", spec, "--output", dir + "/o.h5"], ["submit", spec, "--output", dir + "/o.h5", "--dry-run"]] {
                let result = try CLI.run(command)
                #expect(result.status == 2, "\(fragment): \(command[0]) exit \(result.status)")
                #expect(result.stderr.contains(fragment), "expected '\(fragment)' in: \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/o.h5") && !FileManager.default.fileExists(atPath: dir + "/o.h5.partial"))
        }
    }

    /// The shipped 2D chart, as shipped: every point done; at grid points, the cycles are those
    /// `platlas cycles` finds for the model with the point's parameters (orders up to 6 are
    /// enumerated exactly by both); where a stable cycle is the only attractor the largest
    /// exponent is negative; part of the chart is chaotic.
    @Test func shippedToyMapChartRuns() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/chart.h5"
        let run = try CLI.run(["run", CLI.repository + "/jobs/toymap-chart.toml", "--output", out])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(out)
        let root = file.root
        let done = try root.readUInt8s("sweep/done").values
        #expect(done.count == 256 && done.allSatisfy { $0 == 1 })
        #expect(try root.openGroup("sweep").attributeString("specs") == "W[0,0];W[1,0]")
        let values = try root.readDoubles("sweep/parameter_values").values
        let lyapunov = try root.readDoubles("sweep/lyapunov").values
        let attractors = try root.readInt64s("sweep/attractor_count").values
        let offsets = try root.readInt64s("sweep/cycle_offset").values, counts = try root.readInt64s("sweep/cycle_count").values
        let orders = try root.readInt64s("sweep/cycles/order").values, stability = try root.readUInt8s("sweep/cycles/stability").values
        let points = try root.readDoubles("sweep/cycles/points").values, pointOffsets = try root.readInt64s("sweep/cycles/point_offset").values
        let bifurcations = try root.readInt64s("sweep/bifurcations/order").values
        try file.close()
        func stableCycles(_ i: Int) -> Int { (Int(offsets[i])..<Int(offsets[i] + counts[i])).filter { stability[$0] == 0 }.count }
        #expect(lyapunov.contains { $0 > 0.1 }, "a chaotic part")
        #expect(lyapunov.contains { $0.isNaN }, "a part where every orbit diverges")
        #expect(!bifurcations.isEmpty)
        // The postprocessing example draws the chart and reports what it read.
        let (drawn, drawText) = try CLI.python("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                               [CLI.repository + "/scripts/postprocess-example.py", out, dir + "/chart.png"])
        #expect(drawn == 0, "\(drawText)")
        let positive = lyapunov.filter { $0 > 0 }.count
        #expect(drawText.contains("toymap-chart: sweep 16 x 16 over W[0,0], W[1,0], \(bifurcations.count) bifurcations, \(positive) points with a positive exponent"),
                "\(drawText)")
        #expect(FileManager.default.fileExists(atPath: dir + "/chart.png"))
        var stableOnly = 0
        for i in 0..<256 where attractors[i] == 1 && stableCycles(i) == 1 {
            #expect(lyapunov[i] < 0, "point \(i): a stable cycle is the only attractor, exponent \(lyapunov[i])")
            stableOnly += 1
        }
        #expect(stableOnly > 10)
        // Independent searches at three points: the first stable-only point, the first chaotic
        // one, and the middle of the grid.
        let picks = [(0..<256).first { attractors[$0] == 1 && stableCycles($0) == 1 }!, (0..<256).first { lyapunov[$0] > 0.1 }!, 136]
        let base = try String(contentsOfFile: CLI.repository + "/jobs/models/toymap.json", encoding: .utf8)
        for i in picks {
            let (w00, w10) = (values[2 * i], values[2 * i + 1])
            let model = base.replacingOccurrences(of: "\"W\": [[3.27, 0], [0.15, 0]]", with: "\"W\": [[\(w00), 0], [\(w10), 0]]")
            #expect(model != base)
            try model.write(toFile: dir + "/point.json", atomically: true, encoding: .utf8)
            let cycles = try CLI.run(["cycles", dir + "/point.json", "--max-order", "6", "--json"])
            let found = try #require((CLI.json(cycles) as? [String: Any])?["cycles"] as? [[String: Any]])
            func key(_ order: Int, _ stable: Bool, _ first: [Double]) -> String {
                "\(order) \(stable) " + first.map { String(format: "%.8f", $0) }.joined(separator: ",")
            }
            // Each cycle by order, stability and its canonical first point.
            var fromSweep: [String] = [], fromCycles: [String] = []
            for r in Int(offsets[i])..<Int(offsets[i] + counts[i]) {
                let first = 2 * Int(pointOffsets[r])
                fromSweep.append(key(Int(orders[r]), stability[r] == 0, Array(points[first..<(first + 2)])))
            }
            for c in found {
                let order = c["order"] as! Int, stable = c["stability"] as! String == "stable"
                fromCycles.append(key(order, stable, (c["points"] as! [[Double]])[0]))
            }
            fromSweep.sort()
            fromCycles.sort()
            #expect(fromSweep == fromCycles, "point \(i) (W[0,0] = \(w00), W[1,0] = \(w10))")
        }
    }

    /// The shipped training-snapshot spec, as shipped (it reads the stack beside the
    /// repository): the results of `platlas sweep --stack` with its options; every snapshot
    /// has a stable fixed point.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: snapshots),
                   "skipped: needs ../shared/models/shplrnn_training_snapshots.json beside the repository (not part of it)"))
    func shippedSnapshotSpecRuns() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try CLI.run(["run", CLI.repository + "/jobs/snapshots.toml", "--output", dir + "/snapshots.h5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let command = try CLI.run(["sweep", "--stack", Self.snapshots, "--max-order", "6", "--lyapunov", "--seed", "1", "--json"])
        #expect(command.status == 0, "\(command.stderr)")
        let result = try #require(((CLI.json(run) as? [String: Any])?["analyses"] as? [[String: Any]])?.first?["result"] as? [String: Any])
        let direct = try #require(CLI.json(command) as? [String: Any])
        let grid = try #require(result["grid"] as? [[String: Any]])
        #expect(grid.count == 15)
        #expect(NSArray(array: grid) == NSArray(array: direct["grid"] as! [Any]))
        #expect(NSArray(array: result["bifurcations"] as! [Any]) == NSArray(array: direct["bifurcations"] as! [Any]))
        for point in grid {
            let cycles = point["cycles"] as! [[String: Any]]
            #expect(cycles.contains { $0["order"] as! Int == 1 && $0["stability"] as! String == "stable" }, "\(point["values"]!)")
        }
        let (status, text) = try CLI.python("""
        import h5py, sys, os
        f = h5py.File(sys.argv[1], 'r')
        assert f['model'].attrs['stack_size'] == 15 and f['sweep'].attrs['kind'] == 'stack'
        assert os.path.samefile(f['job'].attrs['model_path'], sys.argv[2])
        print('ok')
        """, [dir + "/snapshots.h5", Self.snapshots])
        #expect(status == 0 && text == "ok\n", "\(text)")
    }
}
