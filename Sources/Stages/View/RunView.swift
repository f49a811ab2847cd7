public import BrowserView
import Foundation
public import JSON
import Labels
import Lightly
import Media
import PluginAPI
import Report
import Storage

/// The browser view of a Lightly datasource's latest selection run (`orchestrate view`): reads
/// the run's `report.json`, the object task's predictions, the round ledger and every run's
/// picks, decodes the pictures of frames the view folder lacks, and writes the view. Does
/// nothing when the view's memo says it was written from the same listings. A write holds the
/// folder's ``ViewFolderLock``: a second `view` of the same folder meanwhile fails saying so.
public enum RunView {
    /// What one write did.
    public struct Outcome: Sendable {
        public var page: URL
        public var runID: String
        public var frames: Int
        /// Frames whose pictures were decoded now (the others were in the folder already).
        public var decodedFrames: Int
        public var files: ViewWriter.Summary
    }

    /// Writes the view of the latest run of the Lightly datasource named by a stage's `with:`
    /// values (`input`, `lightly`, `endpoint`, …) into `folder`.
    /// - Throws: ``StageError`` for a datasource without a run or with unreadable files;
    ///   `ViewError` for a view folder that cannot be written.
    public static func write(
        with values: [String: JSONValue], pipelineDirectory: URL, into folder: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        progress: (String) -> Void = { _ in }
    ) async throws -> Outcome {
        let parameters = Parameters(values: values, baseDirectory: pipelineDirectory)
        let input = try DatasourceParameters.open("input", parameters: parameters, pipelineDirectory: pipelineDirectory, environment: environment)
        let lightly = try DatasourceParameters.open("lightly", parameters: parameters, pipelineDirectory: pipelineDirectory, environment: environment)
        let snapshot = try await DatasourceSnapshot.list(input: input, lightly: lightly)
        let writer = ViewWriter(folder: folder)
        let inputs = ViewInputs.digest(of: snapshot)
        if let memo = writer.memo(matching: inputs) {
            progress("run \(memo.runID): nothing changed since the view was written")
            return Outcome(
                page: writer.page, runID: memo.runID, frames: memo.frames, decodedFrames: 0,
                files: ViewWriter.Summary(written: [], unchanged: memo.files.count, removed: []))
        }
        // One writer at a time; it may then sweep what killed writes left, and it forgets the
        // memo first, so a write killed from here on leaves none for the next run to trust.
        let lock = try ViewFolderLock(folder: folder)
        defer { lock.release() }
        try writer.forgetMemo()
        try writer.removeTemporaries()
        var document = try await RunViewReader(lightly: lightly).document()
        progress("run \(document.run.id) (\(document.run.tag)): \(document.frames.count) frames")
        let decoded = try await writePictures(of: &document, snapshot: snapshot, writer: writer, progress: progress)
        let files = try writer.write(document)
        try writer.saveMemo(inputs: inputs, runID: document.run.id, frames: document.frames.count)
        return Outcome(page: writer.page, runID: document.run.id, frames: document.frames.count, decodedFrames: decoded, files: files)
    }

    /// How often the picture index is saved while videos are decoded.
    static let indexSavePeriod = Duration.seconds(5)

    /// Decodes the frames whose pictures the folder lacks, video by video, and fills in every
    /// video's size from the picture index.
    private static func writePictures(
        of document: inout ViewDocument, snapshot: DatasourceSnapshot, writer: ViewWriter, progress: (String) -> Void
    ) async throws -> Int {
        let signatures = Dictionary(uniqueKeysWithValues: snapshot.videos.map { ($0.key, signature(of: $0, in: snapshot.input)) })
        var index = try writer.imageIndex()
        let frames = document.frames.map { frame in
            (name: frame.name, signature: signatures[document.videos[frame.video].name] ?? "missing")
        }
        let stale = Set(writer.staleFrames(frames, index: index))
        let byVideo = Dictionary(grouping: document.frames.filter { stale.contains($0.name) }, by: \.video)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-view-\(UUID().uuidString)")
        // Best effort: only downloaded copies of remote videos live there.
        defer { try? FileManager.default.removeItem(at: scratch) }
        // One video per core at a time: each task decodes one video in a sequential pass.
        let videos = byVideo.keys.sorted(), names = document.videos.map(\.name)
        let input = snapshot.input
        try await withThrowingTaskGroup(of: (String, String, [(frame: String, width: Int, height: Int)]).self) { group in
            var next = 0, done = 0
            func startNext() throws {
                guard next < videos.count else { return }
                let video = videos[next]
                next += 1
                let name = names[video]
                guard let signature = signatures[name] else {
                    throw StageError("input datasource \(input.location): the run's frames name the video '\(name)', which is not there", code: .invalidInput)
                }
                let byIndex = Dictionary(byVideo[video, default: []].map { ($0.index, $0.name) }) { first, _ in first }
                group.addTask {
                    let file = try await snapshot.localVideo(name, scratch: scratch)
                    var made: [(frame: String, width: Int, height: Int)] = []
                    let encoder = try ViewPictureEncoder()
                    try FrameExtractor.forEach(Set(byIndex.keys), of: file, datasource: input.location.objectURL(name), threads: 1) { frameIndex, image in
                        guard let frame = byIndex[frameIndex] else { return }
                        let pictures = try encoder.encode(image)
                        try writer.writePictures(frame: frame, thumbnail: pictures.thumbnail, picture: pictures.picture)
                        made.append((frame, image.width, image.height))
                    }
                    return (name, signature, made)
                }
            }
            for _ in 0..<max(1, ProcessInfo.processInfo.activeProcessorCount) { try startNext() }
            var saved = ContinuousClock.now
            while let (name, signature, made) = try await group.next() {
                for picture in made {
                    index.record(frame: picture.frame, video: name, signature: signature, width: picture.width, height: picture.height)
                }
                // Saved every few seconds (not after each video: the index of 100,000 frames takes a while to
                // encode) and at the end, so a killed run keeps most of what it finished.
                if ContinuousClock.now - saved > indexSavePeriod {
                    try writer.save(index)
                    saved = .now
                }
                done += 1
                progress("pictures: \(done)/\(videos.count) videos")
                try startNext()
            }
        }
        if !videos.isEmpty { try writer.save(index) }
        for video in document.videos.indices {
            if let recorded = index.videos[document.videos[video].name] {
                document.videos[video].width = recorded.width
                document.videos[video].height = recorded.height
            }
        }
        return stale.count
    }

    /// What changes when a video does: its size and ETag or digest, else its modification time.
    private static func signature(of object: ObjectInfo, in store: any BlobStore) -> String {
        let version = object.etag ?? object.sha256 ?? DatasourceSnapshot.modificationTime(store, object.key) ?? "-"
        return "\(object.size)-\(version)"
    }
}
