import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The identity of a file's current bytes as far as `stat` can tell: (device, inode, size,
/// mtime in nanoseconds). A digest computed at one stat may be reused while the stat is unchanged.
public struct FileStat: Sendable, Hashable {
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNanoseconds: Int64

    /// The file's current stat (following links), or nil when it does not exist or cannot be read.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = Int64(bitPattern: UInt64(info.st_dev))
        inode = Int64(bitPattern: UInt64(info.st_ino))
        size = Int64(info.st_size)
        mtimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    public init(device: Int64, inode: Int64, size: Int64, mtimeNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }
}

/// The SHA-256 of a file's bytes with the stat it was computed at.
public struct SourceDigest: Sendable, Hashable {
    /// Lower-case hex.
    public var sha256: String
    public var stat: FileStat

    public init(sha256: String, stat: FileStat) {
        self.sha256 = sha256
        self.stat = stat
    }

    /// The digest, when the file at `path` still has the stat it was computed at; nil otherwise
    /// (the file changed, or may have: hash it again).
    public func currentSHA256(of path: URL) -> String? {
        FileStat(path: path.path) == stat ? sha256 : nil
    }
}
