import HDF5

/// Copies HDF5 objects between serial files through the wrapper's public reads and writes:
/// groups recursively, datasets (every numeric element type, and strings) with their shapes
/// and values, and the attributes of both.
///
/// Known limit: the wrapper does not tell an attribute's stored type, so a numeric attribute
/// whose values are all whole numbers is copied as int64 (a float64 attribute 2.0 becomes the
/// integer 2); other numeric attributes are copied as float64, strings as strings. Chunking
/// and extendability of datasets are not kept (copies are contiguous).
enum GroupCopy {
    /// Copies every child and attribute of `source` into `target`.
    static func copyContents(of source: borrowing Group, into target: borrowing Group) throws {
        try copyAttributes(of: source, into: target)
        for name in try source.childNames() {
            if source.isGroup(name) {
                let from = try source.openGroup(name)
                let to = try target.createGroup(name)
                try copyContents(of: from, into: to)
                try to.close()
                try from.close()
            } else if source.isDataset(name) {
                try copyDataset(name, from: source, into: target)
            }
        }
    }

    static func copyDataset(_ name: String, from source: borrowing Group, into target: borrowing Group) throws {
        let dataset = try source.openDataset(name)
        let shape = dataset.shape
        if dataset.holdsStrings {
            try target.writeStrings(name, try dataset.readStrings())
        } else {
            switch dataset.elementType {
            case .float64: try target.writeDataset(name, try dataset.readAll(as: Double.self), shape: shape)
            case .int64: try target.writeDataset(name, try dataset.readAll(as: Int64.self), shape: shape)
            case .uint64: try target.writeDataset(name, try dataset.readAll(as: UInt64.self), shape: shape)
            case .int32: try target.writeDataset(name, try dataset.readAll(as: Int32.self), shape: shape)
            case .uint8: try target.writeDataset(name, try dataset.readAll(as: UInt8.self), shape: shape)
            case nil: throw CollectError("cannot copy dataset '\(dataset.path)': its element type is not one platlas writes")
            }
        }
        let copy = try target.openDataset(name)
        for attribute in try dataset.attributeNames() {
            if let text = try? dataset.attributeString(attribute) {
                try copy.setAttribute(attribute, text)
            } else {
                let (doubles, shape) = try dataset.attributeValues(attribute, as: Double.self)
                let integers = try dataset.attributeValues(attribute, as: Int64.self).values
                if zip(doubles, integers).allSatisfy({ Double($0.1) == $0.0 }) {
                    try copy.setAttribute(attribute, integers, shape: shape)
                } else {
                    try copy.setAttribute(attribute, doubles, shape: shape)
                }
            }
        }
        try copy.close()
        try dataset.close()
    }

    static func copyAttributes(of source: borrowing Group, into target: borrowing Group, except skipped: Set<String> = []) throws {
        for attribute in try source.attributeNames() where !skipped.contains(attribute) {
            if let text = try? source.attributeString(attribute) {
                try target.setAttribute(attribute, text)
            } else {
                let (doubles, shape) = try source.attributeValues(attribute, as: Double.self)
                let integers = try source.attributeValues(attribute, as: Int64.self).values
                if zip(doubles, integers).allSatisfy({ Double($0.1) == $0.0 }) {
                    try target.setAttribute(attribute, integers, shape: shape)
                } else {
                    try target.setAttribute(attribute, doubles, shape: shape)
                }
            }
        }
    }
}
