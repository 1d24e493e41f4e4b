/// Version of the HDF5 result layout documented in docs/hdf5-schema.md. Raise it whenever a
/// path, shape or meaning changes in a way a reader would notice.
public let resultSchemaVersion = 1
