/// The HDF5 library's version, as "major.minor.release". `H5get_libversion`
public func hdf5LibraryVersion() -> String {
    let v = H5.libraryVersion()
    return "\(v.major).\(v.minor).\(v.release)"
}
