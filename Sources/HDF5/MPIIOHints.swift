/// The MPI-IO hints given to every parallel file this process opens or creates afterwards
/// (`MPI_Info` key/value pairs, passed by `H5Pset_fapl_mpio`): collective buffering, Lustre
/// striping and the like (docs/cluster.md, "MPI-IO hints"). None by default: the MPI library's
/// own choices, which are safe on NFS. An MPI library ignores keys it does not know.
public enum MPIIOHints {
    /// The hints now in force.
    public static var current: [(key: String, value: String)] {
        get { H5.locked { H5.mpiIOHints } }
        set { H5.locked { H5.mpiIOHints = newValue } }
    }

    /// Parses `key=value,key=value` (spaces around keys and values ignored); nil and a reason
    /// for the first malformed entry.
    public static func parse(_ text: String) -> (hints: [(key: String, value: String)], problem: String?) {
        var hints: [(key: String, value: String)] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingSpaces, value = parts.count == 2 ? parts[1].trimmingSpaces : ""
            if parts.count != 2 || key.isEmpty || value.isEmpty || key.contains("=") {
                return ([], "'\(entry)' is not key=value")
            }
            hints.append((key, value))
        }
        return (hints, nil)
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
