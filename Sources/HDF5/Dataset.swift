/// An open dataset: an n-dimensional array of numbers or strings in a file, with attributes.
///
/// Owned: closed by `close()` or, failing that, when it goes out of scope (and in any case
/// when its file is closed). In a parallel file, `write` with `collective: true`, `extend`,
/// `setAttribute` and `close` are collective: every rank calls them in the same order.
public struct Dataset: ~Copyable {
    let location: Location

    init(location: Location) { self.location = location }

    deinit {
        if location.file.deinitMayClose, H5.isValid(location.id) { try? H5.closeDataset(location.id) }
    }

    /// Closes the dataset. Collective in a parallel file. `H5Dclose`
    public consuming func close() throws(HDF5Error) {
        let id = location.id, path = location.path
        discard self
        try inContext("cannot close dataset '\(path)'") { () throws(HDF5Error) in try H5.closeDataset(id) }
    }

    /// The dataset's absolute path in the file. `H5Iget_name`
    public var path: String { location.path }

    // MARK: Shape and type

    /// Current and maximal dimensions (nil: unlimited). `H5Dget_space`, `H5Sget_simple_extent_dims`
    public func extent() throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        try inContext("cannot get the extent of '\(path)'") { () throws(HDF5Error) in
            let space = try H5.datasetSpace(location.id)
            defer { H5.closeSpace(space) }
            return try H5.spaceExtent(space)
        }
    }

    /// The current dimensions (`[]` for a scalar, or if the dataset is no longer open).
    public var shape: [Int] { (try? extent().shape) ?? [] }

    /// The maximal dimensions; nil entries are unlimited.
    public var maxShape: [Int?] { (try? extent().maxShape) ?? [] }

    /// The chunk dimensions, nil for a contiguous dataset. `H5Pget_chunk`
    public var chunk: [Int]? {
        guard let list = try? H5.datasetCreateListOf(location.id) else { return nil }
        defer { H5.closePropertyList(list) }
        return H5.chunkDimensions(list)
    }

    /// The stored numeric element type; nil for strings and for numeric types platlas does
    /// not write (32-bit floats, 16-bit integers, ...), which can still be read converted.
    public var elementType: ElementType? {
        (try? storedType()).flatMap { ElementType($0) }
    }

    /// Whether the dataset holds strings.
    public var holdsStrings: Bool { (try? storedType())?.kind == .string }

    func storedType() throws(HDF5Error) -> TypeDescription {
        let type = try H5.datasetType(location.id)
        defer { H5.closeType(type) }
        return try H5.describeType(type)
    }

    // MARK: Writing

    /// Writes `values` (row-major) into the block of `count` elements starting at `start`.
    ///
    /// In a parallel file with `collective` (the default) every rank calls it; a rank with
    /// nothing to write passes a `count` containing 0 and no values. Blocks of different
    /// ranks must not overlap. With `collective: false` each rank writes independently.
    /// Serial files ignore `collective`.
    /// `H5Sselect_hyperslab`, `H5Pset_dxpl_mpio(H5FD_MPIO_COLLECTIVE)`, `H5Dwrite`
    public func write<T: HDF5Scalar>(_ values: [T], start: [Int], count: [Int], collective: Bool = true) throws(HDF5Error) {
        try inContext("cannot write \(describeBlock(start, count)) of '\(path)'") { () throws(HDF5Error) in
            let n = try checkBlock(start: start, count: count)
            guard values.count == n else {
                throw HDF5Error("", reason: "\(values.count) values for a block of \(n) elements")
            }
            try withBytes(of: values) { (bytes) throws(HDF5Error) in
                try transfer(start: start, count: count, collective: collective) { (memory, file, list) throws(HDF5Error) in
                    try H5.write(location.id, memoryType: T.hdf5Type, memorySpace: memory, fileSpace: file,
                                 transfer: list, bytes)
                }
            }
        }
    }

    /// Writes the whole dataset from `bytes` (`count` elements of `memoryType`). In a parallel
    /// file: collective, rank 0 writes, the other ranks select nothing.
    func writeWhole(_ bytes: UnsafeRawPointer, memoryType: ObjectID, count: Int) throws(HDF5Error) {
        if count == 0 { return }  // the same on every rank: the shape is common
        guard location.file.isParallel else {
            try H5.write(location.id, memoryType: memoryType, memorySpace: H5.allOfSpace, fileSpace: H5.allOfSpace,
                         transfer: H5.defaultList, bytes)
            return
        }
        let file = try H5.datasetSpace(location.id)
        defer { H5.closeSpace(file) }
        let memory = try H5.createSpace(shape: [count])
        defer { H5.closeSpace(memory) }
        if location.file.rank != 0 {
            try H5.selectNone(file)
            try H5.selectNone(memory)
        }
        let list = try H5.transferList(collective: true)
        defer { H5.closePropertyList(list) }
        try H5.write(location.id, memoryType: memoryType, memorySpace: memory, fileSpace: file, transfer: list, bytes)
    }

    /// Sets up the file and memory selections of a block and a transfer list, then calls `body`.
    private func transfer(
        start: [Int], count: [Int], collective: Bool,
        _ body: (_ memory: ObjectID, _ file: ObjectID, _ list: ObjectID) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        let n = elementCount(count)
        let file = try H5.datasetSpace(location.id)
        defer { H5.closeSpace(file) }
        let memory = try H5.createSpace(shape: [max(n, 1)])
        defer { H5.closeSpace(memory) }
        if n == 0 {
            try H5.selectNone(file)
            try H5.selectNone(memory)
        } else if !count.isEmpty {
            try H5.selectHyperslab(file, start: start, count: count)
        }
        let list = try H5.transferList(collective: collective && location.file.isParallel)
        defer { H5.closePropertyList(list) }
        try body(memory, file, list)
    }

    /// Checks that the block lies inside the current extent; returns its element count.
    private func checkBlock(start: [Int], count: [Int]) throws(HDF5Error) -> Int {
        let shape = try extent().shape
        guard start.count == shape.count, count.count == shape.count else {
            throw HDF5Error("", reason: "start and count need \(shape.count) entries (shape \(shape))")
        }
        let n = elementCount(count)
        for d in 0..<shape.count where start[d] < 0 || count[d] < 0 || (n > 0 && start[d] + count[d] > shape[d]) {
            throw HDF5Error("", reason: "the block does not fit in shape \(shape)")
        }
        return n
    }

    // MARK: Reading

    /// The block of `count` elements at `start`, converted to `T`, in row-major order. Not
    /// collective: any rank may read any block. `H5Dread`
    public func read<T: HDF5Scalar>(start: [Int], count: [Int], as type: T.Type = T.self) throws(HDF5Error) -> [T] {
        try inContext("cannot read \(describeBlock(start, count)) of '\(path)'") { () throws(HDF5Error) in
            try requireNumbers()
            let n = try checkBlock(start: start, count: count)
            return try readArray(of: T.self, count: n) { (buffer) throws(HDF5Error) in
                try transfer(start: start, count: count, collective: false) { (memory, file, list) throws(HDF5Error) in
                    try H5.read(location.id, memoryType: T.hdf5Type, memorySpace: memory, fileSpace: file,
                                transfer: list, buffer)
                }
            }
        }
    }

    /// The whole dataset, converted to `T`, in row-major order. Not collective. `H5Dread`
    public func readAll<T: HDF5Scalar>(as type: T.Type = T.self) throws(HDF5Error) -> [T] {
        try inContext("cannot read '\(path)'") { () throws(HDF5Error) in
            try requireNumbers()
            let shape = try extent().shape
            let n = elementCount(shape)
            if n == 0 { return [] }
            return try readArray(of: T.self, count: n, shape: shape) { (buffer) throws(HDF5Error) in
                try H5.read(location.id, memoryType: T.hdf5Type, memorySpace: H5.allOfSpace, fileSpace: H5.allOfSpace,
                            transfer: H5.defaultList, buffer)
            }
        }
    }

    /// All strings of a string dataset (fixed- or variable-length), in row-major order.
    public func readStrings() throws(HDF5Error) -> [String] {
        try inContext("cannot read '\(path)'") { () throws(HDF5Error) in
            let stored = try storedType()
            guard stored.kind == .string else { throw HDF5Error("", reason: "it holds numbers, not strings") }
            let n = elementCount(try extent().shape)
            if n == 0 { return [] }
            return try StringCodec.read(count: n, stored: stored) { (memoryType, buffer) throws(HDF5Error) in
                try H5.read(location.id, memoryType: memoryType, memorySpace: H5.allOfSpace, fileSpace: H5.allOfSpace,
                            transfer: H5.defaultList, buffer)
            }
        }
    }

    private func requireNumbers() throws(HDF5Error) {
        let stored = try storedType()
        switch stored.kind {
        case .integer, .float: return
        case .string: throw HDF5Error("", reason: "it holds strings, not numbers (read it with readStrings)")
        case .other: throw HDF5Error("", reason: "it holds neither integers nor floating-point numbers")
        }
    }

    // MARK: Extending

    /// Changes the current dimensions to `shape` (within `maxShape`). Collective in a
    /// parallel file, with the same shape on every rank. `H5Dset_extent`
    public func extend(to shape: [Int]) throws(HDF5Error) {
        try inContext("cannot extend '\(path)' to \(shape)") { () throws(HDF5Error) in
            let current = try extent()
            guard shape.count == current.shape.count else {
                throw HDF5Error("", reason: "the dataset has \(current.shape.count) dimensions")
            }
            for (n, m) in zip(shape, current.maxShape) where n < 0 || (m != nil && n > m!) {
                throw HDF5Error("", reason: "maxShape is \(describe(current.maxShape))")
            }
            try H5.setExtent(location.id, shape)
        }
    }
}

extension Dataset: AttributeHolder {
    public var attributeTarget: AttributeTarget { AttributeTarget(location: location) }
}

private func describeBlock(_ start: [Int], _ count: [Int]) -> String {
    "the block at \(start) of \(count)"
}
