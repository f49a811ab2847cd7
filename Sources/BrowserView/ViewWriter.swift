import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a view folder: the page (`index.html`, `view.js`, `view.css`), its data files
/// (`data/*.js`, see ``ViewDataFiles``) and the frame pictures (`thumbs/NAME.jpg`,
/// `frames/NAME.jpg`). A file is rewritten only when its bytes change, and atomically, so a
/// re-run touches only what changed and a killed run leaves every file whole.
///
/// ```swift
/// let writer = ViewWriter(folder: workdir.appendingPathComponent("view"))
/// var images = try writer.imageIndex()
/// for name in writer.staleFrames(frames, index: images) { … try writer.writePictures(…); images.record(…) }
/// try writer.save(images)
/// let summary = try writer.write(document)
/// ```
public struct ViewWriter: Sendable {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// What a write changed.
    public struct Summary: Sendable, Equatable {
        /// Paths relative to the view folder, sorted.
        public var written: [String]
        public var unchanged: Int
        public var removed: [String]

        public init(written: [String], unchanged: Int, removed: [String]) {
            self.written = written
            self.unchanged = unchanged
            self.removed = removed
        }
    }

    public var page: URL { folder.appendingPathComponent("index.html") }
    private var imageIndexFile: URL { folder.appendingPathComponent("data/images.json") }
    private var memoFile: URL { folder.appendingPathComponent("data/memo.json") }

    /// The page files and their bytes in this build.
    private static let pageFiles = [
        ("index.html", Data(ViewAssets.page.utf8)), ("view.js", Data(ViewAssets.script.utf8)), ("view.css", Data(ViewAssets.style.utf8)),
    ]

    /// The thumbnail of a frame, relative to the view folder: `thumbs/clips/game-007-mp4.jpg`.
    public static func thumbnailPath(_ frame: String) -> String { "thumbs/" + jpegName(frame) }
    /// The full-size picture of a frame: `frames/clips/game-007-mp4.jpg`.
    public static func picturePath(_ frame: String) -> String { "frames/" + jpegName(frame) }

    private static func jpegName(_ frame: String) -> String {
        let stem = frame.hasSuffix(".png") ? String(frame.dropLast(4)) : frame
        return stem + ".jpg"
    }

    /// Writes the page and the data files of `document`; data files of an earlier, larger run are
    /// removed.
    public func write(_ document: ViewDocument) throws -> Summary {
        var files = Self.pageFiles
        func data<Value: Encodable>(_ name: String, _ value: Value) throws {
            files.append(("data/\(name).js", try ViewDataFiles.script(name, value)))
        }
        let manifest = ViewDataFiles.Manifest(
            run: document.run, frameCount: document.frames.count, framesPerShard: ViewDataFiles.framesPerShard,
            framesPerObjectShard: ViewDataFiles.framesPerObjectShard, scoreNames: document.scoreNames,
            videos: document.videos, keypointNames: document.keypointNames, skeleton: document.skeleton,
            hasEmbedding: document.embedding != nil)
        try data(ViewDataFiles.manifestName, manifest)
        for (shard, first) in stride(from: 0, to: document.frames.count, by: ViewDataFiles.framesPerShard).enumerated() {
            let frames = document.frames[first..<min(document.frames.count, first + ViewDataFiles.framesPerShard)]
            try data(ViewDataFiles.frameShardName(shard), ViewDataFiles.FrameShard(first: first, frames: frames, scoreNames: document.scoreNames))
        }
        for (shard, first) in stride(from: 0, to: document.frames.count, by: ViewDataFiles.framesPerObjectShard).enumerated() {
            let frames = document.frames[first..<min(document.frames.count, first + ViewDataFiles.framesPerObjectShard)]
            let name = ViewDataFiles.objectShardName(shard)
            files.append(("data/\(name).js", ViewDataFiles.script(name, json: ViewDataFiles.ObjectShard(first: first, frames: frames).json)))
        }
        if let embedding = document.embedding { try data(ViewDataFiles.embeddingName, ViewDataFiles.Embedding(embedding)) }

        var summary = Summary(written: [], unchanged: 0, removed: [])
        for (path, bytes) in files {
            if try writeIfChanged(bytes, to: path) { summary.written.append(path) } else { summary.unchanged += 1 }
        }
        summary.removed = try removeStaleDataFiles(keeping: Set(files.map(\.0)))
        summary.written.sort()
        return summary
    }

