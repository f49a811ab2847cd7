import Foundation
import JSON
import Lightly
import Logging
import PluginAPI
import Storage
import Testing
import TestSupport

@testable import Stages

/// A gather item like the engine builds for `upload`: two source videos, and `convert` and
/// `metadata` inputs holding one `.lightly` tree per video.
struct UploadFixture {
    let directory: TemporaryDirectory
    let item: StageItem
    let videos: [String: Data]

    init(videoSize: Int = 3000, sourceKeys: [String] = ["game1.mp4", "clips/game 2.mp4"]) throws {
        directory = try TemporaryDirectory()
        let root = directory.url
        var sources: [ItemSource] = []
        var videos: [String: Data] = [:]
        for (index, key) in sourceKeys.enumerated() {
            let file = root.appendingPathComponent("data").appendingPathComponent(key)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let bytes = Data((0..<videoSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
            try bytes.write(to: file)
            sources.append(ItemSource(key: key, path: file))
            videos[key] = bytes
        }
        func write(_ text: String, _ path: String) throws {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        for key in ["game1.mp4", "clips/game 2.mp4"] {
            let stem = (key as NSString).deletingPathExtension
            try write("[\"pose\"]", "inputs/convert/\(key)/.lightly/predictions/tasks.json")
            try write("{\"task_type\":\"keypoint-detection\"}", "inputs/convert/\(key)/.lightly/predictions/pose/schema.json")
            try write("{\"file_name\":\"\(stem)-000-mp4.png\"}", "inputs/convert/\(key)/.lightly/predictions/pose/\(stem)-000-mp4.json")
            try write("{\"type\":\"video\"}", "inputs/metadata/\(key)/.lightly/metadata/\(stem).json")
        }
        self.videos = videos
        item = StageItem(key: "all", sources: sources, inputs: [
            "convert": root.appendingPathComponent("inputs/convert"),
            "metadata": root.appendingPathComponent("inputs/metadata"),
        ])
    }

    static let lightlyKeys = [
        ".lightly/metadata/clips/game 2.json", ".lightly/metadata/game1.json",
        ".lightly/predictions/pose/clips/game 2-000-mp4.json", ".lightly/predictions/pose/game1-000-mp4.json",
        ".lightly/predictions/pose/schema.json", ".lightly/predictions/tasks.json",
    ]

    func context(_ parameters: [String: JSONValue], attempt: Int, pipeline: String = "p", stage: String = "upload") throws -> TestStageContext {
        try TestStageContext(
            parameters: parameters, outputDirectory: directory.url.appendingPathComponent("out-\(attempt)"),
            pipelineDirectory: directory.url, checkpointDirectory: directory.url.appendingPathComponent("checkpoints-\(pipeline)-\(stage)"),
            pipelineName: pipeline, stageName: stage)
    }

    /// An item like round 2's `upload-2` gets: `convert` trees of `task` for both videos (one
    /// prediction file each, other bytes than `pose`'s), no sources.
    func item(task: String) throws -> StageItem {
        let folder = directory.url.appendingPathComponent("inputs/convert-\(task)")
        for key in ["game1.mp4", "clips/game 2.mp4"] {
            let stem = (key as NSString).deletingPathExtension
            let tree = folder.appendingPathComponent("\(key)/.lightly/predictions")
            try FileManager.default.createDirectory(at: tree.appendingPathComponent(task).appendingPathComponent(stem).deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("[\"\(task)\"]".utf8).write(to: tree.appendingPathComponent("tasks.json"))
            try Data("{\"task_type\":\"keypoint-detection\",\"round\":2}".utf8).write(to: tree.appendingPathComponent("\(task)/schema.json"))
            try Data("{\"file_name\":\"\(stem)-000-mp4.png\",\"predictions\":[]}".utf8).write(to: tree.appendingPathComponent("\(task)/\(stem)-000-mp4.json"))
        }
        return StageItem(key: "all", sources: [], inputs: ["convert-2": folder])
    }

    /// The datasource's keys outside the upload records.
    static func keys(_ store: any BlobStore) async throws -> [String] {
        try await store.list(prefix: "").map(\.key).filter { !$0.hasPrefix(UploadRecord.folder) }
    }

    /// The item without the video `key` and its `.lightly` trees: what the plan holds after the
    /// pipeline stops producing it.
    func item(without key: String) -> StageItem {
        var item = self.item
        item.sources.removeAll { $0.key == key }
        item.inputs = item.inputs.mapValues { directory in
            let copy = directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + "-without-" + key.replacingOccurrences(of: "/", with: "_"))
            try? FileManager.default.removeItem(at: copy)
            try? FileManager.default.copyItem(at: directory, to: copy)  // Fails the test's expectations if it fails.
            try? FileManager.default.removeItem(at: copy.appendingPathComponent(key))
            return copy
        }
        return item
    }
}

@Suite struct UploadStageLocalTests {
    @Test func syncsVideosAndLightlyTreesToLocalDatasourcesOnce() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let first = try fixture.context(parameters, attempt: 1)
        let summary = try await stage.sync(fixture.item, context: first)
        #expect(summary == .init(objects: 8, sent: 8, skipped: 0, partsSent: 8, bytesSent: summary.bytesSent))

        let input = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/input"))
        let lightly = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/lightly"))
        #expect(try await UploadFixture.keys(input) == ["clips/game 2.mp4", "game1.mp4"])
        #expect(try await input.get("clips/game 2.mp4", range: nil) == fixture.videos["clips/game 2.mp4"])
        #expect(try await UploadFixture.keys(lightly) == UploadFixture.lightlyKeys)
        #expect(first.receipts.count == 8)
        #expect(first.receipts.first?.objectValue?["datasource"] == .string("input"))

        let second = try fixture.context(parameters, attempt: 2)
        let again = try await stage.sync(fixture.item, context: second)
        #expect(again.sent == 0)
        #expect(again.skipped == 8)
        let manifest1 = try Data(contentsOf: first.outputDirectory.appendingPathComponent("upload.json"))
        let manifest2 = try Data(contentsOf: second.outputDirectory.appendingPathComponent("upload.json"))
        #expect(manifest1 == manifest2)
        #expect(String(decoding: manifest1, as: UTF8.self).contains("\"url\" : \"file://\(fixture.directory.url.path)/ds/lightly\""))
        #expect(try await stage.verify(receipts: second.receipts, item: fixture.item, context: second))
        try await input.delete("game1.mp4")
        #expect(try await stage.verify(receipts: second.receipts, item: fixture.item, context: second) == false)
    }

    /// The engine hands `upload` its memoised source digests. Proof that an unchanged source is
    /// not read: its bytes are swapped under the same stat, and the stale digest is what is used.
    @Test func aSourceIsReadOnlyWhenItsStatChanged() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let source = try #require(fixture.item.sources.first { $0.key == "game1.mp4" })
        let original = try #require(fixture.videos["game1.mp4"])
        let first = try fixture.context(parameters, attempt: 1)
        _ = try await stage.sync(fixture.item, context: first)
        let digest = SourceDigest(sha256: try Self.sha256(of: first, key: "game1.mp4"), stat: try #require(FileStat(path: source.path.path)))
        var item = fixture.item
        item.sources = item.sources.map { ItemSource(key: $0.key, path: $0.path, digest: $0.key == source.key ? digest : nil) }

        let swapped = Data(original.reversed())
        try Self.overwrite(source.path, with: swapped, mtimeNanoseconds: digest.stat.mtimeNanoseconds)
        #expect(FileStat(path: source.path.path) == digest.stat)
        let second = try fixture.context(parameters, attempt: 2)
        let unchanged = try await stage.sync(item, context: second)
        #expect(unchanged.sent == 0)
        #expect(try Self.sha256(of: second, key: "game1.mp4") == digest.sha256)

        let rewritten = Data(original.map { $0 ^ 0x5a })
        try Self.overwrite(source.path, with: rewritten, mtimeNanoseconds: digest.stat.mtimeNanoseconds + 1_000_000_000)
        let third = try fixture.context(parameters, attempt: 3)
        let changed = try await stage.sync(item, context: third)
        #expect(changed.sent == 1)
        #expect(try Self.sha256(of: third, key: "game1.mp4") != digest.sha256)
        let input = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/input"))
        #expect(try await input.get("game1.mp4", range: nil) == rewritten)
    }

    /// The SHA-256 in the `input` receipt of `key`.
    private static func sha256(of context: TestStageContext, key: String) throws -> String {
        let receipt = context.receipts.first { $0.objectValue?["datasource"] == .string("input") && $0.objectValue?["key"] == .string(key) }
        return try #require(receipt?.objectValue?["sha256"]?.stringValue)
    }

    /// Writes `data` over the file in place (same inode) and sets its mtime to `mtimeNanoseconds`.
    private static func overwrite(_ file: URL, with data: Data, mtimeNanoseconds: Int64) throws {
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: data)
        try handle.close()
        let seconds = mtimeNanoseconds / 1_000_000_000
        let times = [timespec(tv_sec: Int(seconds), tv_nsec: Int(mtimeNanoseconds - seconds * 1_000_000_000))]
        var both = times + times
        guard utimensat(AT_FDCWD, file.path, &both, 0) == 0 else { throw TestSupportError("cannot set the mtime of '\(file.path)'") }
    }

    @Test func aKeyThatEscapesTheRootFailsBeforeAnythingIsWritten() async throws {
        let fixture = try UploadFixture(sourceKeys: ["game1.mp4", "../escape.mp4"])
        defer { fixture.directory.remove() }
        let context = try fixture.context(["input": .string("ds/input"), "lightly": .string("ds/lightly")], attempt: 1)
        let error = await #expect(throws: StageError.self) { try await UploadStage(environment: [:]).run(fixture.item, context: context) }
        #expect(error?.description == "datasource 'file://\(fixture.directory.url.path)/ds/input', key '../escape.mp4': invalid object key: '..' would escape the datasource root")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.url.appendingPathComponent("ds").path))
    }

    @Test func removesWhatItWroteAndNoLongerProducesButNothingElse() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let input = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/input"))
        let lightly = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/lightly"))
        // An object another tool put there, which the plan never holds.
        try await lightly.put(".lightly/predictions/pose/foreign-000-mp4.json", data: Data("{}".utf8))
        _ = try await stage.sync(fixture.item, context: try fixture.context(parameters, attempt: 1))
        // Pipeline q uses game1.mp4 too: it finds it there and claims it with p.
        let onlyGameOne = fixture.item(without: "clips/game 2.mp4")
        let other = try await stage.sync(onlyGameOne, context: try fixture.context(parameters, attempt: 2, pipeline: "q"))
        #expect(other.sent == 0 && other.removed == 0)

        // p stops producing game1.mp4: nothing of it goes, q claims it; then clips/game 2.mp4: it goes.
        let withoutGameOne = try fixture.context(parameters, attempt: 3)
        let first = try await stage.sync(fixture.item(without: "game1.mp4"), context: withoutGameOne)
        #expect(first.removed == 0)
        #expect(try await UploadFixture.keys(input) == ["clips/game 2.mp4", "game1.mp4"])
        #expect(try await stage.verify(receipts: withoutGameOne.receipts, item: fixture.item, context: withoutGameOne))
        let withoutGameTwo = try fixture.context(parameters, attempt: 4)
        let second = try await stage.sync(onlyGameOne, context: withoutGameTwo)
        #expect(second.removed == 3)
        #expect(try await UploadFixture.keys(input) == ["game1.mp4"])
        #expect(try await UploadFixture.keys(lightly) == [
            ".lightly/metadata/game1.json", ".lightly/predictions/pose/foreign-000-mp4.json",
            ".lightly/predictions/pose/game1-000-mp4.json", ".lightly/predictions/pose/schema.json",
            ".lightly/predictions/tasks.json",
        ])
        // The receipts of the run with both videos no longer hold: the record claims less, HEADs fail.
        let record = try await UploadRecord.load(pipeline: "p", stage: "upload", role: .input, from: input)
        #expect(record.keys == ["game1.mp4"])
    }

    /// The state a kill between the record of the union and the final record leaves: some stale
    /// objects removed, others not, the record still listing them all. The next run converges.
    @Test func aRunKilledWhileRemovingConvergesOnTheNextRun() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let lightly = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/lightly"))
        let input = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/input"))
        _ = try await stage.sync(fixture.item, context: try fixture.context(parameters, attempt: 1))
        let full = try await UploadRecord.load(pipeline: "p", stage: "upload", role: .lightly, from: lightly)
        try await lightly.delete(".lightly/metadata/clips/game 2.json")

        let smaller = fixture.item(without: "clips/game 2.mp4")
        let resumed = try await stage.sync(smaller, context: try fixture.context(parameters, attempt: 2))
        // The video and the prediction left behind, and the metadata again (deleting a missing object succeeds).
        #expect(resumed.removed == 3)
        #expect(try await UploadFixture.keys(lightly) == [
            ".lightly/metadata/game1.json", ".lightly/predictions/pose/game1-000-mp4.json",
            ".lightly/predictions/pose/schema.json", ".lightly/predictions/tasks.json",
        ])
        #expect(try await UploadFixture.keys(input) == ["game1.mp4"])
        let record = try await UploadRecord.load(pipeline: "p", stage: "upload", role: .lightly, from: lightly)
        #expect(record.keys == full.keys.filter { !$0.contains("game 2") })
    }

    /// `tasks.json` is an index the rounds' uploads share: each merges its tasks into what is
    /// listed, receipts hold the tasks (a superset verifies), outputs hold only the stage's own.
    @Test func tasksJSONIsAnIndexEveryUploadMergesItsTasksInto() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let lightly = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/lightly"))
        let tasks = { try JSONDecoder().decode([String].self, from: try await lightly.get(LightlyLayout.tasksFile, range: nil)) }
        // Another tool's task with its schema, and a listed task whose files are gone.
        try await lightly.put(LightlyLayout.schemaFile(task: "foreign"), data: Data("{}".utf8))
        try await lightly.put(LightlyLayout.tasksFile, data: Data(#"["foreign", "gone"]"#.utf8))

        let first = try fixture.context(parameters, attempt: 1)
        let summary = try await stage.sync(fixture.item, context: first)
        #expect(summary.objects == 8 && summary.sent == 8)
        #expect(try await tasks() == ["foreign", "pose"])
        let receipt = try #require(first.receipts.last?.objectValue)
        #expect(receipt == ["datasource": .string("lightly"), "key": .string(LightlyLayout.tasksFile), "tasks": .array([.string("pose")])])
        let manifest = try Data(contentsOf: first.outputDirectory.appendingPathComponent("upload.json"))
        #expect(!String(decoding: manifest, as: UTF8.self).contains("tasks.json"))

        // Round 2's upload merges its task; round 1's receipts hold against the superset, and a
        // re-run of round 1 sends nothing and writes the same output.
        let secondRound = try fixture.context(parameters, attempt: 2, stage: "upload-2")
        let roundTwo = try fixture.item(task: "pose_2")
        _ = try await stage.sync(roundTwo, context: secondRound)
        #expect(try await tasks() == ["foreign", "pose", "pose_2"])
        #expect(try await stage.verify(receipts: first.receipts, item: fixture.item, context: first))
        let again = try fixture.context(parameters, attempt: 3)
        #expect(try await stage.sync(fixture.item, context: again).sent == 0)
        #expect(try Data(contentsOf: again.outputDirectory.appendingPathComponent("upload.json")) == manifest)
        #expect(try await tasks() == ["foreign", "pose", "pose_2"])

        // Round 2 renames its task: pose_2's files go, and its line with them; the others stay.
        let renamed = try fixture.context(parameters, attempt: 4, stage: "upload-2")
        #expect(try await stage.sync(try fixture.item(task: "pose_3"), context: renamed).removed == 3)
        #expect(try await tasks() == ["foreign", "pose", "pose_3"])
        #expect(try await lightly.list(prefix: LightlyLayout.taskDirectory("pose_2") + "/").isEmpty)
        #expect(try await lightly.head(LightlyLayout.schemaFile(task: "pose")) != nil)
        #expect(try await stage.verify(receipts: renamed.receipts, item: roundTwo, context: renamed))

        // A task the index no longer lists fails verify; one listed again passes.
        try await lightly.put(LightlyLayout.tasksFile, data: Data(#"["pose_3"]"#.utf8))
        #expect(try await stage.verify(receipts: again.receipts, item: fixture.item, context: again) == false)
        try await lightly.put(LightlyLayout.tasksFile, data: Data(#"["pose_3", "pose"]"#.utf8))
        #expect(try await stage.verify(receipts: again.receipts, item: fixture.item, context: again))
    }

    /// A receipt an older build wrote for `tasks.json` (its size and SHA-256) verifies as before:
    /// while the stored bytes are those, and not once they change.
    @Test func anOlderBuildsReceiptOfTasksJSONChecksItsBytes() async throws {
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: [:])
        let parameters: [String: JSONValue] = ["input": .string("ds/input"), "lightly": .string("ds/lightly")]
        let lightly = LocalDatasource(root: fixture.directory.url.appendingPathComponent("ds/lightly"))
        let context = try fixture.context(parameters, attempt: 1)
        _ = try await stage.sync(fixture.item, context: context)
        let stored = try await lightly.get(LightlyLayout.tasksFile, range: nil)
        let old = JSONValue.object([
            "datasource": .string("lightly"), "key": .string(LightlyLayout.tasksFile), "size": .int(stored.count),
            "sha256": .string(FileDigest.sha256(of: stored)),
        ])
        let receipts = context.receipts.dropLast() + [old]
        #expect(try await stage.verify(receipts: Array(receipts), item: fixture.item, context: context))
        try await lightly.put(LightlyLayout.tasksFile, data: Data(#"["pose", "other"]"#.utf8))
        #expect(try await stage.verify(receipts: Array(receipts), item: fixture.item, context: context) == false)
        #expect(try await stage.verify(receipts: context.receipts, item: fixture.item, context: context))
    }

    /// Another upload rewriting `tasks.json` just after ours: the read-back finds our task
    /// missing and merges again, keeping both.
    @Test func aConcurrentRewriteOfTasksJSONIsMergedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let local = LocalDatasource(root: directory.url)
        try await local.put(LightlyLayout.schemaFile(task: "theirs"), data: Data("{}".utf8))
        try await local.put(LightlyLayout.schemaFile(task: "ours"), data: Data("{}".utf8))
        let store = RacingStore(base: local, theirs: Data(#"["theirs"]"#.utf8))
        #expect(try await TasksIndex(store: store).merge(["ours"]) != nil)
        #expect(try JSONDecoder().decode([String].self, from: try await local.get(LightlyLayout.tasksFile, range: nil)) == ["theirs", "ours"])
        #expect(await store.rewrites == 1)
        // Listed already: nothing is written.
        #expect(try await TasksIndex(store: store).merge(["ours"]) == nil)
    }

    @Test func isAGatherEffectStageWithDatasourceParameters() {
        let descriptor = UploadStage().descriptor
        #expect(descriptor.id == "upload")
        #expect(descriptor.mode == .gather)
        #expect(descriptor.kind == .effect)
        #expect(descriptor.parameters.map(\.name) == ["input", "lightly", "endpoint", "region", "profile", "part_size", "multipart_threshold"])
        #expect(BuiltinStages.all.contains { $0.descriptor.id == "upload" })
    }
}

/// A datasource where another upload writes `theirs` to `tasks.json` right after our first write of it.
actor RacingStore: BlobStore {
    let base: LocalDatasource
    let theirs: Data
    private(set) var rewrites = 0

    init(base: LocalDatasource, theirs: Data) {
        self.base = base
        self.theirs = theirs
    }

    nonisolated var location: DatasourceURL { base.location }
    func checkAccess() async throws { try await base.checkAccess() }
    func list(prefix: String) async throws -> [ObjectInfo] { try await base.list(prefix: prefix) }
    func head(_ key: String) async throws -> ObjectInfo? { try await base.head(key) }
    func get(_ key: String, range: Range<Int64>?) async throws -> Data { try await base.get(key, range: range) }
    func delete(_ key: String) async throws { try await base.delete(key) }
    nonisolated func readURL(_ key: String, expiresIn: Int, now: Date) throws -> URL { try base.readURL(key, expiresIn: expiresIn, now: now) }

    func put(_ key: String, data: Data) async throws -> ObjectInfo {
        let info = try await base.put(key, data: data)
        if key == LightlyLayout.tasksFile, rewrites == 0 {
            rewrites += 1
            try await base.put(key, data: theirs)
        }
        return info
    }

    func upload(
        _ key: String, file: URL, sha256: String, options: UploadOptions, resume: MultipartUploadState?,
        progress: @Sendable (MultipartUploadState) async throws -> Void
    ) async throws -> UploadResult {
        try await base.upload(key, file: file, sha256: sha256, options: options, resume: resume, progress: progress)
    }
}

/// A context whose checkpoint store "crashes the process" after a number of commits.
struct CrashingContext: StageContext {
    struct SimulatedCrash: Error {}

    struct Checkpoints: CheckpointStore {
        let base: any CheckpointStore
        let crashAfter: Int
        let count = Counter()

        func committedUnits() async throws -> [CheckpointUnit] { try await base.committedUnits() }

        func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
            let unit = try await base.commit(cursor: cursor, directory: directory)
            if await count.increment() >= crashAfter { throw SimulatedCrash() }
            return unit
        }
    }

    actor Counter {
        var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }

    let base: TestStageContext
    let checkpoints: any CheckpointStore

    init(base: TestStageContext, crashAfter: Int) {
        self.base = base
        self.checkpoints = Checkpoints(base: base.checkpoints, crashAfter: crashAfter)
    }

    var parameters: Parameters { base.parameters }
    var outputDirectory: URL { base.outputDirectory }
    var scratchDirectory: URL { base.scratchDirectory }
    var pipelineDirectory: URL { base.pipelineDirectory }
    var pipelineName: String { base.pipelineName }
    var stageName: String { base.stageName }
    var logger: Logger { base.logger }
    func reportProgress(completed: Int, total: Int?, unit: String) {}
    func recordReceipt(_ receipt: JSONValue) {}
    func childProcessGroupStarted(leader: Int32) async {}
}

@Suite(.motoServer) struct UploadStageS3Tests {
    static func parameters(_ server: MotoServer, _ suffix: String) -> [String: JSONValue] {
        [
            "input": .string("s3://input-\(suffix)/volleyball_input"),
            "lightly": .string("s3://lightly-\(suffix)/volleyball_lightly"),
            "endpoint": .string(server.endpoint.absoluteString),
            "part_size": .int(5 * 1024 * 1024), "multipart_threshold": .int(5 * 1024 * 1024),
        ]
    }

    static func makeBuckets(_ server: MotoServer, _ suffix: String) async throws -> (S3Datasource, S3Datasource) {
        func store(_ bucket: String, _ prefix: String) throws -> S3Datasource {
            S3Datasource(configuration: try S3Configuration.resolve(
                bucket: bucket, prefix: prefix, endpoint: nil, region: nil, profile: nil, environment: server.environment))
        }
        let input = try store("input-\(suffix)", "volleyball_input")
        let lightly = try store("lightly-\(suffix)", "volleyball_lightly")
        try await input.createBucket()
        try await lightly.createBucket()
        return (input, lightly)
    }

    @Test func uploadsLikeTheTutorialAndSendsNothingTheSecondTime() async throws {
        let server = try MotoServerTrait.server()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (input, lightly) = try await Self.makeBuckets(server, suffix)
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: server.environment)
        let parameters = Self.parameters(server, suffix)

        let first = try fixture.context(parameters, attempt: 1)
        #expect(try await stage.sync(fixture.item, context: first).sent == 8)
        #expect(try await UploadFixture.keys(input) == ["clips/game 2.mp4", "game1.mp4"])
        #expect(try await input.get("game1.mp4", range: nil) == fixture.videos["game1.mp4"])
        #expect(try await UploadFixture.keys(lightly) == UploadFixture.lightlyKeys)
        // Every object's receipt holds its ETag; the one of tasks.json, the tasks it must list.
        #expect(first.receipts.dropLast().allSatisfy { $0.objectValue?["etag"]?.stringValue?.count == 32 })
        #expect(first.receipts.last?.objectValue?["tasks"] == .array([.string("pose")]))

        let second = try fixture.context(parameters, attempt: 2)
        let again = try await stage.sync(fixture.item, context: second)
        #expect(again.sent == 0)
        #expect(again.bytesSent == 0)
        let manifest1 = try Data(contentsOf: first.outputDirectory.appendingPathComponent("upload.json"))
        let manifest2 = try Data(contentsOf: second.outputDirectory.appendingPathComponent("upload.json"))
        #expect(manifest1 == manifest2)
        let text = String(decoding: manifest1, as: UTF8.self)
        #expect(text.contains("s3://lightly-\(suffix)/volleyball_lightly"))
        #expect(!text.contains(server.environment["AWS_SECRET_ACCESS_KEY"] ?? "?"))
        #expect(!text.contains("127.0.0.1"))

        #expect(try await stage.verify(receipts: second.receipts, item: fixture.item, context: second))
        try await lightly.delete(".lightly/predictions/tasks.json")
        #expect(try await stage.verify(receipts: second.receipts, item: fixture.item, context: second) == false)
        let third = try fixture.context(parameters, attempt: 3)
        #expect(try await stage.sync(fixture.item, context: third).sent == 1)
    }

    @Test func aKilledUploadResumesWithOnlyTheMissingParts() async throws {
        let server = try MotoServerTrait.server()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (input, _) = try await Self.makeBuckets(server, suffix)
        let fixture = try UploadFixture(videoSize: 16 * 1024 * 1024, sourceKeys: ["big.mp4"])
        defer { fixture.directory.remove() }
        let stage = UploadStage(environment: server.environment)
        let parameters = Self.parameters(server, suffix)

        let crashing = CrashingContext(base: try fixture.context(parameters, attempt: 1), crashAfter: 2)
        await #expect(throws: CrashingContext.SimulatedCrash.self) { try await stage.sync(fixture.item, context: crashing) }
        #expect(try await input.head("big.mp4") == nil, "a half-sent object must not be visible")

        let resumed = try await stage.sync(fixture.item, context: try fixture.context(parameters, attempt: 2))
        #expect(resumed.partsSent == 4 - 2 + 6, "two missing parts of big.mp4 plus six small .lightly files")
        #expect(resumed.sent == 7)
        let bigBytesSent: Int64 = 6 * 1024 * 1024
        #expect(resumed.bytesSent >= bigBytesSent && resumed.bytesSent < bigBytesSent + 10_000, "only the last 6 MiB of big.mp4 and small JSON files")
        #expect(try await input.get("big.mp4", range: nil) == fixture.videos["big.mp4"])
    }

    @Test func aMissingBucketFailsNamingTheDatasource() async throws {
        let server = try MotoServerTrait.server()
        let fixture = try UploadFixture()
        defer { fixture.directory.remove() }
        let context = try fixture.context(Self.parameters(server, "nobucket"), attempt: 1)
        let error = await #expect(throws: StageError.self) {
            try await UploadStage(environment: server.environment).run(fixture.item, context: context)
        }
        #expect(error?.description.hasPrefix("datasource 's3://input-nobucket/volleyball_input': the bucket 'input-nobucket' does not exist") == true)
    }
}
