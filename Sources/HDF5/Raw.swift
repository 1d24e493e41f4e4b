// The only file that calls the HDF5 C API. Each function is a thin, typed wrapper over one or a
// few `H5*` calls: it turns a negative return value into an `HDF5Error` carrying the library's
// error stack and otherwise adds no policy. The public types build on these. Over 400 lines on
// purpose: one place holds every C call and the lock that serialises them.
import CHDF5
import CMPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Identifier of any HDF5 object (`hid_t`).
typealias ObjectID = hid_t

/// What the library says about a datatype.
struct TypeDescription {
    enum Kind { case integer, float, string, other }
    var kind: Kind
    /// Size in bytes of one element (for fixed-length strings: the string length).
    var size: Int
    var isSigned: Bool
    var isVariableLengthString: Bool
}

enum H5 {
    // MARK: One caller at a time

    /// The library is not thread-safe (Debian builds parallel HDF5 without its thread-safe
    /// option), so every function here holds this lock for the whole of its C calls, error
    /// stack included: one call at a time per process, as the thread-safe build would do.
    /// Recursive, because wrappers call wrappers and iteration callbacks call back in.
    static let lock = RecursiveLock()

    static func locked<T>(_ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body()
    }

    // MARK: Errors

    /// Turns off the library's automatic printing of error stacks to standard error, so that
    /// the stack reaches the caller inside an `HDF5Error` instead. Idempotent. `H5Eset_auto2`
    static func silenceAutomaticErrorPrinting() {
        lock.lock(); defer { lock.unlock() }
        H5Eset_auto2(chdf5_e_default(), nil, nil)
    }

