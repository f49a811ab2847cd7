import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The identity of a file's current bytes as far as `stat` can tell.
struct FileStat: Sendable, Hashable {
    var device: Int64
    var inode: Int64
    var size: Int64
    var mtimeNanoseconds: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = Int64(bitPattern: UInt64(info.st_dev))
        inode = Int64(bitPattern: UInt64(info.st_ino))
        size = Int64(info.st_size)
        mtimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    init(device: Int64, inode: Int64, size: Int64, mtimeNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }
}

/// Content digests of source files, memoised by (device, inode, size, mtime_ns), so an
/// unchanged file is never read twice (design §5). Loaded from and saved to `stat_memo`.
public final class SourceDigester: Sendable {
    struct Memo: Sendable {
        var stat: FileStat
        var digest: String
    }

    private let store: CacheStore
    private let memo: Mutex<(byPath: [String: Memo], fresh: [String: Memo])>

    /// Loads the whole memo once: a no-op run then answers from memory after one `stat` per file.
    public init(store: CacheStore) throws {
        self.store = store
        memo = Mutex((try store.loadStatMemo(), [:]))
    }

    /// The SHA-256 of the file's bytes.
    /// - Throws: ``CacheError`` when the file cannot be read.
    public func digest(of file: URL) throws -> String {
        let path = file.standardizedFileURL.path
        guard let current = FileStat(path: path) else {
            throw CacheError("source file '\(path)' does not exist or cannot be read", code: .io)
        }
        if let known = memo.withLock({ $0.byPath[path] }), known.stat == current { return known.digest }
        let (digest, _) = try FileHasher.sha256(of: URL(fileURLWithPath: path), fsync: false)
        // A file modified while being hashed keeps no memo: its next stat differs.
        guard FileStat(path: path) == current else { return digest }
        let entry = Memo(stat: current, digest: digest)
        memo.withLock {
            $0.byPath[path] = entry
            $0.fresh[path] = entry
        }
        return digest
    }

    /// Writes the digests computed since the last save.
    public func save() throws {
        let fresh = memo.withLock { state -> [String: Memo] in
            defer { state.fresh = [:] }
            return state.fresh
        }
        if !fresh.isEmpty { try store.saveStatMemo(fresh) }
    }
}
