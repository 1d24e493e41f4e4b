import HDF5
import Testing

extension HDF5Tests {
    @Suite struct Groups {
        @Test("nested groups: creation with intermediates, existence, listing, opening")
        func nested() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("groups.h5"))
            let root = file.root
            let c = try root.createGroup("a/b/c")
            #expect(c.path == "/a/b/c")
            try c.writeDataset("data", [1.0, 2.0], shape: [2])
            try c.close()
            _ = try root.createGroup("a/z")
            _ = try root.createGroup("a/m")
            try root.writeDataset("a/values", [Int32(1)], shape: [1])

            #expect(root.exists("a") == true)
            #expect(root.exists("a/b") == true)
            #expect(root.exists("a/b/c") == true)
            #expect(root.exists("/a/b/c") == true)
            #expect(root.exists("a/b/c/data") == true)
            #expect(root.exists("a/x") == false)
            #expect(root.exists("a/x/y/z") == false)
            #expect(root.exists("a/values/inside") == false)  // a path through a dataset
            #expect(root.exists("a/b/c/data/more") == false)
            #expect(root.isGroup("a/b") == true)
            #expect(root.isGroup("a/values") == false)
            #expect(root.isDataset("a/values") == true)
            #expect(root.isDataset("a/b") == false)

            let a = try root.openGroup("a")
            #expect(try a.childNames() == ["b", "m", "values", "z"])
            #expect(a.exists("b/c") == true)
            #expect(a.exists("a") == false)
            let b = try a.openGroup("b")
            #expect(try b.readDoubles("c/data").values == [1.0, 2.0])
            #expect(try root.childNames() == ["a"])

            let again = try root.openOrCreateGroup("a/b")
            #expect(again.path == "/a/b")
            let fresh = try root.openOrCreateGroup("q/r")
            #expect(fresh.path == "/q/r")

