import ContentHash
import Crypto
import Foundation

/// Content digests of local files, for datasources (errors as ``StorageError``).
public enum FileDigest {
    /// The SHA-256 of the file's bytes, as lower-case hex, read in chunks.
    /// - Throws: ``StorageError`` with code `io` when the file cannot be read.
    public static func sha256(of file: URL) throws -> String {
        do { return try ContentHash.sha256(of: file).digest } catch {
            throw StorageError(.io, "cannot read '\(file.path)'", cause: "\(error)")
        }
    }

    /// The SHA-256 of `data`, as lower-case hex.
    public static func sha256(of data: Data) -> String { ContentHash.sha256(of: data) }

    /// The MD5 of the file's bytes, as lower-case hex: the ETag S3 gives a single-part upload.
    /// - Throws: ``StorageError`` with code `io` when the file cannot be read.
    public static func md5(of file: URL) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: file, options: .mappedIfSafe) } catch {
            throw StorageError(.io, "cannot read '\(file.path)'", cause: error.localizedDescription)
        }
        return ContentHash.hex(Insecure.MD5.hash(data: data))
    }
}
