import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The stat of every file an attempt can reach through its inputs, taken before the attempt,
/// to tell afterwards whether the item wrote to one.
///
/// An item's inputs are views of committed outputs, hard links to objects in the store, and
/// permissions do not stop root (nor a program that `chmod`s first): an `exec` command appending
/// to `${in.decode}/manifest.json` would change a committed object in place. Comparing size and
/// mtime after the attempt catches every write, for a `stat` per input. Not ctime: linking an
/// object into another view (a concurrent item with the same output) changes it legitimately.
struct InputSnapshot {
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: [Int]

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = [info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
        }
    }

    /// An input file the attempt changed, and the object it is (nil when none could be found).
    struct Change {
        var input: String
        var objectDigest: String?
    }

    private var files: [(path: String, identity: Identity)] = []

    /// Stats every regular file under `inputs` (folders are followed, also through links).
    init(inputs: [URL]) {
        for input in inputs { collect(input.path, depth: 0) }
    }

    /// The first input that differs from its stat before the attempt; nil when none does.
    func firstChange(objects: ObjectStore) -> Change? {
        guard let changed = files.first(where: { Identity(path: $0.path) != $0.identity }) else { return nil }
        return Change(input: changed.path, objectDigest: Self.digest(of: changed.identity, in: objects))
    }

    private mutating func collect(_ path: String, depth: Int) {
        var info = stat()
        // Links nest at most a few levels (a gather's folder → a view); 16 guards against loops.
        guard depth < 16, stat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                collect(path + "/" + name, depth: depth + 1)
            }
        } else if info.st_mode & S_IFMT == S_IFREG, let identity = Identity(path: path) {
            files.append((path, identity))
        }
    }

    /// The object that is the file `identity` described (same device and inode). A scan of the
    /// store, on the error path only.
    private static func digest(of identity: Identity, in objects: ObjectStore) -> String? {
        let root = objects.root.path
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? [] {
                guard let candidate = Identity(path: root + "/" + folder + "/" + name) else { continue }
                if candidate.device == identity.device && candidate.inode == identity.inode { return name }
            }
        }
        return nil
    }
}
