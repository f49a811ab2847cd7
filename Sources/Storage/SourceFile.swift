import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The size of a local file to upload, following symbolic links.
///
/// The engine hands a stage its inputs as links into its object store. `lstat` and
/// `FileManager.attributesOfItem` describe the link itself, whose size is the length of the
/// path it holds: a 120-byte link to an 11-byte file would be read as 120 bytes.
enum SourceFile {
    /// The byte count of the regular file `file` names, after following links.
    /// - Throws: ``StorageError`` with code `io` naming the file when it is missing or not a regular file.
    static func size(of file: URL, datasource: String? = nil, key: String? = nil) throws -> Int64 {
        var info = stat()
        guard stat(file.path, &info) == 0 else {
            throw StorageError(.io, "cannot read the source file '\(file.path)'", datasource: datasource, key: key,
                               cause: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw StorageError(.io, "the source '\(file.path)' is not a regular file", datasource: datasource, key: key)
        }
        return Int64(info.st_size)
    }

    /// The byte count of a regular file (after following links); nil for anything else.
    static func regularFileSize(_ file: URL) -> Int64? {
        try? size(of: file)
    }
}
