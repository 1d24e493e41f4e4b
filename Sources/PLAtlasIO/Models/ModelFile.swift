import Foundation
import PLAtlasCore

/// Reading and writing model files: JSON (`{"type": ..., ...}` or `{"stack": [...]}`) and HDF5
/// (a group, default `/model`, with the arrays as datasets and `type` as an attribute).
/// docs/model-format.md describes both.
public enum ModelFile {
    /// The 8-byte signature every HDF5 file starts with (at offset 0, 512, 1024, ...).
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// All models in a file (one, or the members of a stack).
    public static func load(_ path: String, group: String = "/model") throws(ModelError) -> [Model] {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError(source: path, "no such file") }
        // The signature first: an HDF5 file (a result file may be large) is never read whole.
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelError(source: path, "cannot read the file") }
        let head = (try? handle.read(upToCount: (1 << 20) + 8)) ?? Data()
        try? handle.close()
        if head.isEmpty { throw ModelError(source: path, "empty file") }
        if looksLikeHDF5(head) { return try loadHDF5(path, group: group) }
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(source: path, "cannot read the file") }
        let first = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if let first, first != UInt8(ascii: "{") && first != UInt8(ascii: "[") {
            throw ModelError(source: path, "not a model file: neither JSON nor HDF5")
        }
        return try models(json: data, source: path)
    }

    /// The one model in a file; a stack of several is an error that says how to pick one.
    public static func loadSingle(_ path: String, group: String = "/model", index: Int? = nil) throws(ModelError) -> Model {
        let models = try load(path, group: group)
        if let index {
            guard models.indices.contains(index) else {
                throw ModelError(source: path, "model index \(index) out of range (the file holds \(models.count))")
            }
            return models[index]
        }
        guard models.count == 1 else {
            throw ModelError(source: path, "holds a stack of \(models.count) models; pick one with --model-index or sweep over them with 'platlas sweep --stack'")
        }
        return models[0]
    }

    static func looksLikeHDF5(_ data: Data) -> Bool {
        var offset = 0
        while offset + 8 <= data.count {
            if Array(data[offset..<(offset + 8)]) == hdf5Signature { return true }
            offset = offset == 0 ? 512 : offset * 2
            if offset > 1 << 20 { break }
        }
        return false
    }
}
