import Foundation
import MPI
import PLAtlasIO

/// The check that the directories a run writes to are seen by every rank (docs/cluster.md,
/// "Where outputs and checkpoints live"). A parallel HDF5 file, a checkpoint that a later job
/// resumes from and the `.partial` files of a sweep must be on a file system every node
/// mounts; on a node-local one (`/tmp`, `/dev/shm`, a node's scratch disk) the other nodes
/// write into files of their own, and a resubmitted job on another node starts from nothing.
///
/// Rank 0 creates a probe file in each directory, then every rank looks for it (a new name, so
/// no cached negative lookup hides it); a rank that cannot see it refuses the run on every
/// rank, before anything is computed, with one line naming the directory, the rank and its
/// host. The probes are removed before the answer is returned.
public enum SharedStorage {
    /// Throws `InputError` unless every rank of `world` sees the directory of each of `paths`
    /// (files that will be written; nil entries are ignored). Collective; a single rank
    /// returns at once.
    public static func requireShared(_ paths: [String?], world: Communicator) throws {
        guard world.size > 1 else { return }
        var directories: [String] = []
        for path in paths.compactMap({ $0 }) {
            let url = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
            if !directories.contains(url.path) { directories.append(url.path) }
        }
        guard !directories.isEmpty else { return }
        let token = try world.broadcast(world.isRoot ? UInt64.random(in: 1...UInt64.max) : 0)
        let probes = directories.map { $0 + "/.platlas-shared-check-\(String(token, radix: 16))" }
        // Rank 0 writes the probes (a directory it cannot write to is reported later, by the
        // writer, with its own message); the broadcast below orders the look after the writes.
        var written = [Int](repeating: 0, count: probes.count)
        if world.isRoot {
            for (k, probe) in probes.enumerated() where FileManager.default.createFile(atPath: probe, contents: Data()) {
                written[k] = 1
            }
        }
        written = try world.broadcast(written)
        defer {
            if world.isRoot { for probe in probes { try? FileManager.default.removeItem(atPath: probe) } }
        }
        // Each rank: the first probe it cannot see (index + 1), 0 when it sees all.
        var missing = 0
        for (k, probe) in probes.enumerated() where written[k] == 1 {
            if !visible(probe) { missing = k + 1; break }
        }
        let all = try world.allGather(Int64(missing))
        // Every rank has `all`, so all of them gather the host names, or none.
        guard let rank = all.firstIndex(where: { $0 != 0 }) else { return }
        let hosts = try gatherHosts(ProcessInfo.processInfo.hostName, world: world)
        let directory = directories[Int(all[rank]) - 1]
        throw InputError("'\(directory)' is not shared by all ranks: rank \(rank) on \(hosts[rank]) cannot see a file that "
            + "rank 0 on \(hosts[0]) made there (node-local storage such as /tmp?); put outputs and checkpoints on a file "
            + "system every node mounts")
    }

    /// Whether `path` exists, looking again briefly if not (a network file system may show a
    /// new file to other clients a moment later).
    static func visible(_ path: String) -> Bool {
        for attempt in 0..<5 {
            if FileManager.default.fileExists(atPath: path) { return true }
            if attempt < 4 { usleep(100_000) }
        }
        return false
    }

    /// Every rank's host name, in rank order.
    static func gatherHosts(_ host: String, world: Communicator) throws -> [String] {
        let bytes: [UInt8] = Array(host.utf8).prefix(255).map { $0 }
        let gathered = try world.allGatherv(bytes)
        var names: [String] = []
        var offset = 0
        for count in gathered.counts {
            names.append(String(decoding: gathered.values[offset..<offset + count], as: UTF8.self))
            offset += count
        }
        return names
    }
}
