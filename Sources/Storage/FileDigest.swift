import Crypto
import Foundation

/// Content digests of local files, read in chunks.
public enum FileDigest {
    /// The SHA-256 of the file's bytes, as lower-case hex.
    /// - Throws: ``StorageError`` with code `io` when the file cannot be read.
    public static func sha256(of file: URL) throws -> String {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: file) } catch {
            throw StorageError(.io, "cannot read '\(file.path)'", cause: "\(error.localizedDescription)")
        }
        defer { try? handle.close() }  // Closing a read-only handle cannot lose data.
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch {
                throw StorageError(.io, "cannot read '\(file.path)'", cause: "\(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return SigV4Signer.hex(hasher.finalize())
    }

    /// The SHA-256 of `data`, as lower-case hex.
    public static func sha256(of data: Data) -> String { SigV4Signer.hex(SHA256.hash(data: data)) }
}

extension FileDigest {
    /// The MD5 of the file's bytes, as lower-case hex: the ETag S3 gives a single-part upload.
    /// - Throws: ``StorageError`` with code `io` when the file cannot be read.
    public static func md5(of file: URL) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: file, options: .mappedIfSafe) } catch {
            throw StorageError(.io, "cannot read '\(file.path)'", cause: error.localizedDescription)
        }
        return SigV4Signer.hex(Insecure.MD5.hash(data: data))
    }
}
