import Foundation
import Testing

@Suite(.serialized)
struct CyclesCommandTests {
    static let sixteen = #"{"type": "plrnn", "A": [0.8377689, 0.96461297], "W": [[0, -0.64375], [0.52505308, 0]], "h": [0.37298253, -0.97931491]}"#

    func write(_ text: String, in dir: String, name: String = "model.json") throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func jsonOutputFollowsTheContract() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.sixteen, in: dir)
        let result = try CLI.run(["cycles", model, "--max-order", "16", "--json", "--seed", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(CLI.json(result) as? [String: Any], "stdout must be exactly one JSON document")
        let cycles = try #require(doc["cycles"] as? [[String: Any]])
        #expect(cycles.map { $0["order"] as! Int }.sorted() == [1, 16, 16])
        for c in cycles {
            for key in ["order", "points", "eigenvalues", "stability", "unstable_dimension", "regions"] {
                #expect(c[key] != nil, "missing \(key)")
            }
            let order = c["order"] as! Int
            #expect((c["points"] as! [[Double]]).count == order)
            #expect((c["regions"] as! [String]).count == order)
            #expect((c["eigenvalues"] as! [[Double]]).allSatisfy { $0.count == 2 })
        }
        let stats = try #require(doc["stats"] as? [String: Any])
        #expect((stats["orders"] as? [[String: Any]])?.count == 16)
        #expect(stats["candidates"] as? Int ?? 0 > 0)
    }

    @Test func outputFileHoldsCyclesModelAndProvenance() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.sixteen, in: dir)
        let out = dir + "/cycles.h5"
        let result = try CLI.run(["cycles", model, "--max-order", "16", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(listing == ["cycles.h5", "model.json"], "no temporary file left: \(listing)")
        let python = """
        import h5py, sys
        f = h5py.File(sys.argv[1], 'r')
        for a in ('platlas_version', 'schema_version', 'created', 'command', 'ranks'):
            assert a in f.attrs, a
        assert f.attrs['ranks'] == 1
        assert ' cycles ' in f.attrs['command'] and '--max-order 16' in f.attrs['command'], f.attrs['command']
        orders = sorted(f['cycles/order'][()].tolist())
        assert orders == [1, 16, 16], orders
        assert f['cycles/points'].shape == (33, 2)
        assert f['cycles/eigenvalues'].shape == (3, 2, 2)
        assert f['model'].attrs['type'] == 'plrnn'
        print('ok')
        """
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = ["-c", python, out]
        let pipe = Pipe()
        check.standardOutput = pipe
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "ok\n")
    }

    @Test func badOptions() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.sixteen, in: dir)
        let cases: [([String], String)] = [
            (["--max-order", "0"], "--max-order must be at least 1"),
            (["--max-order", "-3"], "--max-order"),
            (["--max-order", "1000000"], "beyond any useful search"),
            (["--max-order", "2", "--restarts", "0"], "--restarts must be at least 1"),
            (["--max-order", "2", "--output", dir + "/out.txt"], "must name an HDF5 file"),
            (["--max-order", "2", "--output", dir + "/missing/out.h5"], "does not exist"),
            (["--max-order", "2", "--bogus"], "Unknown option"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(["cycles", model] + arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
    }

    @Test func exhaustiveRefusalIsABadInput() throws {
        let result = try CLI.run(["cycles", CLI.sharedModel("plrnn_lorenz_m10.json"), "--max-order", "5", "--exhaustive"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("exhaustive search would evaluate") && result.stderr.contains("--exhaustive-limit"))
    }

    @Test func interruptedRunLeavesNoFinishedLookingFile() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try write(Self.sixteen, in: dir)
        let out = dir + "/long.h5"
        // Stopped (SIGTERM, as a time limit) once it has reported its first order.
        let running = try CLI.start(["cycles", model, "--max-order", "400", "--output", out])
        #expect(running.waitForStandardError(containing: "order 1:"), "\(running.stderr)")
        running.signal(SIGTERM)
        let result = try running.wait()
        #expect(result.signalled && result.status == SIGTERM, "\(result.status): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
