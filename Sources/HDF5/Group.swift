/// A group of an open file: a folder of groups and datasets, with attributes.
///
/// `File.root` gives a non-owning view of the root group; `createGroup` and `openGroup` give
/// owned groups, closed by `close()` or, failing that, when they go out of scope. Paths are
/// relative to the group (`"a/b"`) or absolute (`"/a/b"`).
///
/// In a parallel file, everything that changes the file is collective — every rank calls it
/// with the same arguments in the same order: `createGroup`, `createDataset`, `writeDataset`,
/// `writeStrings`, `setAttribute`, and `close` of a group. Opening and reading may be done by
/// any subset of ranks.
public struct Group: ~Copyable {
    let location: Location
    let owns: Bool

    init(location: Location, owns: Bool) {
        self.location = location
        self.owns = owns
    }

    deinit {
        if owns, location.file.deinitMayClose, H5.isValid(location.id) { try? H5.closeGroup(location.id) }
    }

    /// Closes the group (a no-op for the root view). Collective in a parallel file. `H5Gclose`
    public consuming func close() throws(HDF5Error) {
        let id = location.id, owns = self.owns, path = location.path
        discard self
        if owns { try inContext("cannot close group '\(path)'") { () throws(HDF5Error) in try H5.closeGroup(id) } }
    }

    /// The group's absolute path in the file (`/` for the root). `H5Iget_name`
    public var path: String { location.path }

    var file: FileContext { location.file }

    // MARK: Structure

    /// Creates the group `path`, with any missing intermediate groups; throws if it exists.
    /// `H5Gcreate2` with `H5Pset_create_intermediate_group`
    public func createGroup(_ path: String) throws(HDF5Error) -> Group {
        try inContext("cannot create group '\(path)' in '\(self.path)'") { () throws(HDF5Error) -> Group in
            let links = try H5.linkCreateList()
            defer { H5.closePropertyList(links) }
            let id = try H5.createGroup(location.id, path, linkList: links)
            return Group(location: Location(id: id, file: file), owns: true)
        }
    }

    /// Opens the existing group `path`. `H5Gopen2`
    public func openGroup(_ path: String) throws(HDF5Error) -> Group {
        try inContext("cannot open group '\(path)' in '\(self.path)'") { () throws(HDF5Error) -> Group in
            let id = try H5.openGroup(location.id, path)
            return Group(location: Location(id: id, file: file), owns: true)
        }
    }

    /// Opens the group `path`, creating it (and missing intermediate groups) if absent.
    public func openOrCreateGroup(_ path: String) throws(HDF5Error) -> Group {
        exists(path) ? try openGroup(path) : try createGroup(path)
    }

    /// Whether `path` names an existing object. Checks one component at a time, so a path
    /// through a missing group or through a dataset is simply absent (never an error).
    /// `H5Lexists`, `H5Oopen`
    public func exists(_ path: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return true }  // "" , "/" and the like name this group or the root
        var prefix = path.hasPrefix("/") ? "/" : ""
        for (i, component) in components.enumerated() {
            prefix += (i == 0 ? "" : "/") + component
            if component == "." { continue }
            guard H5.linkExists(location.id, prefix) else { return false }
            let kind = H5.objectKind(location.id, prefix)
            if kind == nil { return false }  // a dangling soft or external link
            if i < components.count - 1 && !H5.isGroupKind(kind) { return false }
        }
        return true
    }

    /// Whether `path` names an existing group.
    public func isGroup(_ path: String) -> Bool { exists(path) && H5.isGroupKind(H5.objectKind(location.id, path)) }

    /// Whether `path` names an existing dataset.
    public func isDataset(_ path: String) -> Bool { exists(path) && H5.isDatasetKind(H5.objectKind(location.id, path)) }

    /// Names of the group's members (groups, datasets, links), sorted by name. `H5Literate`
    public func childNames() throws(HDF5Error) -> [String] {
        try inContext("cannot list the members of '\(path)'") { () throws(HDF5Error) in
            try H5.linkNames(location.id).sorted()
        }
    }

    /// Removes the link `path` (a group, with everything under it, or a dataset). The space
    /// it took is not given back to the file system (HDF5 does not shrink files), but the file
    /// reads as if the object had never been written. Collective in a parallel file.
    /// `H5Ldelete`
    public func remove(_ path: String) throws(HDF5Error) {
        try inContext("cannot remove '\(path)' from '\(self.path)'") { () throws(HDF5Error) in try H5.deleteLink(location.id, path) }
    }

    /// Writes all buffered data and metadata of the group's file to disk. Collective in a
    /// parallel file. `H5Fflush(H5F_SCOPE_GLOBAL)`
    public func flushFile() throws(HDF5Error) {
        try inContext("cannot flush the file of '\(path)'") { () throws(HDF5Error) in try H5.flushFile(location.id) }
    }
}

extension Group: AttributeHolder {
    public var attributeTarget: AttributeTarget { AttributeTarget(location: location) }
}
