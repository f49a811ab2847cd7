import Foundation

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
    }

    public var page: URL { folder.appendingPathComponent("index.html") }
    private var imageIndexFile: URL { folder.appendingPathComponent("data/images.json") }

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
        var files: [(String, Data)] = [
            ("index.html", Data(ViewAssets.page.utf8)),
            ("view.js", Data(ViewAssets.script.utf8)),
            ("view.css", Data(ViewAssets.style.utf8)),
        ]
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
            try data(ViewDataFiles.objectShardName(shard), ViewDataFiles.ObjectShard(first: first, frames: frames))
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

    /// Writes a frame's two pictures (JPEG bytes).
    public func writePictures(frame: String, thumbnail: Data, picture: Data) throws {
        _ = try writeIfChanged(thumbnail, to: Self.thumbnailPath(frame))
        _ = try writeIfChanged(picture, to: Self.picturePath(frame))
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

    /// Writes `bytes` to `path` (relative to the folder) unless the file holds them already.
    private func writeIfChanged(_ bytes: Data, to path: String) throws -> Bool {
        let url = folder.appendingPathComponent(path)
        if let existing = FileManager.default.contents(atPath: url.path), existing == bytes { return false }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try bytes.write(to: url, options: .atomic)
        } catch {
            throw ViewError(.io, "cannot write: \(error.localizedDescription)", path: url.path)
        }
        return true
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