    /// The frames whose pictures must be (re)made: missing, or made from another version of
    /// their video. `frames` pairs each frame name with its video's current signature.
    public func staleFrames(_ frames: [(name: String, signature: String)], index: ViewImageIndex) -> [String] {
        let manager = FileManager.default
        return frames.filter { frame in
            index.frames[frame.name] != frame.signature
                || !manager.fileExists(atPath: folder.appendingPathComponent(Self.thumbnailPath(frame.name)).path)
                || !manager.fileExists(atPath: folder.appendingPathComponent(Self.picturePath(frame.name)).path)
        }.map(\.name)
    }

    /// Writes a frame's two pictures (JPEG bytes). A nil `picture` means the thumbnail is the full
    /// frame (a frame no wider than a thumbnail): the picture's path is then a hard link to the
    /// thumbnail, so the page finds both paths and the bytes are written once.
    public func writePictures(frame: String, thumbnail: Data, picture: Data?) throws {
        _ = try writeIfChanged(thumbnail, to: Self.thumbnailPath(frame), syncing: false)
        if let picture {
            _ = try writeIfChanged(picture, to: Self.picturePath(frame), syncing: false)
        } else {
            try link(Self.picturePath(frame), to: Self.thumbnailPath(frame), bytes: thumbnail)
        }
    }

    /// Makes `path` a hard link to `target` (both relative to the folder), replacing what was
    /// there atomically; where the file system has no hard links, writes `bytes` instead.
    private func link(_ path: String, to target: String, bytes: Data) throws {
        let url = folder.appendingPathComponent(path), targetURL = folder.appendingPathComponent(target)
        guard let targetFile = Self.fileIdentity(targetURL) else { throw ViewError(.io, "missing after writing it", path: targetURL.path) }
        if Self.fileIdentity(url) == targetFile { return }
        // A link at `destination`, making the folder when it is missing; the failure's errno else.
        func link(at destination: URL) -> Int32? {
            if Glibc.link(targetURL.path, destination.path) == 0 { return nil }
            guard errno == ENOENT else { return errno }
            try? FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            return Glibc.link(targetURL.path, destination.path) == 0 ? nil : errno
        }
        // Nothing there yet (a first write): the link itself appears whole.
        let failure = link(at: url)
        guard let failure else { return }
        let temporary = Self.temporaryFile(for: url)
        guard failure == EEXIST, link(at: temporary) == nil else {
            _ = try writeIfChanged(bytes, to: path, syncing: false)
            return
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ViewError(.io, "cannot replace the picture: \(reason)", path: url.path)
        }
    }

    /// The picture bookkeeping of the folder; empty for a new folder.
    public func imageIndex() throws -> ViewImageIndex {
        guard let data = FileManager.default.contents(atPath: imageIndexFile.path) else { return ViewImageIndex() }
        do { return try JSONDecoder().decode(ViewImageIndex.self, from: data) } catch {
            throw ViewError(.unreadable, "not a view's picture index (\(error)); delete the view folder to rebuild it", path: imageIndexFile.path)
        }
    }

