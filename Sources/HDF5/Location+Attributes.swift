// Attributes of groups and datasets. In a parallel file, creating, replacing and writing an
// attribute is collective: every rank calls with the same name and value.

extension Location {
    /// Writes (replacing any attribute of that name) numeric values of `shape` (`[]`: scalar).
    func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws(HDF5Error) {
        try inContext("cannot set attribute '\(name)' of '\(path)'") { () throws(HDF5Error) in
            precondition(values.count == elementCount(shape), "attribute values do not fill the shape")
            try replaceAttribute(name, type: T.hdf5Type, shape: shape) { (attribute) throws(HDF5Error) in
                try withBytes(of: values) { (bytes) throws(HDF5Error) in
                    try H5.writeAttribute(attribute, memoryType: T.hdf5Type, bytes)
                }
            }
        }
    }

    /// Writes a scalar variable-length UTF-8 string attribute (h5py reads it as `str`).
    func setAttribute(_ name: String, string value: String) throws(HDF5Error) {
        try inContext("cannot set attribute '\(name)' of '\(path)'") { () throws(HDF5Error) in
            let type = try H5.stringType(length: nil)
            defer { H5.closeType(type) }
            try replaceAttribute(name, type: type, shape: []) { (attribute) throws(HDF5Error) in
                var failure: HDF5Error?
                value.withCString { text in
                    var pointer: UnsafePointer<CChar>? = text
                    withUnsafeBytes(of: &pointer) { bytes in
                        do throws(HDF5Error) { try H5.writeAttribute(attribute, memoryType: type, bytes.baseAddress!) } catch { failure = error }
                    }
                }
                if let failure { throw failure }
            }
        }
    }

    private func replaceAttribute(
        _ name: String, type: ObjectID, shape: [Int], _ write: (ObjectID) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        if try H5.attributeExists(id, name) { try H5.deleteAttribute(id, name) }
        let space = try H5.createSpace(shape: shape)
        defer { H5.closeSpace(space) }
        let attribute = try H5.createAttribute(id, name, type: type, space: space)
        defer { H5.closeAttribute(attribute) }
        try write(attribute)
    }

    /// Opens attribute `name` (throwing a clear error if it is absent) and passes it, its
    /// stored type and its element count to `body`.
    private func withAttribute<R>(
        _ name: String, _ body: (ObjectID, TypeDescription, [Int]) throws(HDF5Error) -> R
    ) throws(HDF5Error) -> R {
        guard try H5.attributeExists(id, name) else {
            throw HDF5Error("", reason: "no attribute '\(name)'")
        }
        let attribute = try H5.openAttribute(id, name)
        defer { H5.closeAttribute(attribute) }
        let type = try H5.attributeType(attribute)
        defer { H5.closeType(type) }
        let space = try H5.attributeSpace(attribute)
        defer { H5.closeSpace(space) }
        return try body(attribute, try H5.describeType(type), try H5.spaceExtent(space).shape)
    }

    /// Numeric values of attribute `name` and its shape, converted to `T`.
    func attributeValues<T: HDF5Scalar>(_ name: String, as: T.Type) throws(HDF5Error) -> (values: [T], shape: [Int]) {
        try inContext("cannot read attribute '\(name)' of '\(path)'") { () throws(HDF5Error) in
            try withAttribute(name) { (attribute, type, shape) throws(HDF5Error) in
                guard type.kind == .integer || type.kind == .float else {
                    throw HDF5Error("", reason: "it holds \(type.kind == .string ? "a string" : "a non-numeric value"), not numbers")
                }
                let values = try readArray(of: T.self, count: elementCount(shape), shape: shape) { (buffer) throws(HDF5Error) in
                    try H5.readAttribute(attribute, memoryType: T.hdf5Type, buffer)
                }
                return (values, shape)
            }
        }
    }

    /// The single numeric value of attribute `name`.
    func attributeValue<T: HDF5Scalar>(_ name: String, as: T.Type) throws(HDF5Error) -> T {
        let (values, _) = try attributeValues(name, as: T.self)
        guard values.count == 1 else {
            throw HDF5Error("cannot read attribute '\(name)' of '\(path)'",
                            reason: "it holds \(values.count) values, not one")
        }
        return values[0]
    }

