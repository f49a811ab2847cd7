import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Moving an attempt's files into the object store, and laying committed files out as
/// read-only views under their own names.
///
/// A view entry is a hard link to its object: it is the object's bytes under the output's own
/// name and extension (a browser opens `report.html` as HTML; it decides by the resolved name,
/// which for a symbolic link would be the extension-less digest), and it stays valid when the
/// workdir is moved or copied. Objects and views share the workdir, so one file system.
enum OutputView {
    /// Ingests every regular file under `directory` (recursively) into `objects`; returns them
    /// with paths relative to `directory`, sorted.
    static func ingest(directory: URL, into objects: ObjectStore) throws -> [OutputFile] {
        let base = directory.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [OutputFile] = []
        while let relative = enumerator.nextObject() as? String {
            let path = base + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let (digest, size) = try objects.ingest(URL(fileURLWithPath: path))
            files.append(OutputFile(path: relative, digest: digest, size: size))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Creates `directory` holding a hard link per file to its object.
    static func link(_ files: [OutputFile], into directory: URL, objects: ObjectStore) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in files {
            let entry = directory.appendingPathComponent(file.path)
            try manager.createDirectory(at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
            unlink(entry.path)
            guard Glibc.link(objects.url(for: file.digest).path, entry.path) == 0 else {
                throw CacheError("cannot link '\(entry.path)' to its object (errno \(errno))", code: .io)
            }
        }
    }

    /// Whether `directory` holds exactly `files`, each the very file of its object.
    static func shows(_ files: [OutputFile], at directory: URL, objects: ObjectStore) -> Bool {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return false }
        var regularFiles = 0
        while let relative = enumerator.nextObject() as? String {
            var info = stat()
            guard lstat(directory.path + "/" + relative, &info) == 0 else { return false }
            if (info.st_mode & S_IFMT) == S_IFREG { regularFiles += 1 }
        }
        guard regularFiles == files.count else { return false }
        return files.allSatisfy { file in
            var entry = stat()
            var object = stat()
            return lstat(directory.appendingPathComponent(file.path).path, &entry) == 0
                && stat(objects.url(for: file.digest).path, &object) == 0
                && entry.st_dev == object.st_dev && entry.st_ino == object.st_ino
        }
    }

    /// Replaces `out/STAGE/KEY` with a view of `files`: built aside, then renamed into place.
    static func publish(_ files: [OutputFile], at destination: URL, objects: ObjectStore, scratch: URL) throws {
        let manager = FileManager.default
        // Never swap out a view that is already right: a concurrent run may be reading it.
        if manager.fileExists(atPath: destination.path), shows(files, at: destination, objects: objects) { return }
        let fresh = scratch.appendingPathComponent("view-\(UUID().uuidString)", isDirectory: true)
        try link(files, into: fresh, objects: objects)
        try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if manager.fileExists(atPath: destination.path) {
            let old = scratch.appendingPathComponent("old-\(UUID().uuidString)", isDirectory: true)
            if rename(destination.path, old.path) == 0 {
                // The old view is derived data; failing to delete it only wastes an inode or two.
                try? manager.removeItem(at: old)
            }
        }
        guard rename(fresh.path, destination.path) == 0 else {
            let code = errno
            try? manager.removeItem(at: fresh)  // Best effort: it lives in staging, swept later anyway.
            // A concurrent run published the same view first: same content, nothing to do.
            if code == ENOTEMPTY || code == EEXIST { return }
            throw CacheError("cannot publish the view '\(destination.path)' (errno \(code))", code: .io)
        }
    }
}
