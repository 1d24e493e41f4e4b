import Foundation
import HDF5
import Testing

extension HDF5Tests {
    @Suite struct Errors {
        @Test("opening a missing file throws with the library's message")
        func missingFile() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("absent.h5")
            let message = hdf5Failure { () throws(HDF5Error) in _ = try File.open(path) }
            #expect(message?.hasPrefix("cannot open file '\(path)': H5Fopen: unable to open file") == true)
            #expect(!File.isHDF5(path))
        }

        @Test("opening a file that is not HDF5 throws 'file signature not found'")
        func notHDF5() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("text.h5")
            try Data("not an HDF5 file\n".utf8).write(to: URL(fileURLWithPath: path))
            let message = hdf5Failure { () throws(HDF5Error) in _ = try File.open(path) }
            #expect(message == "cannot open file '\(path)': H5Fopen: unable to open file: file signature not found")
            #expect(!File.isHDF5(path))
        }

        @Test("a truncated HDF5 file throws on open or read, never crashes")
        func truncated() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("whole.h5")
            do {
                let file = try File.create(path)
                try file.root.writeDataset("big", (0..<20_000).map(Double.init), shape: [20_000])
                try file.root.createGroup("g").setAttribute("x", 1.0)
                try file.close()
            }
            #expect(File.isHDF5(path))
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let cut = scratch.path("cut.h5")
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
            let message = hdf5Failure { () throws(HDF5Error) in
                let file = try File.open(cut)
                _ = try file.root.readDoubles("big")
                try file.close()
            }
            #expect(message?.hasPrefix("cannot open file '\(cut)': H5Fopen: unable to open file") == true)
            #expect(message?.contains("truncated file") == true)
        }

        @Test("reading a string dataset as numbers, or numbers as strings, throws")
        func wrongKind() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("kinds.h5"))
            try file.root.writeStrings("names", ["a", "b"])
            try file.root.writeDataset("numbers", [1.0], shape: [1])
            let asDoubles = hdf5Failure { () throws(HDF5Error) in _ = try file.root.readDoubles("names") }
            #expect(asDoubles == "cannot read dataset 'names' in '/': cannot read '/names': it holds strings, not numbers (read it with readStrings)")
            let asStrings = hdf5Failure { () throws(HDF5Error) in _ = try file.root.readStrings("numbers") }
            #expect(asStrings == "cannot read dataset 'numbers' in '/': cannot read '/numbers': it holds numbers, not strings")
            let missing = hdf5Failure { () throws(HDF5Error) in _ = try file.root.readDoubles("nothing") }
            #expect(missing?.hasPrefix("cannot read dataset 'nothing' in '/': cannot open dataset 'nothing' in '/': H5Dopen2: ") == true)
            try file.close()
        }

        @Test("the error carries the library's whole stack, outermost first")
        func stack() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            do {
                _ = try File.open(scratch.path("absent.h5"))
                Issue.record("expected an error")
            } catch {
                #expect(error.function == "H5Fopen")
                #expect(error.stack.first?.function == "H5Fopen")
                #expect(error.stack.count >= 2)
                #expect(error.stack.allSatisfy { !$0.message.isEmpty })
            }
        }
    }
}
