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
///
/// A write that fails (a full disk) must not leave the file half-closed in the library, which
/// would try to close it again when it shuts down (in `MPI_Finalize` or at exit) and crash:
/// give a file up after an error with `abandon()`, and see `hdf5LibraryCanShutDown`.
public struct File: ~Copyable {
    let id: ObjectID
    let context: FileContext

    private init(id: ObjectID, context: FileContext) {
        self.id = id
        self.context = context
    }

    deinit {
        if context.deinitMayClose, H5.isValid(id) { try? Self.close(id, context) }
    }

    /// Flushes, then closes. If the flush fails (data that cannot be written), the file is
    /// closed as `abandon()` closes it and the flush's error is thrown.
    static func close(_ id: ObjectID, _ context: FileContext) throws(HDF5Error) {
        do {
            try H5.flushFile(id)
        } catch {
            closeDiscarding(id, context)
            throw error
        }
        do {
            try H5.closeFile(id)
        } catch {
            H5.canShutDown = false
            throw error
        }
    }

    /// Closes `id` without writing what the library still buffers for it: a serial file's
    /// descriptor is first pointed at an anonymous in-memory file, which receives those writes;
    /// a parallel file is closed as it is (collective). A close that fails even so leaves the
    /// library unable to shut down (`hdf5LibraryCanShutDown`).
    static func closeDiscarding(_ id: ObjectID, _ context: FileContext) {
        if !context.isParallel { _ = H5.discardStorage(id) }
        do {
            try H5.closeFile(id)
        } catch {
            H5.canShutDown = false
        }
    }

    /// Creates `path`, truncating any existing file. With a communicator the file is parallel
    /// (MPI-IO driver) and the call is collective over it. `H5Fcreate(H5F_ACC_TRUNC)`,
    /// `H5Pset_fapl_mpio`
    public static func create(_ path: String, communicator: Communicator? = nil) throws(HDF5Error) -> File {
        H5.silenceAutomaticErrorPrinting()
        return try inContext("cannot create file '\(path)'") { () throws(HDF5Error) -> File in
            let access = try H5.fileAccessList(communicator: communicator.flatMap { $0.isAlone ? nil : $0.handle })
            defer { H5.closePropertyList(access) }
            let id = try H5.createFile(path, access: access)
            return File(id: id, context: FileContext(isParallel: communicator.map { !$0.isAlone } ?? false, rank: communicator?.rank ?? 0))
        }
    }

    /// Opens the existing file `path`. With a communicator the file is parallel (MPI-IO
    /// driver) and the call is collective over it. `H5Fopen`, `H5Pset_fapl_mpio`
    public static func open(
        _ path: String, mode: FileMode = .readOnly, communicator: Communicator? = nil
    ) throws(HDF5Error) -> File {
        H5.silenceAutomaticErrorPrinting()
        return try inContext("cannot open file '\(path)'") { () throws(HDF5Error) -> File in
            let access = try H5.fileAccessList(communicator: communicator.flatMap { $0.isAlone ? nil : $0.handle })
            defer { H5.closePropertyList(access) }
            let id = try H5.openFile(path, writable: mode == .readWrite, access: access)
            return File(id: id, context: FileContext(isParallel: communicator.map { !$0.isAlone } ?? false, rank: communicator?.rank ?? 0))
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

    /// The MPI-IO hints the file was opened with (`MPIIOHints`), in key order; empty for a
    /// serial file.
    public func mpiIOHints() throws(HDF5Error) -> [(key: String, value: String)] {
        context.isParallel ? try H5.mpiIOHints(ofFile: id) : []
    }

    /// The file's name as it was opened. `H5Fget_name`
    public var path: String { H5.fileName(id) }

    /// Writes all buffered data and metadata to the file. Collective in a parallel file.
    /// `H5Fflush(H5F_SCOPE_GLOBAL)`
    public func flush() throws(HDF5Error) {
        try inContext("cannot flush file '\(path)'") { () throws(HDF5Error) in try H5.flushFile(id) }
    }

    /// Writes what is buffered, then closes the file and every object still open in it.
    /// Collective in a parallel file: every rank calls it. If the writes fail (a full disk),
    /// the file is closed as `abandon()` closes it and the error is thrown.
    /// `H5Fflush`, `H5Fclose`
    public consuming func close() throws(HDF5Error) {
        let id = self.id, path = self.path, context = self.context
        discard self
        try inContext("cannot close file '\(path)'") { () throws(HDF5Error) in try Self.close(id, context) }
    }

    /// Gives the file up after an error: closes it and every object still open in it without
    /// writing what the library still buffers for it (a serial file's pending writes go to an
    /// anonymous in-memory file instead; what is on disk stays as the earlier writes left it).
    /// Never throws. A parallel file is closed normally, collectively: call it on every rank,
    /// or use `abandonWithoutClosing()` on a rank that failed alone.
    /// `H5Fget_vfd_handle`, `H5Fclose`
    public consuming func abandon() {
        let id = self.id, context = self.context
        discard self
        Self.closeDiscarding(id, context)
    }

    /// Gives the file up without closing it: for a parallel file on a rank whose write failed
    /// while the other ranks carry on, just before the job is aborted (closing is collective
    /// and would wait for ranks that never come). The library keeps it open until the process
    /// ends.
    public consuming func abandonWithoutClosing() {
        discard self
    }
}
