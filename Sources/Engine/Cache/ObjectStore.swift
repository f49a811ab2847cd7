import ContentHash
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
        let (digest, size) = try Self.hash(file, fsync: true)
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
        guard let (actual, _) = try? Self.hash(url(for: digest), fsync: false) else { return false }
        return actual == digest
    }
}

extension ObjectStore {
    /// ``ContentHash/sha256(of:fsync:)`` with its failure as a ``CacheError`` (code `io`).
    static func hash(_ file: URL, fsync: Bool) throws -> (digest: String, size: Int64) {
        do { return try ContentHash.sha256(of: file, fsync: fsync) } catch {
            throw CacheError(error.description, code: .io)
        }
    }
}
