import HDF5
import Testing

/// The HDF5 library is not thread-safe: every suite of this target nests in this serialized one.
@Suite(.serialized) struct HDF5Tests {}

extension HDF5Tests {
    @Suite struct RoundTrips {
        /// Writes `values` with `shape`, reads them back through the typed reader, and checks
        /// the values, the shape and the stored element type.
        func roundTrip<T: HDF5Scalar & Equatable>(
            _ values: [T], shape: [Int], read: (borrowing Group, String) throws(HDF5Error) -> (values: [T], shape: [Int]),
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("roundtrip.h5")
            do {
                let file = try File.create(path)
                try file.root.writeDataset("data", values, shape: shape)
                try file.close()
            }
            let file = try File.open(path)
            let (back, backShape) = try read(file.root, "data")
            #expect(back == values, sourceLocation: sourceLocation)
            #expect(backShape == shape, sourceLocation: sourceLocation)
            let dataset = try file.root.openDataset("data")
            #expect(dataset.elementType == T.elementType, sourceLocation: sourceLocation)
            #expect(dataset.shape == shape, sourceLocation: sourceLocation)
            #expect(try dataset.readAll(as: T.self) == values, sourceLocation: sourceLocation)
            try dataset.close()
            try file.close()
        }

        static let shapes: [[Int]] = [[7], [2, 3], [0], [3, 0], [], [2, 2, 2]]

        @Test("float64 round trip", arguments: shapes)
        func float64(shape: [Int]) throws {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { Double($0) * 0.1 - 1.0 / 3.0 }
            try roundTrip(values, shape: shape) { (g, n) throws(HDF5Error) in try g.readDoubles(n) }
            try roundTrip([Double.greatestFiniteMagnitude, -0.0, .leastNonzeroMagnitude, .infinity, .pi],
                          shape: [5]) { (g, n) throws(HDF5Error) in try g.readDoubles(n) }
        }

        @Test("int64 round trip", arguments: shapes)
        func int64(shape: [Int]) throws {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { Int64($0) * 1_000_000_007 - 5 }
            try roundTrip(values, shape: shape) { (g, n) throws(HDF5Error) in try g.readInt64s(n) }
            try roundTrip([Int64.min, .max, 0, -1], shape: [4]) { (g, n) throws(HDF5Error) in try g.readInt64s(n) }
        }

        @Test("uint64 round trip", arguments: shapes)
        func uint64(shape: [Int]) throws {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { UInt64.max - UInt64($0) }
            try roundTrip(values, shape: shape) { (g, n) throws(HDF5Error) in try g.readUInt64s(n) }
        }

        @Test("int32 round trip", arguments: shapes)
        func int32(shape: [Int]) throws {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { Int32($0) - 3 }
            try roundTrip(values, shape: shape) { (g, n) throws(HDF5Error) in try g.readInt32s(n) }
            try roundTrip([Int32.min, .max], shape: [2]) { (g, n) throws(HDF5Error) in try g.readInt32s(n) }
        }

        @Test("uint8 round trip", arguments: shapes)
        func uint8(shape: [Int]) throws {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37) }
            try roundTrip(values, shape: shape) { (g, n) throws(HDF5Error) in try g.readUInt8s(n) }
        }

        @Test("Int is stored as int64")
        func intAsInt64() throws {
            try roundTrip([Int.min, -1, 0, 1, Int.max], shape: [5]) { (g, n) throws(HDF5Error) in
                try g.readDataset(n, as: Int.self)
            }
        }

        @Test("numeric types convert on read")
        func conversion() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("convert.h5")
            let file = try File.create(path)
            try file.root.writeDataset("doubles", [1.0, -2.0, 3.75], shape: [3])
            try file.root.writeDataset("bytes", [UInt8(1), 200], shape: [2])
            #expect(try file.root.readInt64s("doubles").values == [1, -2, 3])
            #expect(try file.root.readDoubles("bytes").values == [1, 200])
            try file.close()
        }

        @Test("strings round trip, including empty and non-ASCII values")
        func strings() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("strings.h5")
            let values = ["alpha", "", "ρ = 0.9 → chaos", "x"]
            do {
                let file = try File.create(path)
                try file.root.writeStrings("names", values)
                try file.root.writeStrings("none", [])
                try file.close()
            }
            let file = try File.open(path)
            #expect(try file.root.readStrings("names") == values)
            #expect(try file.root.readStrings("none") == [])
            let dataset = try file.root.openDataset("names")
            #expect(dataset.holdsStrings == true)
            #expect(dataset.elementType == nil)
            #expect(dataset.shape == [4])
            try dataset.close()
            try file.close()
        }

        @Test("a serial file dropped without close() is closed by its deinit")
        func deinitClosesSerialFile() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("dropped.h5")
            do {
                let file = try File.create(path)
                let dataset = try file.root.createDataset("d", type: .int32, shape: [2])
                try dataset.write([Int32(4), 5], start: [0], count: [2])
                _ = consume dataset
                _ = consume file
            }
            let file = try File.open(path)
            #expect(try file.root.readInt32s("d").values == [4, 5])
            try file.close()
        }

        @Test("reopening read-write adds to a file; create truncates it")
        func reopen() throws {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let path = scratch.path("reopen.h5")
            do {
                let file = try File.create(path)
                try file.root.writeDataset("a", [1.0], shape: [1])
                try file.close()
            }
            do {
                let file = try File.open(path, mode: .readWrite)
                try file.root.writeDataset("b", [2.0], shape: [1])
                try file.flush()
                try file.close()
            }
            do {
                let file = try File.open(path)
                #expect(try file.root.childNames() == ["a", "b"])
                #expect(file.isParallel == false)
                #expect(file.path == path)
                try file.close()
            }
            do {
                let file = try File.create(path)
                #expect(try file.root.childNames() == [])
                try file.close()
            }
        }
    }
}
