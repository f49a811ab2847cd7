@testable import BrowserView
import Foundation
import JSON
import Lightly
import Testing
import TestSupport

@Suite("ViewWriter")
struct ViewWriterTests {
    /// `count` frames over two videos, every third picked, one person each.
    static func document(frames count: Int) -> ViewDocument {
        let frames = (0..<count).map { (number: Int) -> ViewFrame in
            let isPicked = number % 3 == 0
            let name = "v\(number % 2)-\(String(format: "%05d", number))-mp4.png"
            let scores: [String: Double] = ["objectness_least_confidence": Double(number % 10) / 10, "object_frequency": 1]
            let person = PictureObject(bbox: [1, 2, 3, 4], score: 0.123456, keypoints: [10.04, 20.06, 0.98765, 11, 21, 0.5])
            return ViewFrame(
                name: name, video: number % 2, index: number, status: isPicked ? .selected : .removed,
                pick: isPicked ? number / 3 + 1 : nil, round: isPicked ? 1 : nil, state: nil, scores: scores, objects: [person])
        }
        return ViewDocument(
            run: ViewRun(id: "run-1", tag: "initial-tag", round: 1, created: nil, datasource: "file:///ds", task: "pose", selectionConfig: .object(["n_samples": .int(3)])),
            scoreNames: ["objectness_least_confidence", "object_frequency"],
            videos: [ViewVideo(name: "v0.mp4", width: 96, height: 64), ViewVideo(name: "v1.mp4", width: 96, height: 64)],
            keypointNames: ["a", "b"], skeleton: [[0, 1]], frames: frames,
            embedding: ViewEmbedding(level: "frames", explainedVariance: [0.6, 0.3], points: [(x: 1, y: 2, frame: 0)]))
    }

