import CHDF5

/// The HDF5 library's version, as "major.minor.release". `H5get_libversion`
public func hdf5LibraryVersion() -> String {
    var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
    H5get_libversion(&major, &minor, &release)
    return "\(major).\(minor).\(release)"
}
