import Foundation
import Testing

/// `platlas run`, `submit --dry-run` and `collect`, through the built binary.
@Suite(.serialized)
struct JobsCommandTests {
    static let sixteen = #"{"type": "plrnn", "A": [0.8377689, 0.96461297], "W": [[0, -0.64375], [0.52505308, 0]], "h": [0.37298253, -0.97931491]}"#

    /// A directory holding `model.json` and the spec `spec.toml` with `text`.
    func setUp(_ text: String) throws -> (dir: String, spec: String) {
        let dir = CLI.temporaryDirectory()
        try Self.sixteen.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try text.write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        return (dir, dir + "/spec.toml")
    }

    /// Runs python (Debian's, with h5py) on `script` with `arguments`; its stdout.
    func python(_ script: String, _ arguments: [String]) throws -> (Int32, String) { try CLI.python(script, arguments) }

    static let spec = """
    # a spec
    name = "sixteen"
    model = "model.json"
    seed = 3

    [[info]]

    [[cycles]]
    max_order = 16
    """

    @Test func runWritesEveryAnalysisWithTheSpecAndMatchesTheCyclesCommand() throws {
        let (dir, spec) = try setUp(Self.spec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out.h5"
        let result = try CLI.run(["run", spec, "--output", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any], "stdout must be one JSON document")
        #expect(doc["name"] as? String == "sixteen")
        let analyses = try #require(doc["analyses"] as? [[String: Any]])
        #expect(analyses.map { $0["group"] as? String } == ["/info", "/cycles"])
        let runCycles = try #require((analyses[1]["result"] as? [String: Any])?["cycles"] as? [[String: Any]])

        // The same search through `platlas cycles`: the same cycles.
        let direct = try CLI.run(["cycles", dir + "/model.json", "--max-order", "16", "--seed", "3", "--json"])
        #expect(direct.status == 0)
        let directCycles = try #require((CLI.json(direct) as? [String: Any])?["cycles"] as? [[String: Any]])
        #expect(runCycles.count == 3)
        #expect(NSArray(array: runCycles.map { $0["points"]! }) == NSArray(array: directCycles.map { $0["points"]! }))
        #expect(runCycles.map { $0["stability"] as! String } == directCycles.map { $0["stability"] as! String })

        let check = """
        import h5py, sys
        f = h5py.File(sys.argv[1], 'r')
        assert f.attrs['ranks'] == 1 and f.attrs['schema_version'] >= 1
        assert sorted(f) == ['cycles', 'info', 'job', 'model'], sorted(f)
        j = f['job']
        assert j.attrs['name'] == 'sixteen' and j.attrs['spec'] == open(sys.argv[2]).read()
        assert j.attrs['model_path'].endswith('/model.json')
        assert list(j['analyses'][()].astype(str)) == ['info', 'cycles']
        assert list(j['kinds'][()].astype(str)) == ['info', 'cycles']
        assert f['cycles'].attrs['analysis'] == 'cycles' and f['cycles'].attrs['seed'] == 3
        assert sorted(f['cycles/order'][()].tolist()) == [1, 16, 16]
        assert f['info'].attrs['type'] == 'plrnn' and f['info'].attrs['dimension'] == 2
        print('ok')
        """
        let (status, text) = try python(check, [out, spec])
        #expect(status == 0 && text == "ok\n", "\(text)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(listing == ["model.json", "out.h5", "spec.toml"], "no temporary file left: \(listing)")
    }

    @Test func defaultOutputModelOverrideAndResume() throws {
        let (dir, spec) = try setUp("model = \"missing.json\"\n[cycles]\nmax_order = 2\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The spec's model is missing; --model replaces it (relative to the current directory).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", spec, "--model", "model.json"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.environment = CLI.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/spec.h5"), "default output NAME.h5 in the current directory")

        let out = dir + "/r.h5"
        #expect(try CLI.run(["run", spec, "--model", dir + "/model.json", "--output", out]).status == 0)
        let before = try FileManager.default.attributesOfItem(atPath: out)[.modificationDate] as? Date
        let again = try CLI.run(["run", spec, "--model", dir + "/model.json", "--output", out, "--resume"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already complete"), "\(again.stdout)")
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.modificationDate] as? Date == before)
    }

    @Test func badSpecsNameTheLine() throws {
        let model = "model = \"model.json\"\n"
        let cases: [(String, String)] = [
            (model + "\n[[cycles]]\nmax_order = 3\nbogus = 1\n", "spec.toml:5: unknown key 'bogus' in [[cycles]]"),
            (model + "[[cycles]]\nmax_order = 3\n\n[[sweep]]\nmax_order = 1\n",
             "spec.toml:5: [[sweep]] needs 'param' and 'range' (a parameter sweep) or 'stack'"),
            (model + "[[manifold]]\nkind = \"stable\"\n", "spec.toml:2: [[manifold]] needs the saddle: 'cycle' (or 'saddle') or 'point'"),
            (model + "[[manifold]]\ncycle = 0\nkind = \"sideways\"\n", "spec.toml:4: 'kind' must be stable, unstable or both"),
            (model + "[[manifold]]\npoint = \"1,x\"\n", "spec.toml:3: 'point' must be numbers separated by commas"),
            (model + "[[basins]]\nsaddle = 0\ngrid = 1\n", "spec.toml:4: 'grid' in [[basins]] must be at least 2"),
            (model + "[[basins]]\nsaddle = 0\ncolour = 1\n", "spec.toml:4: unknown key 'colour' in [[basins]]"),
            (model + "[[intersections]]\nsaddle = 0\ntolerance = 2\n", "spec.toml:4: 'tolerance' in [[intersections]] must be between 0 and 1"),
            (model + "[[intersections]]\nsaddle = 0\nbounds = \"3:1\"\n", "spec.toml:4: 'bounds' must be lo:hi"),
            (model + "[[cycles]]\nmax_order = 3\n[[lyapunov]]\nsteps = 1\n", "spec.toml:4: unknown analysis 'lyapunov'"),
            (model + "colour = 3\n[[cycles]]\nmax_order = 3\n", "spec.toml:2: unknown key 'colour'"),
            (model + "mpiio_hints = \"striping_factor\"\n[[cycles]]\nmax_order = 3\n", "spec.toml:2: 'mpiio_hints': 'striping_factor' is not key=value"),
            (model + "mpiio_hints = 4\n[[cycles]]\nmax_order = 3\n", "spec.toml:2: 'mpiio_hints' must be a table of MPI-IO hints"),
            (model + "mpiio_hints = { cb = [1] }\n[[cycles]]\nmax_order = 3\n", "spec.toml:2: 'mpiio_hints.cb' must be a text"),
            ("model = \"nothere.json\"\n[[cycles]]\nmax_order = 3\n", "spec.toml:1: model: "),
            (model + "[[cycles]]\nmax_order = \"x\"\n", "spec.toml:3: 'max_order' in [[cycles]] must be an integer"),
            (model + "[[cycles]]\nmax_order = 0\n", "spec.toml:3: 'max_order' in [[cycles]] must be at least 1"),
            (model + "[[cycles]]\nseed = 1\n", "spec.toml:2: [[cycles]] needs 'max_order'"),
            (model + "[[cycles]\nmax_order = 3\n", "spec.toml:2: not valid TOML"),
            (model + "[[cycles]]\nmax_order = 3\n[[cycles]]\nmax_order = 4\n", "spec.toml:4: only one [[cycles]]"),
            (model, "no analyses"),
            ("[[cycles]]\nmax_order = 3\n", "no model"),
        ]
        for (text, fragment) in cases {
            let (dir, spec) = try setUp(text)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let result = try CLI.run(["run", spec, "--output", dir + "/o.h5"])
            #expect(result.status == 2, "\(fragment): exit \(result.status)")
            #expect(result.stderr.contains(fragment), "expected '\(fragment)' in: \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/o.h5"))
        }
        let missing = try CLI.run(["run", "/nonexistent/spec.toml"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/spec.toml: no such file"), "\(missing.stderr)")
        let (dir, spec) = try setUp("[[cycles]]\nmax_order = 3\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let badModel = try CLI.run(["run", spec, "--model", dir + "/none.json"])
        #expect(badModel.status == 2 && badModel.stderr.contains("--model: "), "\(badModel.stderr)")
    }

    /// MPI-IO hints from the spec (a table or key=value text) and from PLATLAS_MPIIO_HINTS
    /// leave a one-process result as it is; a malformed variable is one line and exit 2.
    @Test func mpiIOHintsAreTakenAndChecked() throws {
        let plain = "model = \"model.json\"\n[[cycles]]\nmax_order = 3\n"
        let (dir, spec) = try setUp(plain)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference = try CLI.run(["run", spec, "--output", dir + "/plain.h5", "--json"])
        #expect(reference.status == 0, "\(reference.stderr)")
        for hints in ["mpiio_hints = { romio_cb_write = \"enable\", striping_factor = 4 }\n", "mpiio_hints = \"cb_nodes=1, romio_ds_write=disable\"\n"] {
            try (hints + plain).write(toFile: spec, atomically: true, encoding: .utf8)
            let hinted = try CLI.run(["run", spec, "--output", dir + "/hinted.h5", "--json"], environment: ["PLATLAS_MPIIO_HINTS": "cb_buffer_size=1048576"])
            #expect(hinted.status == 0, "\(hints): \(hinted.stderr)")
            let a = try #require(CLI.json(reference) as? [String: Any]), b = try #require(CLI.json(hinted) as? [String: Any])
            #expect(BothWaysTests.difference(BothWaysTests.strip(a["analyses"]!), BothWaysTests.strip(b["analyses"]!)) == nil)
        }
        let bad = try CLI.run(["info", dir + "/model.json"], environment: ["PLATLAS_MPIIO_HINTS": "romio_cb_write"])
        #expect(bad.status == 2 && bad.stderr.contains("PLATLAS_MPIIO_HINTS: 'romio_cb_write' is not key=value"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "one line: \(bad.stderr)")
    }

    @Test func submitDryRunFillsTheTemplate() throws {
        let (dir, spec) = try setUp(Self.spec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLI.run(["submit", spec, "--nodes", "2", "--ntasks-per-node", "3", "--time", "01:30:00",
                                  "--partition", "compute", "--output", dir + "/x.h5", "--dry-run", "--resume"])
        #expect(result.status == 0, "\(result.stderr)")
        let script = result.stdout
        for line in ["#SBATCH --job-name=sixteen", "#SBATCH --partition=compute", "#SBATCH --nodes=2",
                     "#SBATCH --ntasks-per-node=3", "#SBATCH --time=01:30:00", "spec=\"\(spec)\"",
                     "output=\"\(dir)/x.h5\"", "export OPENBLAS_NUM_THREADS=1",
                     "srun --mpi=pmix --kill-on-bad-exit=1 \"$platlas\" run \"$spec\" --output \"$output\" --resume || status=$?"] {
            #expect(script.contains(line + "\n"), "missing: \(line)")
        }
        #expect(script.range(of: #"@[A-Z_]+@"#, options: .regularExpression) == nil, "placeholder left")
        let platlasLine = try #require(script.split(separator: "\n").first { $0.hasPrefix("platlas=\"") })
        #expect(platlasLine.hasPrefix("platlas=\"/") && platlasLine.hasSuffix("/platlas\""), "\(platlasLine)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sixteen.sbatch"), "a dry run writes nothing")

        // No partition: the line is commented out, the cluster's default applies.
        let plain = try CLI.run(["submit", spec, "--output", dir + "/x.h5", "--dry-run"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("##SBATCH --partition=") && !plain.stdout.contains("\n#SBATCH --partition"))

        // An array over two models, and the collect job after it.
        try "model.json\n\(dir)/model.json\n".write(toFile: dir + "/models.txt", atomically: true, encoding: .utf8)
        let array = try CLI.run(["submit", spec, "--array", dir + "/models.txt", "--output", dir + "/all.h5",
                                 "--dry-run", "--max-concurrent", "1"])
        #expect(array.status == 0, "\(array.stderr)")
        for line in ["#SBATCH --array=0-1%1", "outdir=\"\(dir)/all-tasks\"", "model_list=\"\(dir)/all-tasks/models.txt\"",
                     "#SBATCH --dependency=afterok:ARRAY_JOB_ID", "output=\"\(dir)/all.h5\"", "#SBATCH --job-name=sixteen-collect"] {
            #expect(array.stdout.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test func shippedSpecsAreValid() throws {
        let jobs = CLI.repository + "/jobs"
        let specs = try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(specs.contains("duffing.toml") && specs.contains("survey.toml") && specs.contains("toymap-chart.toml"))
        // snapshots.toml reads its stack from ../shared beside the repository; without it that
        // spec is refused (JobsSweepTests.shippedSnapshotSpecRuns is skipped, saying so).
        let sharedStack = FileManager.default.fileExists(atPath: CLI.sharedModel("shplrnn_training_snapshots.json"))
        for spec in specs where sharedStack || spec != "snapshots.toml" {
            let result = try CLI.run(["submit", jobs + "/" + spec, "--output", NSTemporaryDirectory() + "x.h5", "--dry-run"])
            #expect(result.status == 0, "\(spec): \(result.stderr)")
        }
        let array = try CLI.run(["submit", jobs + "/survey.toml", "--array", jobs + "/survey-models.txt",
                                 "--output", NSTemporaryDirectory() + "x.h5", "--dry-run"])
        #expect(array.status == 0 && array.stdout.contains("#SBATCH --array=0-2\n"), "\(array.stderr)")
    }

    /// Runs the shipped specs that take seconds (the Duffing basin boundary whole; of the Lorenz
    /// spec its [[manifold]] table, its cycle search up to order 6 being minutes) and checks
    /// their groups with h5py.
    @Test func fastShippedSpecsRunAndWriteTheirGroups() throws {
        let jobs = CLI.repository + "/jobs"
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lorenz = try String(contentsOfFile: jobs + "/lorenz63.toml", encoding: .utf8)
        let manifoldTable = try #require(lorenz.range(of: "[[manifold]]"))
        let lorenzManifold = "name = \"lorenz63-manifold\"\nmodel = \"\(jobs)/models/lorenz63.json\"\n" + lorenz[manifoldTable.lowerBound...]
        try lorenzManifold.write(toFile: dir + "/lorenz63-manifold.toml", atomically: true, encoding: .utf8)
        let cases: [(spec: String, groups: [String])] = [
            (jobs + "/duffing.toml", ["info", "cycles", "manifolds/cycle1-stable"]),
            (dir + "/lorenz63-manifold.toml", ["manifolds/point-stable"]),
        ]
        for (spec, groups) in cases {
            let out = dir + "/out.h5"
            try? FileManager.default.removeItem(atPath: out)
            let result = try CLI.run(["run", spec, "--output", out])
            #expect(result.status == 0, "\(spec): \(result.stderr)")
            let (status, text) = try python("""
            import h5py, sys
            f = h5py.File(sys.argv[1], 'r')
            for g in sys.argv[2:]:
                print(g, g in f, f[g].attrs.get('analysis') if g in f else None)
            if 'manifolds/cycle1-stable' in f:
                m = f['manifolds/cycle1-stable']
                print('basins', m.attrs['basin_plus'], m.attrs['basin_minus'], m.attrs['grid_agreement'] > 0.95, m['sheets/origin'].shape[0] > 0)
            if 'manifolds/point-stable' in f:
                m = f['manifolds/point-stable']
                print('stable', m.attrs['kind'], m.attrs['dimension'], m['points'].shape[0] > 0)
            """, [out] + groups)
            #expect(status == 0, "\(text)")
            for g in groups { #expect(text.contains("\(g) True"), "\(spec): \(g) missing: \(text)") }
            if groups.contains("manifolds/cycle1-stable") {
                #expect(text.contains("basins 0 2 True True"), "\(text)")
            } else {
                #expect(text.contains("stable stable 1 True"), "\(text)")
            }
        }
    }

    @Test func submitRefusesBadInputBeforeSubmitting() throws {
        let (dir, spec) = try setUp(Self.spec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "model.json\nmissing.json\n".write(toFile: dir + "/models.txt", atomically: true, encoding: .utf8)
        try (Self.spec + "\n[[sweep]]\n").write(toFile: dir + "/later.toml", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            ([spec, "--time", "soon", "--dry-run"], "--time must be"),
            ([spec, "--nodes", "0", "--dry-run"], "--nodes must be at least 1"),
            ([spec, "--output", dir + "/x.txt", "--dry-run"], "must name an HDF5 file"),
            ([spec, "--output", dir + "/no/x.h5", "--dry-run"], "does not exist"),
            ([spec, "--array", dir + "/models.txt", "--dry-run"], "models.txt:2: no model file"),
            ([spec, "--templates", dir, "--dry-run"], "no platlas.sbatch in"),
            ([dir + "/later.toml", "--dry-run"], "later.toml:10: [[sweep]] needs 'max_order'"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(["submit"] + arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(result.stderr.contains(fragment), "expected '\(fragment)' in: \(result.stderr)")
        }
    }

    @Test func collectCopiesEveryInputExactlyAndRefusesMixedSchemas() throws {
        let (dir, spec) = try setUp(Self.spec)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<3 {
            try "name = \"t\(i)\"\nmodel = \"model.json\"\nseed = \(i)\n[[info]]\n[[cycles]]\nmax_order = \(4 + i)\n"
                .write(toFile: dir + "/s\(i).toml", atomically: true, encoding: .utf8)
            let r = try CLI.run(["run", dir + "/s\(i).toml", "--output", dir + "/task-\(i * 5).h5"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        _ = spec
        // A glob, expanded by collect itself in numeric order: task-0, task-5, task-10.
        let result = try CLI.run(["collect", dir + "/all.h5", dir + "/task-*.h5"])
        #expect(result.status == 0, "\(result.stderr)")
        let check = """
        import h5py, sys, numpy as np
        out = h5py.File(sys.argv[1], 'r')
        inputs = sys.argv[2:]
        assert out['tasks'].attrs['count'] == 3 and out.attrs['collected'] == 3
        assert [s.decode() for s in out['sources'][()]] == inputs, out['sources'][()]
        assert sorted(out) == ['sources', 'tasks'] and sorted(out['tasks']) == ['0', '1', '2']
        def same(x, y, path):
            for k in x.attrs:
                assert np.array_equal(np.asarray(x.attrs[k]), np.asarray(y.attrs[k])), (path, k)
            if isinstance(x, h5py.Group):
                assert set(x) == set(y), (path, set(x) ^ set(y))
                for k in x: same(x[k], y[k], path + '/' + k)
            else:
                assert x.shape == y.shape and x.dtype == y.dtype, (path, x.dtype, y.dtype)
                assert np.array_equal(x[()], y[()], equal_nan=x.dtype.kind == 'f'), path
        for i, p in enumerate(inputs):
            t = out['tasks'][str(i)]
            same(h5py.File(p, 'r'), t, p)
            assert t.attrs['source'] == p
        assert [out['tasks'][str(i)]['job'].attrs['name'] for i in range(3)] == ['t0', 't1', 't2']
        print('ok')
        """
        let inputs = [0, 5, 10].map { dir + "/task-\($0).h5" }
        let (status, text) = try python(check, [dir + "/all.h5"] + inputs)
        #expect(status == 0 && text == "ok\n", "\(text)")

        // The example script draws the collected file (one panel per task), headless.
        let script = CLI.repository + "/scripts/postprocess-example.py"
        let (drawn, drawText) = try python("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                           [script, dir + "/all.h5", dir + "/all.png"])
        #expect(drawn == 0, "\(drawText)")
        #expect(drawText.contains("task 2 (t2): "), "\(drawText)")
        #expect(FileManager.default.fileExists(atPath: dir + "/all.png"))

        // A file of another schema version: refused, naming both files; nothing written.
        let (s2, t2) = try python("import h5py, sys; h5py.File(sys.argv[1], 'a').attrs['schema_version'] = 99", [inputs[1]])
        #expect(s2 == 0, "\(t2)")
        let mixed = try CLI.run(["collect", dir + "/mixed.h5"] + inputs)
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("\(inputs[0]) has schema_version ") && mixed.stderr.contains("but \(inputs[1]) has 99"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/mixed.h5"))

        for (arguments, fragment) in [([dir + "/x.h5", dir + "/none.h5"], "none.h5: no such file"),
                                      ([dir + "/x.h5", dir + "/s0.toml"], "s0.toml: not an HDF5 file"),
                                      ([dir + "/x.h5", dir + "/nomatch-*.h5"], "no file matches"),
                                      ([dir + "/x.h5", inputs[0], inputs[0]], "is named twice")] {
            let r = try CLI.run(["collect"] + arguments)
            #expect(r.status == 2 && r.stderr.contains(fragment), "\(arguments): \(r.stderr)")
        }
    }
}