    /// The string value of attribute `name` (variable- or fixed-length, scalar or one element).
    func attributeString(_ name: String) throws(HDF5Error) -> String {
        try inContext("cannot read attribute '\(name)' of '\(path)'") { () throws(HDF5Error) in
            try withAttribute(name) { (attribute, type, shape) throws(HDF5Error) in
                guard type.kind == .string else { throw HDF5Error("", reason: "it holds numbers, not a string") }
                let count = elementCount(shape)
                guard count == 1 else { throw HDF5Error("", reason: "it holds \(count) strings, not one") }
                return try StringCodec.read(count: 1, stored: type) { (memoryType, buffer) throws(HDF5Error) in
                    try H5.readAttribute(attribute, memoryType: memoryType, buffer)
                }[0]
            }
        }
    }

    func hasAttribute(_ name: String) -> Bool { (try? H5.attributeExists(id, name)) ?? false }

    func attributeNames() throws(HDF5Error) -> [String] {
        try inContext("cannot list the attributes of '\(path)'") { () throws(HDF5Error) in
            try H5.attributeNames(id).sorted()
        }
    }
}

/// The object whose attributes an `AttributeHolder` reads and writes (opaque outside the module).
public struct AttributeTarget {
    let location: Location
}

/// Groups and datasets: the attribute API both share. In a parallel file, setting an
/// attribute is collective (every rank, same name and value); reading is not.
public protocol AttributeHolder: ~Copyable {
    var attributeTarget: AttributeTarget { get }
}

extension AttributeHolder where Self: ~Copyable {
    /// Sets (creating or replacing) a scalar float64 attribute. Collective in a parallel file.
    /// `H5Acreate2`, `H5Awrite`
    public func setAttribute(_ name: String, _ value: Double) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, [value], shape: [])
    }
    /// Sets a scalar int64 attribute.
    public func setAttribute(_ name: String, _ value: Int) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, [value], shape: [])
    }
    /// Sets a scalar variable-length UTF-8 string attribute (h5py reads it as `str`).
    public func setAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, string: value)
    }
    /// Sets a one-dimensional float64 attribute.
    public func setAttribute(_ name: String, _ values: [Double]) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, values, shape: [values.count])
    }
    /// Sets a one-dimensional int64 attribute.
    public func setAttribute(_ name: String, _ values: [Int]) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, values, shape: [values.count])
    }
    /// Sets a numeric attribute of any supported type and shape (`[]` for a scalar).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws(HDF5Error) {
        try attributeTarget.location.setAttribute(name, values, shape: shape)
    }

    /// The single numeric value of attribute `name`, converted to Double. Throws if it is
    /// absent, not numeric, or has more than one element. `H5Aread`
    public func attributeDouble(_ name: String) throws(HDF5Error) -> Double {
        try attributeTarget.location.attributeValue(name, as: Double.self)
    }
    /// The single numeric value of attribute `name`, converted to Int.
    public func attributeInt(_ name: String) throws(HDF5Error) -> Int {
        try attributeTarget.location.attributeValue(name, as: Int.self)
    }
    /// The string value of attribute `name`; throws if it is absent or numeric.
    public func attributeString(_ name: String) throws(HDF5Error) -> String {
        try attributeTarget.location.attributeString(name)
    }
    /// All values of numeric attribute `name`, flattened, converted to Double.
    public func attributeDoubles(_ name: String) throws(HDF5Error) -> [Double] {
        try attributeTarget.location.attributeValues(name, as: Double.self).values
    }
    /// All values of numeric attribute `name`, flattened, converted to Int.
    public func attributeInts(_ name: String) throws(HDF5Error) -> [Int] {
        try attributeTarget.location.attributeValues(name, as: Int.self).values
    }
    /// All values of numeric attribute `name`, converted to `T`, with the attribute's shape.
    public func attributeValues<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws(HDF5Error) -> (values: [T], shape: [Int]) {
        try attributeTarget.location.attributeValues(name, as: type)
    }
    /// Whether the object has attribute `name`. `H5Aexists`
    public func hasAttribute(_ name: String) -> Bool { attributeTarget.location.hasAttribute(name) }
    /// Names of the object's attributes, sorted. `H5Aiterate2`
    public func attributeNames() throws(HDF5Error) -> [String] { try attributeTarget.location.attributeNames() }
}
