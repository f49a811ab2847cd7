import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The exclusive right to write a view folder: `flock` on its `.lock` file, held until
/// ``release()`` or the end of the process however it ends (the kernel drops the lock of a
/// killed process). While it is held, no other `orchestrate view` or `serve` writes the folder,
/// so the holder may remove the temporary files that killed writes left behind.
public final class ViewFolderLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock of `folder`, making the folder when it is missing.
    /// - Throws: ``ViewError`` when another process holds it (no waiting: the user sees why) or
    ///   the lock file cannot be opened.
    public init(folder: URL) throws(ViewError) {
        let file = folder.appendingPathComponent(".lock")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ViewError(.io, "cannot make the folder: \(error.localizedDescription)", path: folder.path)
        }
        descriptor = open(file.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ViewError(.io, "cannot open: \(String(cString: strerror(errno)))", path: file.path) }
        var status: Int32
        repeat { status = flock(descriptor, LOCK_EX | LOCK_NB) } while status != 0 && errno == EINTR
        guard status == 0 else {
            let reason = errno == EWOULDBLOCK
                ? "another orchestrate view or serve is writing this view; run again when it has ended"
                : "cannot lock: \(String(cString: strerror(errno)))"
            close(descriptor)
            throw ViewError(.busy, reason, path: file.path)
        }
    }

    /// Gives the lock up.
    public func release() {
        close(descriptor)
    }
}
