import MPI  // Communicator

/// How `File.open` opens a file.
public enum FileMode: Sendable {
    case readOnly, readWrite
}

/// An open HDF5 file, serial or parallel (MPI-IO).
///
/// Close it with `close()`, which reports errors. If a *serial* file is dropped without
/// `close()`, its `deinit` closes it silently. A *parallel* file must be closed with
/// `close()` by every rank at the same point of the program: closing is collective. Its
/// `deinit` runs only when `close()` was never called; it then closes the file collectively
/// (which deadlocks unless every rank drops the file at the same point) and does nothing at
/// all once MPI has been finalised.
///
/// Closing a file also closes every group and dataset still open in it (`H5F_CLOSE_STRONG`);
/// their handles then report errors instead of touching the file.
public struct File: ~Copyable {
    let id: ObjectID
    let context: FileContext

    private init(id: ObjectID, context: FileContext) {
        self.id = id
        self.context = context
    }

    deinit {
        if context.deinitMayClose, H5.isValid(id) { try? H5.closeFile(id) }
    }

    /// Creates `path`, truncating any existing file. With a communicator the file is parallel
    /// (MPI-IO driver) and the call is collective over it. `H5Fcreate(H5F_ACC_TRUNC)`,
    /// `H5Pset_fapl_mpio`
    public static func create(_ path: String, communicator: Communicator? = nil) throws(HDF5Error) -> File {
        H5.silenceAutomaticErrorPrinting()
        return try inContext("cannot create file '\(path)'") { () throws(HDF5Error) -> File in
            let access = try H5.fileAccessList(communicator: communicator?.handle)
            defer { H5.closePropertyList(access) }
            let id = try H5.createFile(path, access: access)
            return File(id: id, context: FileContext(isParallel: communicator != nil, rank: communicator?.rank ?? 0))
        }
    }

    /// Opens the existing file `path`. With a communicator the file is parallel (MPI-IO
    /// driver) and the call is collective over it. `H5Fopen`, `H5Pset_fapl_mpio`
    public static func open(
        _ path: String, mode: FileMode = .readOnly, communicator: Communicator? = nil
    ) throws(HDF5Error) -> File {
        H5.silenceAutomaticErrorPrinting()
        return try inContext("cannot open file '\(path)'") { () throws(HDF5Error) -> File in
            let access = try H5.fileAccessList(communicator: communicator?.handle)
            defer { H5.closePropertyList(access) }
            let id = try H5.openFile(path, writable: mode == .readWrite, access: access)
            return File(id: id, context: FileContext(isParallel: communicator != nil, rank: communicator?.rank ?? 0))
        }
    }

    /// Whether `path` is an HDF5 file; false for any other file and for a missing one.
    /// `H5Fis_hdf5`
    public static func isHDF5(_ path: String) -> Bool {
        H5.silenceAutomaticErrorPrinting()
        return H5.isHDF5(path)
    }

    /// A view of the root group `/`, valid while the file is open (it owns nothing).
    public var root: Group { Group(location: Location(id: id, file: context), owns: false) }

    /// Whether the file was opened with the MPI-IO driver.
    public var isParallel: Bool { context.isParallel }

    /// The file's name as it was opened. `H5Fget_name`
    public var path: String { H5.fileName(id) }

    /// Writes all buffered data and metadata to the file. Collective in a parallel file.
    /// `H5Fflush(H5F_SCOPE_GLOBAL)`
    public func flush() throws(HDF5Error) {
        try inContext("cannot flush file '\(path)'") { () throws(HDF5Error) in try H5.flushFile(id) }
    }

    /// Closes the file and every object still open in it. Collective in a parallel file:
    /// every rank calls it. `H5Fclose`
    public consuming func close() throws(HDF5Error) {
        let id = self.id, path = self.path
        discard self
        try inContext("cannot close file '\(path)'") { () throws(HDF5Error) in try H5.closeFile(id) }
    }
}
