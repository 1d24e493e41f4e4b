import Foundation
import HDF5
import Testing

/// Output files survive a second run on the same output, a full disk and kills (docs/cluster.md,
/// "Outputs"). Every fault comes at a chosen point (a process that stops itself, a disk of a
/// chosen size), never after a measured time.
@Suite
struct OutputSafetyTests {
    /// A command that writes a file: its inputs in the directory `IN` (prepared by `fixture`),
    /// its output `output` in the directory `OUT`.
    struct Writer: CustomTestStringConvertible, Sendable {
        var name: String
        /// The file it writes (relative to OUT) that a second run must not touch.
        var output: String
        /// Its arguments.
        var arguments: [String]
        /// Every file it writes (relative to OUT), if more than `output`.
        var others: [String] = []
        /// The second run's arguments, if they differ (another output sharing a checkpoint).
        var second: [String]?
        /// Whether `output` is a JSON file (otherwise HDF5).
        var json = false
        var testDescription: String { name }

        static func expand(_ arguments: [String], input: String, output: String) -> [String] {
            arguments.map { $0.replacingOccurrences(of: "IN/", with: input + "/").replacingOccurrences(of: "OUT/", with: output + "/") }
        }

        func arguments(input: String, output: String) -> [String] { Self.expand(arguments, input: input, output: output) }
    }

    static let manifold = ["manifold", "IN/model.json", "--cycle", "0", "--kind", "unstable"]
    static let fit = ["fit", "--system", "bistable", "--samples", "200", "--hidden", "5", "--skip-long-horizon"]

    static let writers: [Writer] = [
        Writer(name: "cycles", output: "out.h5", arguments: ["cycles", "IN/model.json", "--max-order", "2", "--output", "OUT/out.h5"]),
        Writer(name: "manifold", output: "out.h5", arguments: manifold + ["--output", "OUT/out.h5"]),
        Writer(name: "manifold checkpoint", output: "shared.checkpoint.h5",
               arguments: manifold + ["--output", "OUT/one.h5", "--checkpoint", "OUT/shared.checkpoint.h5", "--checkpoint-every", "1", "--keep-checkpoint"],
               others: ["one.h5"],
               second: manifold + ["--output", "OUT/two.h5", "--checkpoint", "OUT/shared.checkpoint.h5", "--checkpoint-every", "1"]),
        Writer(name: "basins", output: "out.h5", arguments: ["basins", "IN/model.json", "--saddle", "0", "--output", "OUT/out.h5"]),
        Writer(name: "intersections", output: "out.h5", arguments: ["intersections", "IN/model.json", "--saddle", "0", "--output", "OUT/out.h5"]),
        Writer(name: "sweep", output: "out.h5",
               arguments: ["sweep", "IN/model.json", "--param", "h[0]", "--range", "-0.3:-0.2:4", "--max-order", "2", "--output", "OUT/out.h5"]),
        Writer(name: "run", output: "out.h5", arguments: ["run", "IN/spec.toml", "--output", "OUT/out.h5"]),
        Writer(name: "fit", output: "out.h5", arguments: fit + ["--output", "OUT/out.h5"]),
        Writer(name: "fit --json-model", output: "out.json", arguments: fit + ["--json-model", "OUT/out.json"], json: true),
        Writer(name: "convert", output: "out.h5", arguments: ["convert", "IN/model.json", "OUT/out.h5"]),
        Writer(name: "collect", output: "out.h5", arguments: ["collect", "OUT/out.h5", "IN/input.h5"]),
    ]

    /// A directory with the inputs every writer needs: a model with a saddle fixed point
    /// (cycle 0), a spec, and a result file to collect.
    static func fixture() throws -> String {
        let dir = CLI.temporaryDirectory()
        try ManifoldCommandTests.saddleB.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try "name = \"job\"\nmodel = \"model.json\"\n[[cycles]]\nmax_order = 2\n[[sweep]]\nparam = \"h[0]\"\nrange = \"-0.3:-0.2:4\"\nmax_order = 2\n"
            .write(toFile: dir + "/spec.toml", atomically: true, encoding: .utf8)
        let input = try CLI.run(["cycles", dir + "/model.json", "--max-order", "1", "--output", dir + "/input.h5"])
        #expect(input.status == 0, "\(input.stderr)")
        return dir
    }