            let duplicate = hdf5Failure { () throws(HDF5Error) in _ = try root.createGroup("a/b") }
            #expect(duplicate?.contains("cannot create group 'a/b'") == true)
            let missing = hdf5Failure { () throws(HDF5Error) in _ = try root.openGroup("nope") }
            #expect(missing?.contains("cannot open group 'nope' in '/'") == true)
            #expect(missing?.contains("H5Gopen2") == true)
            try file.close()
        }

        @Test("removing groups and datasets; the rest of the file and a reopened file do not see them")
        func remove() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("remove.h5")
            let file = try File.create(path)
            let root = file.root
            try root.writeDataset("keep/x", [1.0, 2.0], shape: [2])
            try root.writeDataset("drop/inner/y", [Int64(3)], shape: [1])
            try root.writeDataset("keep/z", [4.0], shape: [1])
            try root.remove("drop")
            try root.remove("keep/z")
            try root.flushFile()
            #expect(root.exists("drop") == false && root.exists("drop/inner/y") == false)
            #expect(try root.childNames() == ["keep"])
            let missing = hdf5Failure { () throws(HDF5Error) in try root.remove("drop") }
            #expect(missing?.contains("cannot remove 'drop' from '/'") == true)
            try file.close()
            let again = try File.open(path)
            #expect(try again.root.childNames() == ["keep"])
            #expect(try again.root.openGroup("keep").childNames() == ["x"])
            #expect(try again.root.readDoubles("keep/x").values == [1.0, 2.0])
            try again.close()
        }

        @Test("closing the file closes the groups and datasets still open")
        func closeWithOpenObjects() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("open-objects.h5"))
            let group = try file.root.createGroup("g")
            let dataset = try group.createDataset("d", type: .float64, shape: [3])
            try dataset.write([1.0, 2.0, 3.0], start: [0], count: [3])
            try file.close()
            // The handles are inert now: they report errors and never touch the file.
            #expect(hdf5Failure { () throws(HDF5Error) in _ = try group.childNames() }?.contains("H5Literate") == true)
            #expect(hdf5Failure { () throws(HDF5Error) in _ = try dataset.readAll(as: Double.self) } != nil)
            #expect(dataset.shape == [])

            let reopened = try File.open(scratch.path("open-objects.h5"))
            #expect(try reopened.root.readDoubles("g/d").values == [1, 2, 3])
            try reopened.close()
        }
    }

    @Suite struct Attributes {
        @Test("attributes of every kind on groups, the root and datasets")
        func everyKind() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("attributes.h5")
            do {
                let file = try File.create(path)
                try file.root.setAttribute("schema", 3)
                try file.root.setAttribute("created_by", "platlas")
                let group = try file.root.createGroup("run")
                try group.setAttribute("rho", 0.9)
                try group.setAttribute("count", -42)
                try group.setAttribute("label", "ρ-sweep ✓")
                try group.setAttribute("weights", [0.5, -1.25, 1e-300])
                try group.setAttribute("indices", [3, 1, Int.max])
                try group.setAttribute("empty", [Double]())
                try group.setAttribute("matrix", [Int32(1), 2, 3, 4, 5, 6], shape: [2, 3])
                try group.setAttribute("rho", 0.95)  // replaces
                let dataset = try group.createDataset("d", type: .int64, shape: [1])
                try dataset.setAttribute("units", "steps")
                try dataset.setAttribute("scale", 2.5)
                try dataset.setAttribute("n", 7)
                try dataset.setAttribute("bounds", [-1.0, 1.0])
                try dataset.setAttribute("ids", [4, 5])
                try dataset.close()
                try file.close()
            }
            let file = try File.open(path)
            #expect(try file.root.attributeInt("schema") == 3)
            #expect(try file.root.attributeString("created_by") == "platlas")
            #expect(try file.root.attributeNames() == ["created_by", "schema"])
            let group = try file.root.openGroup("run")
            #expect(try group.attributeDouble("rho") == 0.95)
            #expect(try group.attributeInt("count") == -42)
            #expect(try group.attributeDouble("count") == -42.0)
            #expect(try group.attributeString("label") == "ρ-sweep ✓")
            #expect(try group.attributeDoubles("weights") == [0.5, -1.25, 1e-300])
            #expect(try group.attributeInts("indices") == [3, 1, Int.max])
            #expect(try group.attributeDoubles("empty") == [])
            let matrix = try group.attributeValues("matrix", as: Int32.self)
            #expect(matrix.values == [1, 2, 3, 4, 5, 6] && matrix.shape == [2, 3])
            #expect(try group.attributeNames() == ["count", "empty", "indices", "label", "matrix", "rho", "weights"])
            #expect(group.hasAttribute("rho") == true)
            #expect(group.hasAttribute("nope") == false)
            let dataset = try group.openDataset("d")
            #expect(try dataset.attributeString("units") == "steps")
            #expect(try dataset.attributeDouble("scale") == 2.5)
            #expect(try dataset.attributeInt("n") == 7)
            #expect(try dataset.attributeDoubles("bounds") == [-1, 1])
            #expect(try dataset.attributeInts("ids") == [4, 5])
            #expect(try dataset.attributeNames() == ["bounds", "ids", "n", "scale", "units"])
            try dataset.close()
            try group.close()
            try file.close()
        }

        @Test("missing attributes and attributes of another type give clear errors")
        func errors() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("attribute-errors.h5"))
            let group = try file.root.createGroup("g")
            try group.setAttribute("name", "x")
            try group.setAttribute("value", 1.5)
            try group.setAttribute("pair", [1.0, 2.0])

            let missing = hdf5Failure { () throws(HDF5Error) in _ = try group.attributeDouble("absent") }
            #expect(missing == "cannot read attribute 'absent' of '/g': no attribute 'absent'")
            let stringAsNumber = hdf5Failure { () throws(HDF5Error) in _ = try group.attributeDouble("name") }
            #expect(stringAsNumber == "cannot read attribute 'name' of '/g': it holds a string, not numbers")
            let numberAsString = hdf5Failure { () throws(HDF5Error) in _ = try group.attributeString("value") }
            #expect(numberAsString == "cannot read attribute 'value' of '/g': it holds numbers, not a string")
            let arrayAsScalar = hdf5Failure { () throws(HDF5Error) in _ = try group.attributeInt("pair") }
            #expect(arrayAsScalar == "cannot read attribute 'pair' of '/g': it holds 2 values, not one")
            try file.close()
        }
    }
}