    /// The JSON argument of a data file `orchestrateView.receive("NAME", JSON);`.
    static func payload(_ url: URL, name: String) throws -> [String: Any] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let prefix = "orchestrateView.receive(\"\(name)\", ", suffix = ");\n"
        try #require(text.hasPrefix(prefix) && text.hasSuffix(suffix), "\(url.lastPathComponent) is not a data script")
        let json = text.dropFirst(prefix.count).dropLast(suffix.count)
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// The 16-bit integers of an object shard's `people` (base64, little-endian).
    static func packedPeople(_ shard: [String: Any]) throws -> [Int16] {
        let text = try #require(shard["people"] as? String)
        let packed = try #require(Data(base64Encoded: text))
        return packed.withUnsafeBytes { raw in
            (0..<packed.count / 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }

    @Test func writesThePageAndShardsThatHoldEveryFrame() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let document = Self.document(frames: 10_500)
        let summary = try ViewWriter(folder: dir.url).write(document)
        // 2 frame shards of 10,000 and 21 object shards of 500.
        #expect(summary.written.filter { $0.hasPrefix("data/frames-") } == ["data/frames-0000.js", "data/frames-0001.js"])
        #expect(summary.written.filter { $0.hasPrefix("data/objects-") }.count == 21)
        #expect(summary.written.contains("index.html") && summary.written.contains("view.js") && summary.written.contains("data/embedding.js"))

        let manifest = try Self.payload(dir.url.appendingPathComponent("data/manifest.js"), name: "manifest")
        #expect(manifest["frame_count"] as? Int == 10_500)
        let second = try Self.payload(dir.url.appendingPathComponent("data/frames-0001.js"), name: "frames-0001")
        #expect(second["first"] as? Int == 10_000)
        #expect((second["names"] as? [String])?.count == 500)
        #expect((second["names"] as? [String])?.first == "v0-10000-mp4.png")
        let picks = try #require(second["picks"] as? [Int])
        #expect(picks[2] == 10_002 / 3 + 1 && picks[0] == 0)
        let scores = try #require(second["scores"] as? [String: [Double]])
        #expect(scores["objectness_least_confidence"]?[3] == 0.3)

        let objects = try Self.payload(dir.url.appendingPathComponent("data/objects-0020.js"), name: "objects-0020")
        #expect(objects["first"] as? Int == 10_000)
        #expect((objects["counts"] as? [Int])?.count == 500 && (objects["counts"] as? [Int])?.allSatisfy { $0 == 1 } == true)
        let values = try Self.packedPeople(objects)
        // Per person: box and joints in quarter pixels, score and confidences in thousandths, the joint count.
        #expect(Array(values.prefix(12)) == [4, 8, 12, 16, 123, 2, 40, 80, 988, 44, 84, 500])
        #expect(values.count == 500 * 12)
    }

    @Test func packsValuesPastIntsRangeWithoutTrapping() throws {
        let person = PictureObject(bbox: [1e300, -1e300, 0, 0], score: 1e300, keypoints: [1e300, -1e300, 1e300])
        let frame = ViewFrame(name: "a.png", video: 0, index: 0, status: .removed, pick: nil, round: nil, state: nil,
                              scores: [:], objects: [person])
        let json = try #require(try JSONSerialization.jsonObject(with: ViewDataFiles.ObjectShard(first: 0, frames: [frame]).json) as? [String: Any])
        #expect(try Self.packedPeople(json) == [.max, .min + 1, 0, 0, .max, 1, .max, .min + 1, .max])
    }

    @Test func packsAPersonWithoutBoxOrScoreAndClampsWhatInt16CannotHold() throws {
        let people = [PictureObject(bbox: nil, score: nil, keypoints: [9_000, -.infinity, 0.5]),
                      PictureObject(bbox: [0, 0, 1, 1], score: 1, keypoints: [])]
        let frame = ViewFrame(name: "a.png", video: 0, index: 0, status: .removed, pick: nil, round: nil, state: nil,
                              scores: [:], objects: people)
        let json = try #require(try JSONSerialization.jsonObject(with: ViewDataFiles.ObjectShard(first: 0, frames: [frame]).json) as? [String: Any])
        let values = try Self.packedPeople(json)
        #expect(values == [.min, .min, .min, .min, .min, 1, .max, 0, 500, 0, 0, 4, 4, 1000, 0])
    }

    @Test func aRewriteTouchesOnlyTheShardsThatChanged() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = ViewWriter(folder: dir.url)
        var document = Self.document(frames: 1_200)
        _ = try writer.write(document)
        let again = try writer.write(document)
        #expect(again.written.isEmpty)
        #expect(again.unchanged == 3 + 1 + 1 + 3 + 1)

        document.frames[700].state = "rejected"
        document.frames[700].objects = []
        let changed = try writer.write(document)
        #expect(changed.written == ["data/frames-0000.js", "data/objects-0001.js"])

        // Fewer frames: the object shards past the end go.
        document.frames.removeLast(600)
        let smaller = try writer.write(document)
        #expect(smaller.removed == ["data/objects-0002.js"])
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("data/objects-0002.js").path))
    }

    @Test func framesArePictureStaleUntilRecordedWithTheirVideosSignature() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = ViewWriter(folder: dir.url)
        var index = try writer.imageIndex()
        let frames = [(name: "clips/a-1-mp4.png", signature: "10-x"), (name: "clips/a-2-mp4.png", signature: "10-x")]
        #expect(writer.staleFrames(frames, index: index) == ["clips/a-1-mp4.png", "clips/a-2-mp4.png"])

        try writer.writePictures(frame: "clips/a-1-mp4.png", thumbnail: Data([1]), picture: Data([2]))
        index.record(frame: "clips/a-1-mp4.png", video: "clips/a.mp4", signature: "10-x", width: 96, height: 64)
        try writer.save(index)
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("thumbs/clips/a-1-mp4.jpg").path))
        let reread = try writer.imageIndex()
        #expect(reread == index)
        #expect(writer.staleFrames(frames, index: reread) == ["clips/a-2-mp4.png"])
        // The video changed: its frames are stale again; a missing picture too.
        #expect(writer.staleFrames([(name: "clips/a-1-mp4.png", signature: "11-y")], index: reread) == ["clips/a-1-mp4.png"])
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent(ViewWriter.picturePath("clips/a-1-mp4.png")))
        #expect(writer.staleFrames(frames, index: reread).count == 2)
    }

    @Test func aFrameNoWiderThanAThumbnailIsOneFileUnderBothPaths() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = ViewWriter(folder: dir.url)
        let frame = "clips/a-1-mp4.png"
        try writer.writePictures(frame: frame, thumbnail: Data([1, 2]), picture: nil)
        let thumbnail = dir.url.appendingPathComponent(ViewWriter.thumbnailPath(frame))
        let picture = dir.url.appendingPathComponent(ViewWriter.picturePath(frame))
        #expect(FileManager.default.contents(atPath: picture.path) == Data([1, 2]))
        func inode(_ url: URL) throws -> Int? { try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int }
        #expect(try inode(picture) == (try inode(thumbnail)))

        // New bytes: both paths show them, still one file; then a separate picture replaces the link.
        try writer.writePictures(frame: frame, thumbnail: Data([3]), picture: nil)
        #expect(FileManager.default.contents(atPath: picture.path) == Data([3]))
        #expect(try inode(picture) == (try inode(thumbnail)))
        try writer.writePictures(frame: frame, thumbnail: Data([4]), picture: Data([5]))
        #expect(FileManager.default.contents(atPath: thumbnail.path) == Data([4]))
        #expect(FileManager.default.contents(atPath: picture.path) == Data([5]))
        // No temporary link is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: picture.deletingLastPathComponent().path) == ["a-1-mp4.jpg"])
    }

    @Test func theMemoIsTrustedOnlyForTheSameInputsAndAWholeFolder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = ViewWriter(folder: dir.url)
        #expect(writer.memo(matching: "a") == nil)
        _ = try writer.write(Self.document(frames: 600))
        try writer.saveMemo(inputs: "a", runID: "run-1", frames: 600)
        let memo = try #require(writer.memo(matching: "a"))
        #expect(memo.runID == "run-1" && memo.frames == 600)
        // index.html, view.js, view.css, the manifest, one frame shard, two object shards, the embedding.
        #expect(memo.files.count == 8 && memo.files["data/objects-0001.js"] != nil)
        #expect(writer.memo(matching: "b") == nil)

        // A data file of another size, or a page file of another build: not whole.
        let shard = dir.url.appendingPathComponent("data/objects-0001.js")
        let bytes = try Data(contentsOf: shard)
        try Data(bytes.dropLast()).write(to: shard)
        #expect(writer.memo(matching: "a") == nil)
        try bytes.write(to: shard)
        #expect(writer.memo(matching: "a") != nil)
        let script = dir.url.appendingPathComponent("view.js")
        let page = try Data(contentsOf: script)
        try Data(page.reversed()).write(to: script)
        #expect(writer.memo(matching: "a") == nil)
        try page.write(to: script)

        try writer.forgetMemo()
        #expect(writer.memo(matching: "a") == nil)
        try writer.forgetMemo()  // none: nothing to do
    }

    @Test func theLockHolderSweepsKilledWritesTemporariesAndASecondWriterIsTurnedAway() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = ViewWriter(folder: dir.url)
        try writer.writePictures(frame: "v0-00001-mp4.png", thumbnail: Data([0xFF, 0xD8, 1]), picture: Data([0xFF, 0xD8, 2]))
        // What a write killed before its rename leaves: a hidden file named after its target and a UUID.
        let leftovers = ["thumbs/.v0-00002-mp4.jpg.\(UUID().uuidString)", "data/.frames-0000.js.\(UUID().uuidString)"]
        let kept = ["thumbs/.hidden-video-mp4.jpg", "thumbs/v0-00001-mp4.jpg"]
        for path in leftovers + [kept[0]] {
            let url = dir.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([0]).write(to: url)
        }
        let lock = try ViewFolderLock(folder: dir.url)
        #expect(throws: ViewError.self) { try ViewFolderLock(folder: dir.url) }
        #expect(try writer.removeTemporaries() == 2)
        lock.release()
        for path in leftovers { #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent(path).path), "\(path)") }
        for path in kept { #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent(path).path), "\(path)") }
        try ViewFolderLock(folder: dir.url).release()  // Free again once released.
    }

    @Test func aDamagedPictureIndexIsAnErrorNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("{\"version\": 1, \"videos\": ".utf8).write(to: dir.url.appendingPathComponent("data/images.json"))
        let error = try #require(throws: ViewError.self) { try ViewWriter(folder: dir.url).imageIndex() }
        #expect(error.code == .unreadable)
        #expect(error.description.contains("data/images.json"))
    }
}
