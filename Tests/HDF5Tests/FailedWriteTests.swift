import Foundation
import HDF5
import Testing

extension HDF5Tests {
    /// Files given up after an error (docs/hdf5-wrapper.md, "Failed writes"). The full-disk
    /// cases themselves, on a tmpfs of a few KiB, are in Tests/CLITests/OutputSafetyTests.swift.
    @Suite struct FailedWrites {
        @Test("a write the disk refuses reports its errno (ENOSPC on /dev/full), and the library can still shut down")
        func refusedWrite() throws {
            var failure: HDF5Error?
            do { _ = try File.create("/dev/full") } catch { failure = error }
            #expect(failure?.systemErrorNumber == ENOSPC, "\(failure?.description ?? "no error")")
            #expect(hdf5LibraryCanShutDown)
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let other = try File.create(scratch.path("after.h5"))
            try other.root.setAttribute("written", 1)
            try other.close()
            #expect(File.isHDF5(scratch.path("after.h5")))
        }

        @Test("a file the system cannot open reports ENOENT; an error of the file's contents reports no errno")
        func errnoOnlyFromTheSystem() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            var missing: HDF5Error?
            do { _ = try File.open(scratch.path("absent.h5")) } catch { missing = error }
            #expect(missing?.systemErrorNumber == ENOENT, "\(missing?.description ?? "no error")")
            let file = try File.create(scratch.path("f.h5"))
            var absent: HDF5Error?
            do { _ = try file.root.openGroup("nothing") } catch { absent = error }
            #expect(absent != nil && absent?.systemErrorNumber == nil, "\(absent?.description ?? "no error")")
            try file.close()
        }

        @Test("abandon() closes without writing what is still buffered: the file stays as its last flush left it")
        func abandonDiscardsPendingWrites() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("abandoned.h5")
            let file = try File.create(path)
            try file.root.setAttribute("flushed", 1)
            try file.root.createGroup("kept").close()
            try file.flush()
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            // Metadata only, held in the library's cache until the next flush.
            try file.root.createGroup("pending").close()
            try file.root.setAttribute("also_pending", 2)
            file.abandon()
            #expect(hdf5LibraryCanShutDown)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size)
            let reopened = try File.open(path)
            #expect(try reopened.root.attributeInt("flushed") == 1)
            #expect(reopened.root.isGroup("kept") == true)
            #expect(reopened.root.isGroup("pending") == false)
            #expect(reopened.root.hasAttribute("also_pending") == false)
            try reopened.close()
        }
    }
}
