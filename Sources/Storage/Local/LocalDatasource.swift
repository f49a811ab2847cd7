import Foundation

/// A datasource in a local directory (`file://`), the default.
///
/// Every write goes to a hidden temporary file beside its target and is renamed into place,
/// so a crash never leaves a partial object under its key. Listing skips those temporary files.
public struct LocalDatasource: BlobStore {
    public let root: URL
    public var location: DatasourceURL { .file(root) }
    static let temporaryPrefix = ".orchestrate-partial-"

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    private var name: String { location.description }

    private func fileURL(_ key: String) throws -> URL {
        try ObjectKey.validate(key, datasource: name)
        return root.appendingPathComponent(key, isDirectory: false)
    }

    private func ioError(_ message: String, key: String?, _ error: any Error) -> StorageError {
        StorageError(.io, message, datasource: name, key: key, cause: error.localizedDescription)
    }

    public func checkAccess() async throws {
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw ioError("cannot create the datasource directory", key: nil, error)
        }
    }

    public func list(prefix: String) async throws -> [ObjectInfo] {
        guard FileManager.default.fileExists(atPath: root.path) else { return [] }
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: nil)
        else { return [] }
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var objects: [ObjectInfo] = []
        for case let url as URL in enumerator {
            // Links to regular files count as the files they name, with those files' sizes.
            guard let size = SourceFile.regularFileSize(url), !url.lastPathComponent.hasPrefix(Self.temporaryPrefix)
            else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(rootPath) else { continue }
            let key = String(path.dropFirst(rootPath.count))
            guard key.hasPrefix(prefix) else { continue }
            objects.append(ObjectInfo(key: key, size: size, etag: nil, sha256: nil))
        }
        return objects.sorted { $0.key < $1.key }
    }

    public func head(_ key: String) async throws -> ObjectInfo? {
        let url = try fileURL(key)
        guard let size = SourceFile.regularFileSize(url) else { return nil }
        return ObjectInfo(key: key, size: size, etag: nil, sha256: try FileDigest.sha256(of: url))
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> Data {
        let url = try fileURL(key)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StorageError(.notFound, "no such object", datasource: name, key: key)
        }
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }  // Read-only: closing cannot lose data.
            guard let range else { return try handle.readToEnd() ?? Data() }
            try handle.seek(toOffset: UInt64(range.lowerBound))
            return try handle.read(upToCount: Int(range.count)) ?? Data()
        } catch {
            throw ioError("cannot read the object", key: key, error)
        }
    }

    @discardableResult
    public func put(_ key: String, data: Data) async throws -> ObjectInfo {
        let url = try fileURL(key)
        try writeAtomically(key: key, to: url) { temporary in try data.write(to: temporary) }
        return ObjectInfo(key: key, size: Int64(data.count), etag: nil, sha256: FileDigest.sha256(of: data))
    }

    public func upload(
        _ key: String, file: URL, sha256: String, options: UploadOptions, resume: MultipartUploadState?,
        progress: @Sendable (MultipartUploadState) async throws -> Void
    ) async throws -> UploadResult {
        let url = try fileURL(key)
        // Upstream outputs are often links into the workdir's object store: copy the bytes, not the link.
        let source = file.resolvingSymlinksInPath()
        let size = try SourceFile.size(of: source, datasource: name, key: key)
        try writeAtomically(key: key, to: url) { temporary in
            try FileManager.default.copyItem(at: source, to: temporary)
        }
        guard let stored = try await head(key), stored.size == size, stored.sha256 == sha256 else {
            throw StorageError(.io, "the source file '\(file.path)' changed while uploading (the copy's size or SHA-256 differs)",
                               datasource: name, key: key)
        }
        return UploadResult(object: stored, partsSent: 1, bytesSent: size)
    }

    public func delete(_ key: String) async throws {
        let url = try fileURL(key)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw ioError("cannot delete the object", key: key, error)
        }
        removeEmptyFolders(above: url)
    }

    /// Removes the folders between `url` and the root that the deletion left empty, as S3 has no
    /// folders to leave behind. rmdir(2) removes only empty folders, so a concurrent writer's
    /// file is never lost; a writer whose folder vanishes under it recreates it (`writeAtomically`).
    private func removeEmptyFolders(above url: URL) {
        var folder = url.deletingLastPathComponent().standardizedFileURL
        while folder.path.count > root.path.count, folder.path.hasPrefix(root.path),
              rmdir(folder.path) == 0 {
            folder = folder.deletingLastPathComponent().standardizedFileURL
        }
    }

    public func readURL(_ key: String, expiresIn: Int, now: Date) throws -> URL {
        try fileURL(key)
    }

    private func writeAtomically(key: String, to url: URL, _ write: (URL) throws -> Void) throws {
        do { try writeOnce(key: key, to: url, write) } catch {
            // A concurrent delete may have removed the folder, empty at that instant, between
            // creating it and renaming into it: once more, with the folder created again.
            guard !FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path) else { throw error }
            try writeOnce(key: key, to: url, write)
        }
    }

    private func writeOnce(key: String, to url: URL, _ write: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(Self.temporaryPrefix + UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try write(temporary)
            // rename(2) replaces the target atomically; FileManager.moveItem refuses an existing target.
            guard rename(temporary.path, url.path) == 0 else {
                throw StorageError(.io, "cannot rename into place", datasource: name, key: key,
                                   cause: String(cString: strerror(errno)))
            }
        } catch let error as StorageError {
            try? FileManager.default.removeItem(at: temporary)  // Best effort: a leftover is hidden from list().
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)  // Best effort: a leftover is hidden from list().
            throw ioError("cannot write the object", key: key, error)
        }
    }
}
