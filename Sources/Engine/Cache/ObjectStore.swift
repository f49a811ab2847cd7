import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Immutable, content-addressed files: `workdir/objects/<aa>/<sha256>`.
public struct ObjectStore: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public func url(for digest: String) -> URL {
        root.appendingPathComponent(String(digest.prefix(2)), isDirectory: true).appendingPathComponent(digest)
    }

    public func contains(_ digest: String) -> Bool {
        access(url(for: digest).path, F_OK) == 0
    }

    /// Moves `file` into the store: hashes it, fsyncs it, makes it read-only and renames it
    /// to its digest. The file is gone afterwards (moved, or removed when the object existed).
    /// - Throws: ``CacheError`` with code `io`.
    public func ingest(_ file: URL) throws -> (digest: String, size: Int64) {
        let (digest, size) = try FileHasher.sha256(of: file, fsync: true)
        let destination = url(for: digest)
        var existing = stat()
        if stat(destination.path, &existing) == 0, Int64(existing.st_size) == size {
            unlink(file.path)
            return (digest, size)
        }
        // Missing, or truncated behind the cache's back: the fresh bytes take its place.
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        chmod(file.path, 0o444)
        guard rename(file.path, destination.path) == 0 else {
            throw CacheError("could not move '\(file.path)' into the object store (errno \(errno))", code: .io)
        }
        return (digest, size)
    }

    /// Re-hashes an object and says whether its bytes still match its name.
    public func verify(_ digest: String) -> Bool {
        guard let (actual, _) = try? FileHasher.sha256(of: url(for: digest), fsync: false) else { return false }
        return actual == digest
    }
}

/// Streaming SHA-256 of files.
enum FileHasher {
    static func sha256(of file: URL, fsync shouldSync: Bool) throws -> (String, Int64) {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CacheError("cannot open '\(file.path)' (errno \(errno))", code: .io) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw CacheError("cannot read '\(file.path)' (errno \(errno))", code: .io)
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        if shouldSync { _ = fsync(fd) }
        return (Digest.hex(hasher.finalize()), size)
    }
}
