/// The HDF5 library's version, as "major.minor.release". `H5get_libversion`
public func hdf5LibraryVersion() -> String {
    let v = H5.libraryVersion()
    return "\(v.major).\(v.minor).\(v.release)"
}

/// Whether the HDF5 library can still shut down: false once a file could not be closed even
/// with its pending writes discarded (`File.abandon()`). The library then holds the file
/// half-closed and would crash when it shuts down, in `MPI_Finalize` or at exit: a process
/// should then end with `_exit`, skipping both.
public var hdf5LibraryCanShutDown: Bool { H5.canShutDown }