    /// Name, size, modification time and inode of every file in `dir`.
    static func snapshot(_ dir: String) throws -> [String: [Int]] {
        var files: [String: [Int]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            var info = stat()
            stat(dir + "/" + name, &info)
            files[name] = [Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec, Int(info.st_ino)]
        }
        return files
    }

    /// Whether `path` is a complete output of `writer`: an HDF5 file that opens, or JSON.
    static func opens(_ path: String, _ writer: Writer) -> Bool {
        if writer.json {
            return (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) != nil
        }
        guard File.isHDF5(path), let file = try? File.open(path) else { return false }
        try? file.close()
        return true
    }

    /// A second run on an output that a first run is writing is refused before it touches
    /// anything: exit 2, one line, no file of the directory changed; the first run then
    /// finishes with a file that opens, and the lock file is gone. The first run stops itself
    /// once it has claimed its outputs (PLATLAS_PAUSE_AFTER_CLAIM) and goes on when told to.
    @Test(arguments: writers)
    func secondRunOnAnOutputIsRefused(_ writer: Writer) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try CLI.start(writer.arguments(input: dir, output: dir), environment: ["PLATLAS_PAUSE_AFTER_CLAIM": "1"])
        #expect(first.waitUntilStopped(), "the first run did not stop after claiming its outputs: \(first.stderr)")
        let before = try Self.snapshot(dir)
        #expect(before[writer.output + ".lock"] != nil, "\(before.keys.sorted())")
        let second = try CLI.run(Writer.expand(writer.second ?? writer.arguments, input: dir, output: dir))
        #expect(second.status == 2 && !second.signalled, "\(writer.name): status \(second.status): \(second.stderr)")
        #expect(second.errorLines.count == 1 && second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        #expect(second.stderr.contains("\(dir)/\(writer.output) is being written by another platlas run (process \(first.pid))"), "\(second.stderr)")
        #expect(second.stdout.isEmpty)
        #expect(try Self.snapshot(dir) == before, "the refused run changed the directory")
        first.signal(SIGCONT)
        let finished = try first.wait()
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(Self.opens(dir + "/" + writer.output, writer))
        #expect(try Self.snapshot(dir).keys.allSatisfy { !$0.hasSuffix(".lock") })
    }

    /// The same for the runs that checkpoint as they go, stopped once their sweep has written
    /// points to OUT.partial: the second run, even with --resume, leaves the checkpoint alone.
    @Test(arguments: ["run", "sweep"])
    func secondRunLeavesACheckpointBeingWrittenAlone(_ name: String) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = Self.writers.first { $0.name == name }!
        var arguments = writer.arguments(input: dir, output: dir)
        var resuming = arguments + ["--resume"]
        if name == "sweep" {
            arguments += ["--block-size", "1", "--flush-interval", "1e-6"]
            resuming = Array(arguments.dropLast(6)) + ["--resume", dir + "/out.h5"] + arguments.suffix(4)
        }
        let first = try CLI.start(arguments, environment: ["PLATLAS_PAUSE_AFTER_POINTS": "2"])
        #expect(first.waitUntilStopped(), "\(first.stderr)")
        let before = try Self.snapshot(dir)
        #expect(before["out.h5.partial"] != nil, "\(before.keys.sorted())")
        let second = try CLI.run(resuming)
        #expect(second.status == 2 && second.errorLines.count == 1 && second.stderr.contains("is being written by another platlas run"),
                "\(resuming): \(second.status): \(second.stderr)")
        #expect(try Self.snapshot(dir) == before, "the refused run changed the directory")
        first.signal(SIGCONT)
        let finished = try first.wait()
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(Self.opens(dir + "/out.h5", writer) && !FileManager.default.fileExists(atPath: dir + "/out.h5.partial"))
    }

    /// `submit` claims the scripts it writes beside the output: a second submission of the
    /// same job while the first one writes them is refused before it writes anything. (PATH
    /// holds no sbatch here, so nothing reaches a Slurm that may be running.)
    @Test func secondSubmissionIsRefused() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arguments = ["submit", dir + "/spec.toml", "--output", dir + "/out.h5", "--templates", CLI.repository + "/slurm"]
        let noSlurm = ["PATH": dir]
        let first = try CLI.start(arguments, environment: noSlurm.merging(["PLATLAS_PAUSE_AFTER_CLAIM": "1"]) { a, _ in a })
        #expect(first.waitUntilStopped(), "\(first.stderr)")
        let before = try Self.snapshot(dir)
        #expect(before["job.sbatch.lock"] != nil, "\(before.keys.sorted())")
        let second = try CLI.run(arguments, environment: noSlurm)
        #expect(second.status == 2 && second.errorLines.count == 1
                && second.stderr.contains("\(dir)/job.sbatch is being written by another platlas run"), "\(second.stderr)")
        #expect(try Self.snapshot(dir) == before, "the refused submission changed the directory")
        first.signal(SIGCONT)
        let finished = try first.wait()
        #expect(finished.status == 2 && finished.stderr.contains("sbatch did not submit"), "\(finished.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/job.sbatch") && !FileManager.default.fileExists(atPath: dir + "/job.sbatch.lock"))
    }

    /// A full disk (a tmpfs of a few KiB mounted for the test) while writing: exit 1 with one
    /// line "no space left writing OUT", not a crash; the temporary file is removed and the
    /// OUT already there is untouched. Tried at several sizes so that the writes fail at
    /// different points (creating the file, writing data, closing it); a size at which the
    /// output fits must give the complete file.
    @Test(.enabled(if: Tmpfs.available, "needs to mount a tmpfs (root, CAP_SYS_ADMIN); skipped"), arguments: writers)
    func fullDiskFailsCleanly(_ writer: Writer) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The complete output's size on a disk with room.
        let room = try CLI.run(writer.arguments(input: dir, output: dir))
        #expect(room.status == 0, "\(room.stderr)")
        let size = try #require(try Self.snapshot(dir)[writer.output]?[0])
        let disk = dir + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // Room for the old output and the lock file (a page each), and none, a page or a part of
        // the new output.
        var failures = 0
        for kib in Set([8, 12, 8 + size / 2048, 8 + size / 1024 * 3 / 4]).sorted() {
            try Tmpfs.mount(disk, kib: kib)
            defer { Tmpfs.unmount(disk) }
            let out = disk + "/" + writer.output
            try "old".write(toFile: out, atomically: false, encoding: .utf8)
            let result = try CLI.run(writer.arguments(input: dir, output: disk))
            let left = try Self.snapshot(disk).keys.sorted()
            #expect(left.allSatisfy { !$0.contains(".tmp-") && !$0.hasSuffix(".lock") && !$0.hasSuffix(".partial") },
                    "\(writer.name), \(kib) KiB: left \(left)")
            if result.status == 0 {
                #expect(Self.opens(out, writer), "\(writer.name), \(kib) KiB: exit 0 without a complete output")
                continue
            }
            failures += 1
            #expect(result.status == 1 && !result.signalled, "\(writer.name), \(kib) KiB: status \(result.status): \(result.stderr)")
            let named = ([writer.output] + writer.others).map { "platlas: error: no space left writing \(disk)/\($0)" }
            #expect(result.errorLines.count == 1 && named.contains(String(result.errorLines[0])), "\(writer.name), \(kib) KiB: \(result.stderr)")
            #expect(result.stdout.isEmpty)
            // The old output is untouched (or, for a checkpoint written before the output
            // failed, replaced by a complete one).
            let old = (try? String(contentsOfFile: out, encoding: .utf8)) == "old"
            #expect(old || (!writer.others.isEmpty && Self.opens(out, writer)), "\(writer.name), \(kib) KiB: the old output changed")
        }
        #expect(failures >= (size > 8192 ? 2 : 1), "\(writer.name): the disk was never full (output of \(size) bytes)")
    }

    /// Temporary files of earlier runs that were killed (their process gone) are removed when
    /// a run on the same output starts; one of a process still running is left alone.
    @Test func staleTemporariesAreRemoved() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier, alive = getpid()
        let stale = ["out.h5.tmp-\(dead)", "out.checkpoint.h5.tmp-\(dead)"]
        let live = "out.h5.tmp-\(alive)"
        for name in stale + [live] { try Data(count: 100_000).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        let result = try CLI.run(["manifold", dir + "/model.json", "--cycle", "0", "--kind", "unstable", "--output", dir + "/out.h5",
                                  "--checkpoint-every", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in stale {
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + name), "\(name) is still there")
            #expect(result.stderr.contains("removed \(dir)/\(name), left by a run that was stopped"), "\(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/" + live))
        #expect(try Self.snapshot(dir).keys.sorted() == ["input.h5", "model.json", "out.h5", live, "spec.toml"])
    }

    /// One file named twice, under two names (the checkpoint as `--checkpoint DIR/./c.h5` and
    /// `--resume DIR/c.h5`), is claimed once: the run does not refuse itself.
    @Test func oneFileUnderTwoNamesIsClaimedOnce() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLI.run(Self.manifold.map { $0.replacingOccurrences(of: "IN/", with: dir + "/") }
                                 + ["--output", dir + "/m.h5", "--checkpoint", dir + "/./c.h5", "--checkpoint-every", "1", "--resume", dir + "/c.h5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.snapshot(dir).keys.sorted() == ["input.h5", "m.h5", "model.json", "spec.toml"])
    }

    /// `manifold --resume` is safe to give every time: without a checkpoint it starts from the
    /// beginning, a checkpoint cut short is started again, and a complete output is kept.
    @Test func manifoldResumeIsAlwaysSafe() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/m.checkpoint.h5", out = dir + "/m.h5"
        let arguments = ["manifold", dir + "/model.json", "--cycle", "0", "--kind", "both", "--output", out,
                         "--checkpoint-every", "2", "--resume", checkpoint]
        let fresh = try CLI.run(arguments)
        #expect(fresh.status == 0 && fresh.stderr.contains("no checkpoint \(checkpoint) (--resume): starting from the beginning"), "\(fresh.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "the checkpoint goes once the output is written")
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        let kept = try CLI.run(arguments + ["--json"])
        #expect(kept.status == 0 && kept.stderr.contains("\(out) is already complete (--resume): nothing to do"), "\(kept.stderr)")
        #expect((CLI.json(kept) as? [String: Any])?["output"] as? String == out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == written)
        // A checkpoint that a kill cut short (96 bytes of an HDF5 file) is started again.
        try FileManager.default.removeItem(atPath: out)
        try written.prefix(96).write(to: URL(fileURLWithPath: checkpoint))
        let again = try CLI.run(arguments)
        #expect(again.status == 0 && again.stderr.contains("not continuing \(checkpoint) (not a readable HDF5 file): starting again"), "\(again.stderr)")
        #expect(Self.opens(out, Self.writers[0]))
    }

    /// Commands that do not use MPI, started several times by mpirun or srun, print and write
    /// only in the first copy (the launcher's rank 0): one JSON document on stdout.
    @Test(arguments: ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"])
    func onlyTheFirstCopyPrintsOrWrites(_ variable: String) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try CLI.run(["info", dir + "/model.json", "--json"], environment: [variable: "0"])
        #expect(first.status == 0 && CLI.json(first) != nil, "\(first.stderr)")
        let other = try CLI.run(["info", dir + "/model.json", "--json"], environment: [variable: "1"])
        #expect(other.status == 0 && other.stdout.isEmpty && other.stderr.isEmpty, "\(other.stdout)\(other.stderr)")
        let convert = try CLI.run(["convert", dir + "/model.json", dir + "/copy.h5"], environment: [variable: "1"])
        #expect(convert.status == 0 && !FileManager.default.fileExists(atPath: dir + "/copy.h5"))
        // Bad input still fails in every copy.
        let bad = try CLI.run(["info", dir + "/missing.json", "--json"], environment: [variable: "1"])
        #expect(bad.status == 2, "\(bad.stderr)")
    }
}

/// A tmpfs mounted by the tests (as root): a disk of a chosen size.
enum Tmpfs {
    /// Whether this process may mount one (tried once).
    static let available: Bool = {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard (try? mount(dir, kib: 16)) != nil else { return false }
        unmount(dir)
        return true
    }()

    struct MountError: Error, CustomStringConvertible {
        var description: String
    }

    static func mount(_ dir: String, kib: Int) throws {
        let (status, text) = try command(["mount", "-t", "tmpfs", "-o", "size=\(kib)k", "tmpfs", dir])
        guard status == 0 else { throw MountError(description: "mount -t tmpfs on \(dir): \(text)") }
    }

    static func unmount(_ dir: String) {
        _ = try? command(["umount", dir])
    }

    static func command(_ arguments: [String]) throws -> (Int32, String) { try CLI.tool("/usr/bin/env", arguments) }
}