    public func save(_ index: ViewImageIndex) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        _ = try writeIfChanged(try encoder.encode(index), to: "data/images.json")
    }

    /// The folder's memo when it was written from `inputs` and is whole: every page and data file
    /// the memo names has its size, and the page files are this build's. Nil otherwise: then
    /// call ``forgetMemo()`` before changing the folder, and ``saveMemo(inputs:runID:frames:)``
    /// when done. Pictures are not checked one by one (`data/images.json` does that on a write).
    public func memo(matching inputs: String) -> ViewMemo? {
        guard let data = FileManager.default.contents(atPath: memoFile.path),
              let memo = try? JSONDecoder().decode(ViewMemo.self, from: data), memo.version == ViewMemo.currentVersion, memo.inputs == inputs
        else { return nil }
        for (path, size) in memo.files where Self.size(of: folder.appendingPathComponent(path)) != size { return nil }
        for (path, bytes) in Self.pageFiles where FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) != bytes {
            return nil
        }
        return memo
    }

    /// Removes the memo, so that a write killed half-way leaves none for the next run to trust.
    public func forgetMemo() throws {
        guard FileManager.default.fileExists(atPath: memoFile.path) else { return }
        do { try FileManager.default.removeItem(at: memoFile) } catch {
            throw ViewError(.io, "cannot remove the memo: \(error.localizedDescription)", path: memoFile.path)
        }
    }

    /// Records that the folder, as it is now, was written from `inputs`: with the sizes of its
    /// page and data files.
    public func saveMemo(inputs: String, runID: String, frames: Int) throws {
        let data = folder.appendingPathComponent("data")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []).filter { $0.hasSuffix(".js") || $0 == "images.json" }
        var files: [String: Int] = [:]
        for path in Self.pageFiles.map(\.0) + names.map({ "data/" + $0 }) {
            files[path] = Self.size(of: folder.appendingPathComponent(path))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let memo = ViewMemo(inputs: inputs, runID: runID, frames: frames, files: files)
        _ = try writeIfChanged(try encoder.encode(memo), to: "data/memo.json")
    }

    /// Device and inode: equal for two hard links of one file.
    private static func fileIdentity(_ file: URL) -> [UInt64]? {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    private static func size(of file: URL) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int
    }

    /// Writes `bytes` to `path` (relative to the folder) unless the file holds them already,
    /// atomically: a temporary file renamed over the old one, so a killed run leaves every file
    /// whole. `syncing: false` skips the flush to disk before the rename: a picture is one of
    /// 200,000 and derived data, and the flush is most of its cost; the rename still protects it
    /// from a killed process (after a power failure, delete the folder).
    private func writeIfChanged(_ bytes: Data, to path: String, syncing: Bool = true) throws -> Bool {
        let url = folder.appendingPathComponent(path)
        if let existing = FileManager.default.contents(atPath: url.path), existing == bytes { return false }
        do { try Self.replace(url, with: bytes, syncing: syncing) } catch {
            throw ViewError(.io, "cannot write: \(error.localizedDescription)", path: url.path)
        }
        return true
    }

    /// A temporary file beside `url` (`.NAME.UUID`), renamed over it; the folder is made when missing.
    private static func replace(_ url: URL, with bytes: Data, syncing: Bool) throws {
        let temporary = temporaryFile(for: url)
        var descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0, errno == ENOENT {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return !syncing || fsync(descriptor) == 0
        }
        let failure = errno
        close(descriptor)
        guard written, rename(temporary.path, url.path) == 0 else {
            let code = written ? errno : failure
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// Where a new version of `url` is written before it is renamed into place.
    private static func temporaryFile(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
    }

    /// Whether `name` is one of ``temporaryFile(for:)``'s names.
    static func isTemporary(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return name.hasPrefix(".") && parts.count >= 3 && UUID(uuidString: String(parts.last!)) != nil
    }

    /// Removes the temporary files that writes killed before their rename left in the folder;
    /// call it holding the folder's ``ViewFolderLock``, so that no write of another process is
    /// under way. Returns how many it removed.
    @discardableResult
    public func removeTemporaries() throws -> Int {
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return 0 }
        var removed = 0
        for case let file as URL in files where Self.isTemporary(file.lastPathComponent) {
            do { try FileManager.default.removeItem(at: file) } catch {
                throw ViewError(.io, "cannot remove a killed write's temporary file: \(error.localizedDescription)", path: file.path)
            }
            removed += 1
        }
        return removed
    }

    /// Removes `data/*.js` files that this write did not produce (shards of a run with more frames).
    private func removeStaleDataFiles(keeping kept: Set<String>) throws -> [String] {
        let dataFolder = folder.appendingPathComponent("data")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataFolder.path)) ?? []
        var removed: [String] = []
        for name in names.sorted() where name.hasSuffix(".js") && !kept.contains("data/" + name) {
            do { try FileManager.default.removeItem(at: dataFolder.appendingPathComponent(name)) } catch {
                throw ViewError(.io, "cannot remove a stale data file: \(error.localizedDescription)", path: dataFolder.appendingPathComponent(name).path)
            }
            removed.append("data/" + name)
        }
        return removed
    }
}
