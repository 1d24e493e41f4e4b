// Creating, writing and reading whole datasets through their group.

extension Group {
    /// Creates a dataset of numeric `type` and `shape` (`[]` for a scalar), without writing
    /// it (unwritten elements read as 0). `maxShape` makes it extendable: a nil entry is
    /// unlimited; extendable datasets need `chunk` (one positive size per dimension).
    /// Missing intermediate groups are created. Collective in a parallel file.
    /// `H5Dcreate2`, `H5Pset_chunk`
    public func createDataset(
        _ name: String, type: ElementType, shape: [Int], maxShape: [Int?]? = nil, chunk: [Int]? = nil
    ) throws(HDF5Error) -> Dataset {
        try inContext("cannot create dataset '\(name)' in '\(path)'") { () throws(HDF5Error) -> Dataset in
            try createDataset(name, fileType: type.hdf5Type, shape: shape, maxShape: maxShape, chunk: chunk)
        }
    }

    func createDataset(
        _ name: String, fileType: ObjectID, shape: [Int], maxShape: [Int?]?, chunk: [Int]?
    ) throws(HDF5Error) -> Dataset {
        if shape.contains(where: { $0 < 0 }) { throw HDF5Error("", reason: "negative dimension in shape \(shape)") }
        if let maxShape {
            guard maxShape.count == shape.count else {
                throw HDF5Error("", reason: "maxShape \(describe(maxShape)) and shape \(shape) differ in rank")
            }
            for (n, m) in zip(shape, maxShape) where m != nil && m! < n {
                throw HDF5Error("", reason: "shape \(shape) exceeds maxShape \(describe(maxShape))")
            }
        }
        if let chunk {
            guard chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }) else {
                throw HDF5Error("", reason: "chunk \(chunk) must give one positive size per dimension of \(shape)")
            }
        } else if let maxShape, zip(shape, maxShape).contains(where: { $0.1 != $0.0 }) {
            throw HDF5Error("", reason: "an extendable dataset (maxShape \(describe(maxShape))) needs chunk sizes")
        }
        let space = try H5.createSpace(shape: shape, maxShape: maxShape)
        defer { H5.closeSpace(space) }
        let links = try H5.linkCreateList()
        defer { H5.closePropertyList(links) }
        let create = try H5.datasetCreateList(chunk: chunk)
        defer { H5.closePropertyList(create) }
        let id = try H5.createDataset(location.id, name, type: fileType, space: space, linkList: links, createList: create)
        return Dataset(location: Location(id: id, file: file))
    }

    /// Opens the existing dataset `name`. `H5Dopen2`
    public func openDataset(_ name: String) throws(HDF5Error) -> Dataset {
        try inContext("cannot open dataset '\(name)' in '\(path)'") { () throws(HDF5Error) -> Dataset in
            Dataset(location: Location(id: try H5.openDataset(location.id, name), file: file))
        }
    }

    // MARK: Whole datasets

    /// Creates dataset `name` of `shape` (`values.count` must equal the product of `shape`;
    /// `[]` is a scalar, a 0 dimension an empty dataset) and writes `values`.
    ///
    /// In a parallel file this is collective: every rank calls it with the same name and shape,
    /// and **rank 0's values are written** (the others select nothing, so pass the same data
    /// everywhere). To write distributed data, use `createDataset` and `Dataset.write`.
    public func writeDataset<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws(HDF5Error) {
        try inContext("cannot write dataset '\(name)' in '\(path)'") { () throws(HDF5Error) in
            guard values.count == elementCount(shape) else {
                throw HDF5Error("", reason: "\(values.count) values do not fill shape \(shape)")
            }
            let dataset = try createDataset(name, fileType: T.hdf5Type, shape: shape, maxShape: nil, chunk: nil)
            try withBytes(of: values) { (bytes) throws(HDF5Error) in
                try dataset.writeWhole(bytes, memoryType: T.hdf5Type, count: values.count)
            }
            try dataset.close()
        }
    }

    /// Creates a one-dimensional dataset of `values` as fixed-length, null-padded UTF-8
    /// strings as long as the longest value (h5py reads them as `bytes`; `.asstr()` gives
    /// `str`). Fixed length, so that parallel files can write it. Collective in a parallel
    /// file, where rank 0's values are written: pass the same values on every rank.
    public func writeStrings(_ name: String, _ values: [String]) throws(HDF5Error) {
        try inContext("cannot write string dataset '\(name)' in '\(path)'") { () throws(HDF5Error) in
            let length = StringCodec.fixedLength(of: values)
            let type = try H5.stringType(length: length)
            defer { H5.closeType(type) }
            let dataset = try createDataset(name, fileType: type, shape: [values.count], maxShape: nil, chunk: nil)
            try withBytes(of: StringCodec.fixedLengthBuffer(values, length: length)) { (bytes) throws(HDF5Error) in
                try dataset.writeWhole(bytes, memoryType: type, count: values.count)
            }
            try dataset.close()
        }
    }

    /// All values of numeric dataset `name`, converted to `T`, in row-major order, with its shape.
    public func readDataset<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws(HDF5Error) -> (values: [T], shape: [Int]) {
        try inContext("cannot read dataset '\(name)' in '\(path)'") { () throws(HDF5Error) in
            let dataset = try openDataset(name)
            let shape = try dataset.extent().shape
            let values = try dataset.readAll(as: T.self)
            try dataset.close()
            return (values, shape)
        }
    }

    /// Dataset `name` as Doubles (converted from any numeric type), with its shape.
    public func readDoubles(_ name: String) throws(HDF5Error) -> (values: [Double], shape: [Int]) {
        try readDataset(name, as: Double.self)
    }
    /// Dataset `name` as Int64s, with its shape.
    public func readInt64s(_ name: String) throws(HDF5Error) -> (values: [Int64], shape: [Int]) {
        try readDataset(name, as: Int64.self)
    }
    /// Dataset `name` as UInt64s, with its shape.
    public func readUInt64s(_ name: String) throws(HDF5Error) -> (values: [UInt64], shape: [Int]) {
        try readDataset(name, as: UInt64.self)
    }
    /// Dataset `name` as Int32s, with its shape.
    public func readInt32s(_ name: String) throws(HDF5Error) -> (values: [Int32], shape: [Int]) {
        try readDataset(name, as: Int32.self)
    }
    /// Dataset `name` as UInt8s, with its shape.
    public func readUInt8s(_ name: String) throws(HDF5Error) -> (values: [UInt8], shape: [Int]) {
        try readDataset(name, as: UInt8.self)
    }

    /// String dataset `name` (fixed- or variable-length), flattened in row-major order.
    public func readStrings(_ name: String) throws(HDF5Error) -> [String] {
        try inContext("cannot read dataset '\(name)' in '\(path)'") { () throws(HDF5Error) in
            let dataset = try openDataset(name)
            let values = try dataset.readStrings()
            try dataset.close()
            return values
        }
    }
}

func describe(_ maxShape: [Int?]) -> String {
    "[" + maxShape.map { $0.map(String.init) ?? "unlimited" }.joined(separator: ", ") + "]"
}