    /// The current error stack, outermost first, then clears it. `H5Ewalk2`, `H5Eclear2`
    static func takeErrorStack() -> [HDF5Error.Frame] {
        lock.lock(); defer { lock.unlock() }
        var frames: [HDF5Error.Frame] = []
        withUnsafeMutablePointer(to: &frames) { pointer in
            _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, recordErrorFrame, pointer)
        }
        H5Eclear2(chdf5_e_default())
        return frames
    }

    static func failure(_ function: String) -> HDF5Error {
        HDF5Error(function: function, stack: takeErrorStack())
    }

    @inline(__always)
    static func check(_ status: herr_t, _ function: String) throws(HDF5Error) {
        if status < 0 { throw failure(function) }
    }

    @inline(__always)
    static func checkID(_ id: hid_t, _ function: String) throws(HDF5Error) -> ObjectID {
        if id < 0 { throw failure(function) }
        return id
    }

    @inline(__always)
    static func checkTruth(_ value: htri_t, _ function: String) throws(HDF5Error) -> Bool {
        if value < 0 { throw failure(function) }
        return value > 0
    }

    // MARK: Library

    /// `H5get_libversion`
    static func libraryVersion() -> (major: Int, minor: Int, release: Int) {
        lock.lock(); defer { lock.unlock() }
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return (Int(major), Int(minor), Int(release))
    }

    /// Whether `id` names an open object. `H5Iis_valid`
    static func isValid(_ id: ObjectID) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return H5Iis_valid(id) > 0
    }

    /// The path of the object `id` was opened by (`/a/b`). `H5Iget_name`
    static func name(of id: ObjectID) -> String {
        lock.lock(); defer { lock.unlock() }
        let length = H5Iget_name(id, nil, 0)
        if length <= 0 { return "?" }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        _ = H5Iget_name(id, &buffer, buffer.count)
        return string(fromNulTerminated: buffer)
    }

    /// Frees memory the library allocated (variable-length strings). `H5free_memory`
    static func freeMemory(_ pointer: UnsafeMutableRawPointer?) {
        lock.lock(); defer { lock.unlock() }
        _ = H5free_memory(pointer)
    }

    // MARK: Files

    /// `H5Fis_hdf5`; false for a missing or unreadable file as well.
    static func isHDF5(_ path: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let result = H5Fis_hdf5(path)
        if result < 0 { H5Eclear2(chdf5_e_default()) }
        return result > 0
    }

    /// Creates (truncating) a file. `H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)`
    static func createFile(_ path: String, access: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Fcreate(path, chdf5_f_acc_trunc(), chdf5_p_default(), access), "H5Fcreate")
    }

    /// `H5Fopen`
    static func openFile(_ path: String, writable: Bool, access: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Fopen(path, writable ? chdf5_f_acc_rdwr() : chdf5_f_acc_rdonly(), access), "H5Fopen")
    }

    /// `H5Fflush(id, H5F_SCOPE_GLOBAL)`
    static func flushFile(_ id: ObjectID) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Fflush(id, H5F_SCOPE_GLOBAL), "H5Fflush")
    }

    /// `H5Fclose`
    static func closeFile(_ id: ObjectID) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Fclose(id), "H5Fclose")
    }

    /// False once a file could not be closed (see `hdf5LibraryCanShutDown`). HDF5 calls are
    /// made from one thread at a time (the library is not thread-safe), and so is this.
    nonisolated(unsafe) static var canShutDown = true

    /// Points the file descriptor of the serial (sec2 driver) file `id` at an anonymous
    /// in-memory file, so that whatever the library still writes is discarded; false if that
    /// was not possible. `H5Fget_vfd_handle`
    static func discardStorage(_ id: ObjectID) -> Bool {
        lock.lock(); defer { lock.unlock() }
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(id, chdf5_p_default(), &handle) >= 0, let handle else { return false }
        return chdf5_redirect_to_anonymous_file(handle.load(as: Int32.self)) == 0
    }

    /// The file's name as given when it was opened. `H5Fget_name`
    static func fileName(_ id: ObjectID) -> String {
        lock.lock(); defer { lock.unlock() }
        let length = H5Fget_name(id, nil, 0)
        if length <= 0 { return "?" }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        _ = H5Fget_name(id, &buffer, buffer.count)
        return string(fromNulTerminated: buffer)
    }

    // MARK: Property lists

    /// The MPI-IO hints the open parallel file `id` was given (key, value), in key order; empty
    /// for a serial file. `H5Fget_access_plist`, `H5Pget_fapl_mpio`, `MPI_Info_get_nkeys`,
    /// `MPI_Info_get_nthkey`, `MPI_Info_get`, `MPI_Info_free`, `MPI_Comm_free`
    static func mpiIOHints(ofFile id: ObjectID) throws(HDF5Error) -> [(key: String, value: String)] {
        lock.lock(); defer { lock.unlock() }
        let list = try checkID(H5Fget_access_plist(id), "H5Fget_access_plist")
        defer { closePropertyList(list) }
        var communicator = cmpi_comm_null()
        var info = cmpi_info_null()
        try check(H5Pget_fapl_mpio(list, &communicator, &info), "H5Pget_fapl_mpio")
        defer {
            if communicator != cmpi_comm_null() { MPI_Comm_free(&communicator) }
            if info != cmpi_info_null() { MPI_Info_free(&info) }
        }
        guard info != cmpi_info_null() else { return [] }
        var count: Int32 = 0
        MPI_Info_get_nkeys(info, &count)
        var hints: [(key: String, value: String)] = []
        for k in 0..<count {
            var key = [CChar](repeating: 0, count: 256)
            var value = [CChar](repeating: 0, count: 1025)
            var found: Int32 = 0
            MPI_Info_get_nthkey(info, k, &key)
            MPI_Info_get(info, key, Int32(value.count - 1), &value, &found)
            if found != 0 { hints.append((string(fromNulTerminated: key), string(fromNulTerminated: value))) }
        }
        return hints.sorted { $0.key < $1.key }
    }

    /// The MPI-IO hints of parallel files (`MPIIOHints`); one writer at a time, under `lock`.
    nonisolated(unsafe) static var mpiIOHints: [(key: String, value: String)] = []

    /// A file access list that closes every object of the file with it (`H5F_CLOSE_STRONG`),
    /// locks files where the file system allows it and goes on without a lock where it does not
    /// (Lustre and NFS mounts without `flock`), and, given a communicator, uses the MPI-IO
    /// driver with `mpiIOHints`. `H5Pcreate(H5P_FILE_ACCESS)`, `H5Pset_fclose_degree`,
    /// `H5Pset_file_locking(1, 1)`, `MPI_Info_create`, `MPI_Info_set`, `H5Pset_fapl_mpio`,
    /// `MPI_Info_free`
    static func fileAccessList(communicator: MPI_Comm?) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        let list = try checkID(H5Pcreate(chdf5_p_file_access()), "H5Pcreate")
        do {
            try check(H5Pset_fclose_degree(list, H5F_CLOSE_STRONG), "H5Pset_fclose_degree")
            try check(H5Pset_file_locking(list, true, true), "H5Pset_file_locking")
            if let communicator {
                var info = cmpi_info_null()
                if !mpiIOHints.isEmpty {
                    MPI_Info_create(&info)
                    for (key, value) in mpiIOHints { MPI_Info_set(info, key, value) }
                }
                defer { if !mpiIOHints.isEmpty { MPI_Info_free(&info) } }
                try check(H5Pset_fapl_mpio(list, communicator, info), "H5Pset_fapl_mpio")
            }
        } catch {
            closePropertyList(list)
            throw error
        }
        return list
    }

    /// A link creation list that creates missing intermediate groups.
    /// `H5Pcreate(H5P_LINK_CREATE)`, `H5Pset_create_intermediate_group`
    static func linkCreateList() throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        let list = try checkID(H5Pcreate(chdf5_p_link_create()), "H5Pcreate")
        do {
            try check(H5Pset_create_intermediate_group(list, 1), "H5Pset_create_intermediate_group")
        } catch {
            closePropertyList(list)
            throw error
        }
        return list
    }

    /// A dataset creation list, chunked if `chunk` is given. `H5Pcreate(H5P_DATASET_CREATE)`,
    /// `H5Pset_chunk`
    static func datasetCreateList(chunk: [Int]?) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        let list = try checkID(H5Pcreate(chdf5_p_dataset_create()), "H5Pcreate")
        if let chunk {
            let dims = chunk.map { hsize_t($0) }
            do {
                try check(H5Pset_chunk(list, Int32(dims.count), dims), "H5Pset_chunk")
            } catch {
                closePropertyList(list)
                throw error
            }
        }
        return list
    }

    /// A transfer list; collective MPI-IO if asked. `H5Pcreate(H5P_DATASET_XFER)`,
    /// `H5Pset_dxpl_mpio(H5FD_MPIO_COLLECTIVE)`
    static func transferList(collective: Bool) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        let list = try checkID(H5Pcreate(chdf5_p_dataset_xfer()), "H5Pcreate")
        if collective {
            do {
                try check(H5Pset_dxpl_mpio(list, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio")
            } catch {
                closePropertyList(list)
                throw error
            }
        }
        return list
    }

    /// The chunk dimensions of a dataset creation list, nil if not chunked.
    /// `H5Pget_layout`, `H5Pget_chunk`
    static func chunkDimensions(_ list: ObjectID) -> [Int]? {
        lock.lock(); defer { lock.unlock() }
        guard H5Pget_layout(list) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = H5Pget_chunk(list, 32, &dims)
        guard rank >= 0 else {
            H5Eclear2(chdf5_e_default())
            return nil
        }
        return dims.prefix(Int(rank)).map { Int($0) }
    }

    /// `H5Pclose`, errors ignored.
    static func closePropertyList(_ id: ObjectID) {
        lock.lock(); defer { lock.unlock() }
        _ = H5Pclose(id)
    }

    // MARK: Groups and links

    /// `H5Gcreate2`
    static func createGroup(_ location: ObjectID, _ path: String, linkList: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Gcreate2(location, path, linkList, chdf5_p_default(), chdf5_p_default()), "H5Gcreate2")
    }

    /// `H5Gopen2`
    static func openGroup(_ location: ObjectID, _ path: String) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Gopen2(location, path, chdf5_p_default()), "H5Gopen2")
    }

    /// `H5Gclose`
    static func closeGroup(_ id: ObjectID) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Gclose(id), "H5Gclose")
    }

    /// Whether a link `path` exists; false (not an error) if the path cannot be followed.
    /// `H5Lexists`
    static func linkExists(_ location: ObjectID, _ path: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let result = H5Lexists(location, path, chdf5_p_default())
        if result < 0 { H5Eclear2(chdf5_e_default()) }
        return result > 0
    }

    /// `H5Ldelete`
    static func deleteLink(_ location: ObjectID, _ path: String) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Ldelete(location, path, chdf5_p_default()), "H5Ldelete")
    }

    /// The kind of object at `path`, nil if it cannot be opened. `H5Oopen`, `H5Iget_type`
    static func objectKind(_ location: ObjectID, _ path: String) -> H5I_type_t? {
        lock.lock(); defer { lock.unlock() }
        let object = H5Oopen(location, path, chdf5_p_default())
        if object < 0 {
            H5Eclear2(chdf5_e_default())
            return nil
        }
        defer { _ = H5Oclose(object) }
        return H5Iget_type(object)
    }

    static func isGroupKind(_ kind: H5I_type_t?) -> Bool { kind == H5I_GROUP || kind == H5I_FILE }
    static func isDatasetKind(_ kind: H5I_type_t?) -> Bool { kind == H5I_DATASET }

    /// Names of the links in a group, in the library's name order. `H5Literate`
    static func linkNames(_ group: ObjectID) throws(HDF5Error) -> [String] {
        lock.lock(); defer { lock.unlock() }
        var names: [String] = []
        var index: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, recordLinkName, pointer)
        }
        try check(status, "H5Literate")
        return names
    }

    // MARK: Dataspaces

    /// A simple dataspace of `shape` (a scalar one for `[]`); `nil` entries of `maxShape` are
    /// unlimited. `H5Screate_simple`, `H5Screate(H5S_SCALAR)`
    static func createSpace(shape: [Int], maxShape: [Int?]? = nil) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        if shape.isEmpty { return try checkID(H5Screate(H5S_SCALAR), "H5Screate") }
        let dims = shape.map { hsize_t($0) }
        if let maxShape {
            let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? chdf5_s_unlimited() }
            return try checkID(H5Screate_simple(Int32(dims.count), dims, maxDims), "H5Screate_simple")
        }
        return try checkID(H5Screate_simple(Int32(dims.count), dims, nil), "H5Screate_simple")
    }

    /// Current and maximal dimensions (nil = unlimited). `H5Sget_simple_extent_dims`
    static func spaceExtent(_ space: ObjectID) throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        lock.lock(); defer { lock.unlock() }
        let rank = H5Sget_simple_extent_ndims(space)
        if rank < 0 { throw failure("H5Sget_simple_extent_ndims") }
        if rank == 0 { return ([], []) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        var maxDims = [hsize_t](repeating: 0, count: Int(rank))
        try check(H5Sget_simple_extent_dims(space, &dims, &maxDims), "H5Sget_simple_extent_dims")
        let unlimited = chdf5_s_unlimited()
        return (dims.map { Int($0) }, maxDims.map { $0 == unlimited ? nil : Int($0) })
    }

    /// Number of elements in the extent. `H5Sget_simple_extent_npoints`
    static func elementCount(_ space: ObjectID) throws(HDF5Error) -> Int {
        lock.lock(); defer { lock.unlock() }
        let n = H5Sget_simple_extent_npoints(space)
        if n < 0 { throw failure("H5Sget_simple_extent_npoints") }
        return Int(n)
    }

    /// `H5Sselect_hyperslab(H5S_SELECT_SET, start, NULL, count, NULL)`
    static func selectHyperslab(_ space: ObjectID, start: [Int], count: [Int]) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        let s = start.map { hsize_t($0) }, c = count.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(space, H5S_SELECT_SET, s, nil, c, nil), "H5Sselect_hyperslab")
    }

    /// `H5Sselect_none`
    static func selectNone(_ space: ObjectID) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Sselect_none(space), "H5Sselect_none")
    }

    /// `H5Sclose`, errors ignored.
    static func closeSpace(_ id: ObjectID) {
        lock.lock(); defer { lock.unlock() }
        _ = H5Sclose(id)
    }

    // MARK: Datatypes

    /// `H5Tget_class`, `H5Tget_size`, `H5Tget_sign`, `H5Tis_variable_str`
    static func describeType(_ type: ObjectID) throws(HDF5Error) -> TypeDescription {
        lock.lock(); defer { lock.unlock() }
        let typeClass = H5Tget_class(type)
        if typeClass == H5T_NO_CLASS { throw failure("H5Tget_class") }
        let size = H5Tget_size(type)
        if size == 0 { throw failure("H5Tget_size") }
        switch typeClass {
        case H5T_INTEGER:
            return TypeDescription(kind: .integer, size: size, isSigned: H5Tget_sign(type) == H5T_SGN_2,
                                   isVariableLengthString: false)
        case H5T_FLOAT:
            return TypeDescription(kind: .float, size: size, isSigned: true, isVariableLengthString: false)
        case H5T_STRING:
            let variable = try checkTruth(H5Tis_variable_str(type), "H5Tis_variable_str")
            return TypeDescription(kind: .string, size: size, isSigned: false, isVariableLengthString: variable)
        default:
            return TypeDescription(kind: .other, size: size, isSigned: false, isVariableLengthString: false)
        }
    }

    /// A UTF-8 string type: variable length if `length` is nil, else fixed `length` bytes,
    /// null-padded. `H5Tcopy(H5T_C_S1)`, `H5Tset_size`, `H5Tset_cset`, `H5Tset_strpad`
    static func stringType(length: Int?) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        let type = try checkID(H5Tcopy(chdf5_c_s1()), "H5Tcopy")
        do {
            try check(H5Tset_size(type, length ?? chdf5_t_variable()), "H5Tset_size")
            try check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset")
            if length != nil { try check(H5Tset_strpad(type, H5T_STR_NULLPAD), "H5Tset_strpad") }
        } catch {
            closeType(type)
            throw error
        }
        return type
    }

    /// `H5Tclose`, errors ignored.
    static func closeType(_ id: ObjectID) {
        lock.lock(); defer { lock.unlock() }
        _ = H5Tclose(id)
    }

    // MARK: Datasets

    /// `H5Dcreate2`
    static func createDataset(_ location: ObjectID, _ name: String, type: ObjectID, space: ObjectID,
                              linkList: ObjectID, createList: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Dcreate2(location, name, type, space, linkList, createList, chdf5_p_default()), "H5Dcreate2")
    }

    /// `H5Dopen2`
    static func openDataset(_ location: ObjectID, _ name: String) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Dopen2(location, name, chdf5_p_default()), "H5Dopen2")
    }

    /// A copy of the dataset's dataspace. `H5Dget_space`
    static func datasetSpace(_ id: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Dget_space(id), "H5Dget_space")
    }

    /// A copy of the dataset's stored datatype. `H5Dget_type`
    static func datasetType(_ id: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Dget_type(id), "H5Dget_type")
    }

    /// A copy of the dataset's creation list. `H5Dget_create_plist`
    static func datasetCreateListOf(_ id: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Dget_create_plist(id), "H5Dget_create_plist")
    }

    /// `H5Dwrite`
    static func write(_ dataset: ObjectID, memoryType: ObjectID, memorySpace: ObjectID, fileSpace: ObjectID,
                      transfer: ObjectID, _ buffer: UnsafeRawPointer?) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Dwrite(dataset, memoryType, memorySpace, fileSpace, transfer, buffer), "H5Dwrite")
    }

    /// `H5Dread`
    static func read(_ dataset: ObjectID, memoryType: ObjectID, memorySpace: ObjectID, fileSpace: ObjectID,
                     transfer: ObjectID, _ buffer: UnsafeMutableRawPointer?) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Dread(dataset, memoryType, memorySpace, fileSpace, transfer, buffer), "H5Dread")
    }

    /// `H5Dset_extent`
    static func setExtent(_ dataset: ObjectID, _ shape: [Int]) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        let dims = shape.map { hsize_t($0) }
        try check(H5Dset_extent(dataset, dims), "H5Dset_extent")
    }

    /// `H5Dclose`
    static func closeDataset(_ id: ObjectID) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Dclose(id), "H5Dclose")
    }

    // MARK: Attributes

    /// `H5Aexists`
    static func attributeExists(_ object: ObjectID, _ name: String) throws(HDF5Error) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return try checkTruth(H5Aexists(object, name), "H5Aexists")
    }

    /// `H5Acreate2`
    static func createAttribute(_ object: ObjectID, _ name: String, type: ObjectID, space: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Acreate2(object, name, type, space, chdf5_p_default(), chdf5_p_default()), "H5Acreate2")
    }

    /// `H5Aopen`
    static func openAttribute(_ object: ObjectID, _ name: String) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Aopen(object, name, chdf5_p_default()), "H5Aopen")
    }

    /// `H5Adelete`
    static func deleteAttribute(_ object: ObjectID, _ name: String) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Adelete(object, name), "H5Adelete")
    }

    /// `H5Awrite`
    static func writeAttribute(_ attribute: ObjectID, memoryType: ObjectID, _ buffer: UnsafeRawPointer) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Awrite(attribute, memoryType, buffer), "H5Awrite")
    }

    /// `H5Aread`
    static func readAttribute(_ attribute: ObjectID, memoryType: ObjectID, _ buffer: UnsafeMutableRawPointer) throws(HDF5Error) {
        lock.lock(); defer { lock.unlock() }
        try check(H5Aread(attribute, memoryType, buffer), "H5Aread")
    }

    /// `H5Aget_space`
    static func attributeSpace(_ attribute: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Aget_space(attribute), "H5Aget_space")
    }

    /// `H5Aget_type`
    static func attributeType(_ attribute: ObjectID) throws(HDF5Error) -> ObjectID {
        lock.lock(); defer { lock.unlock() }
        return try checkID(H5Aget_type(attribute), "H5Aget_type")
    }

    /// `H5Aclose`, errors ignored.
    static func closeAttribute(_ id: ObjectID) {
        lock.lock(); defer { lock.unlock() }
        _ = H5Aclose(id)
    }

    /// Names of an object's attributes, in name order. `H5Aiterate2`
    static func attributeNames(_ object: ObjectID) throws(HDF5Error) -> [String] {
        lock.lock(); defer { lock.unlock() }
        var names: [String] = []
        var index: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, recordAttributeName, pointer)
        }
        try check(status, "H5Aiterate2")
        return names
    }

    // MARK: Helpers

    static func string(fromNulTerminated buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: C callbacks (capture nothing; their state arrives through the client pointer)

private func recordErrorFrame(_ n: UInt32, _ entry: UnsafePointer<H5E_error2_t>?,
                              _ client: UnsafeMutableRawPointer?) -> herr_t {
    guard let entry, let client else { return 0 }
    let frames = client.assumingMemoryBound(to: [HDF5Error.Frame].self)
    let e = entry.pointee
    let function = e.func_name.map { String(cString: $0) } ?? ""
    var message = e.desc.map { String(cString: $0) } ?? ""
    if message.isEmpty {
        var buffer = [CChar](repeating: 0, count: 256)
        if H5Eget_msg(e.min_num, nil, &buffer, buffer.count) > 0 { message = H5.string(fromNulTerminated: buffer) }
    }
    let file = e.file_name.map { String(cString: $0) } ?? "?"
    frames.pointee.append(HDF5Error.Frame(function: function, message: message, sourceLocation: "\(file):\(e.line)"))
    return 0
}

private func recordLinkName(_ group: hid_t, _ name: UnsafePointer<CChar>?, _ info: UnsafePointer<H5L_info_t>?,
                            _ client: UnsafeMutableRawPointer?) -> herr_t {
    guard let name, let client else { return 0 }
    client.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
    return 0
}

private func recordAttributeName(_ object: hid_t, _ name: UnsafePointer<CChar>?, _ info: UnsafePointer<H5A_info_t>?,
                                 _ client: UnsafeMutableRawPointer?) -> herr_t {
    guard let name, let client else { return 0 }
    client.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
    return 0
}

// MARK: Native memory types

extension H5 {
    static var nativeDouble: ObjectID { locked { chdf5_native_double() } }
    static var nativeInt64: ObjectID { locked { chdf5_native_int64() } }
    static var nativeUInt64: ObjectID { locked { chdf5_native_uint64() } }
    static var nativeInt32: ObjectID { locked { chdf5_native_int32() } }
    static var nativeUInt8: ObjectID { locked { chdf5_native_uint8() } }
    static var defaultList: ObjectID { locked { chdf5_p_default() } }
    static var allOfSpace: ObjectID { locked { chdf5_s_all() } }
}

/// A recursive pthread mutex that lives as long as the process.
final class RecursiveLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}
