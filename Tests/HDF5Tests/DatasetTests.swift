import HDF5
import Testing

extension HDF5Tests {
    @Suite struct Datasets {
        @Test("a chunked 1-D dataset grown in three appends reads back whole")
        func extendable1D() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("extend.h5")
            let appends: [[Double]] = [[1, 2, 3], [4, 5, 6, 7, 8], [9, 10]]
            do {
                let file = try File.create(path)
                let dataset = try file.root.createDataset("series", type: .float64, shape: [0], maxShape: [nil], chunk: [4])
                #expect(dataset.maxShape == [nil])
                #expect(dataset.chunk == [4])
                var length = 0
                for block in appends {
                    try dataset.extend(to: [length + block.count])
                    try dataset.write(block, start: [length], count: [block.count])
                    length += block.count
                }
                #expect(dataset.shape == [10])
                try dataset.close()
                try file.close()
            }
            let file = try File.open(path)
            let (values, shape) = try file.root.readDoubles("series")
            #expect(values == appends.flatMap { $0 })
            #expect(shape == [10])
            try file.close()
        }

        @Test("a chunked rows x 3 dataset grown by rows, with a bounded first dimension")
        func extendable2D() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("extend2d.h5"))
            let dataset = try file.root.createDataset("rows", type: .int64, shape: [0, 3], maxShape: [5, 3], chunk: [2, 3])
            for row in 0..<5 {
                try dataset.extend(to: [row + 1, 3])
                try dataset.write([Int64(row * 10), Int64(row * 10 + 1), Int64(row * 10 + 2)], start: [row, 0], count: [1, 3])
            }
            let expected: [Int64] = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42]
            #expect(try dataset.readAll(as: Int64.self) == expected)
            #expect(try dataset.read(start: [3, 1], count: [2, 2], as: Int64.self) == [31, 32, 41, 42])
            let beyond = hdf5Failure { () throws(HDF5Error) in try dataset.extend(to: [6, 3]) }
            #expect(beyond?.contains("maxShape is [5, 3]") == true)
            try dataset.close()
            try file.close()
        }

        @Test("extendable datasets need chunks; shapes and maxShapes must agree")
        func creationChecks() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("create-checks.h5"))
            let noChunk = hdf5Failure { () throws(HDF5Error) in
                _ = try file.root.createDataset("x", type: .float64, shape: [0], maxShape: [nil])
            }
            #expect(noChunk == "cannot create dataset 'x' in '/': an extendable dataset (maxShape [unlimited]) needs chunk sizes")
            let badRank = hdf5Failure { () throws(HDF5Error) in
                _ = try file.root.createDataset("x", type: .float64, shape: [2], maxShape: [2, 2], chunk: [1])
            }
            #expect(badRank?.contains("differ in rank") == true)
            let duplicate = hdf5Failure { () throws(HDF5Error) in
                try file.root.writeDataset("y", [1.0], shape: [1])
                try file.root.writeDataset("y", [1.0], shape: [1])
            }
            #expect(duplicate?.hasPrefix("cannot write dataset 'y' in '/': H5Dcreate2: ") == true)
            #expect(duplicate?.contains("H5Dcreate2") == true)
            let shapeMismatch = hdf5Failure { () throws(HDF5Error) in try file.root.writeDataset("z", [1.0, 2.0], shape: [3]) }
            #expect(shapeMismatch == "cannot write dataset 'z' in '/': 2 values do not fill shape [3]")
            try file.close()
        }

        @Test("hyperslab writes place blocks exactly; unwritten elements read as 0")
        func hyperslabs() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("hyperslab.h5")
            do {
                let file = try File.create(path)
                let dataset = try file.root.createDataset("grid", type: .float64, shape: [4, 5])
                try dataset.write([1, 2, 3, 4, 5, 6], start: [0, 1], count: [2, 3])
                try dataset.write([9, 9, 9, 9], start: [3, 1], count: [1, 4])
                try dataset.write([Double](), start: [2, 0], count: [0, 5])  // selects nothing
                try dataset.write([Int64(7)], start: [2, 4], count: [1, 1])  // converted to double
                let outside = hdf5Failure { () throws(HDF5Error) in
                    try dataset.write([1.0, 2.0], start: [3, 4], count: [1, 2])
                }
                #expect(outside == "cannot write the block at [3, 4] of [1, 2] of '/grid': the block does not fit in shape [4, 5]")
                let wrongCount = hdf5Failure { () throws(HDF5Error) in
                    try dataset.write([1.0], start: [0, 0], count: [1, 2])
                }
                #expect(wrongCount?.hasSuffix("1 values for a block of 2 elements") == true)
                try dataset.close()
                try file.close()
            }
            let file = try File.open(path)
            let dataset = try file.root.openDataset("grid")
            let expected: [Double] = [
                0, 1, 2, 3, 0,
                0, 4, 5, 6, 0,
                0, 0, 0, 0, 7,
                0, 9, 9, 9, 9,
            ]
            #expect(try dataset.readAll(as: Double.self) == expected)
            #expect(try dataset.read(start: [1, 2], count: [3, 2], as: Double.self) == [5, 6, 0, 0, 9, 9])
            #expect(try dataset.read(start: [0, 0], count: [0, 5], as: Double.self) == [])
            try dataset.close()
            try file.close()
        }

        @Test("a scalar dataset writes and reads through the block API too")
        func scalar() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let file = try File.create(scratch.path("scalar.h5"))
            let dataset = try file.root.createDataset("s", type: .uint64, shape: [])
            try dataset.write([UInt64(99)], start: [], count: [])
            #expect(try dataset.read(start: [], count: [], as: UInt64.self) == [99])
            #expect(dataset.shape == [])
            try dataset.close()
            try file.close()
        }
    }
}
