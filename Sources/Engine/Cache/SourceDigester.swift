import Foundation
import PluginAPI
import Synchronization

/// Content digests of source files, memoised by (device, inode, size, mtime_ns), so an
/// unchanged file is never read twice. Loaded from and saved to `stat_memo`.
public final class SourceDigester: Sendable {
    private let store: CacheStore
    private let memo: Mutex<(byPath: [String: SourceDigest], fresh: [String: SourceDigest])>

    /// Loads the whole memo once: a no-op run then answers from memory after one `stat` per file.
    public init(store: CacheStore) throws {
        self.store = store
        memo = Mutex((try store.statMemo.load(), [:]))
    }

    /// The SHA-256 of the file's bytes.
    /// - Throws: ``CacheError`` when the file cannot be read.
    public func digest(of file: URL) throws -> String {
        let path = file.standardizedFileURL.path
        guard let current = FileStat(path: path) else {
            throw CacheError("source file '\(path)' does not exist or cannot be read", code: .io)
        }
        if let known = memo.withLock({ $0.byPath[path] }), known.stat == current { return known.sha256 }
        let (digest, _) = try ObjectStore.hash(URL(fileURLWithPath: path), fsync: false)
        // A file modified while being hashed keeps no memo: its next stat differs.
        guard FileStat(path: path) == current else { return digest }
        let entry = SourceDigest(sha256: digest, stat: current)
        memo.withLock {
            $0.byPath[path] = entry
            $0.fresh[path] = entry
        }
        return digest
    }

    /// The memoised digest of `file` while its stat is unchanged, without reading it; nil when the
    /// file was never hashed or has changed since.
    public func knownDigest(of file: URL) -> SourceDigest? {
        let path = file.standardizedFileURL.path
        guard let known = memo.withLock({ $0.byPath[path] }), FileStat(path: path) == known.stat else { return nil }
        return known
    }

    /// Writes the digests computed since the last save.
    public func save() throws {
        let fresh = memo.withLock { state -> [String: SourceDigest] in
            defer { state.fresh = [:] }
            return state.fresh
        }
        if !fresh.isEmpty { try store.statMemo.save(fresh) }
    }
}
