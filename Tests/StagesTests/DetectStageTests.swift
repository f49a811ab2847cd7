import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization
import Testing
import TestSupport
@testable import Stages

/// A tiny random Keypoint R-CNN, an 8-frame clip and its `decode` manifests, made once per
/// test process (the model export costs ~20 s of CPU).
private struct DetectFixture: Sendable {
    /// Made once per process; tests await it (blocking on a lazy static would starve the cooperative pool).
    static let shared = Task { try await DetectFixture() }

    let directory: URL
    var model: URL { directory.appendingPathComponent("tiny.pt") }
    var video: URL { directory.appendingPathComponent("clip.mp4") }
    /// `decode` outputs of the clip: every frame, and every third frame.
    var allFrames: URL { directory.appendingPathComponent("decoded-all") }
    var everyThird: URL { directory.appendingPathComponent("decoded-every-3") }

    private init() async throws {
        // Not removed at exit: the process ends with the tests and the system cleans its temp folder.
        directory = try TemporaryDirectory(prefix: "detect-stage").url
        try await DebianPython.exportTinyKeypointModel(to: directory.appendingPathComponent("tiny.pt"))
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25",
                                 "-frames:v", "8", "-c:v", "libx264", "-g", "3", "-bf", "2", "-pix_fmt", "yuv420p",
                                 directory.appendingPathComponent("clip.mp4").path])
        try await decode(into: allFrames, every: 1)
        try await decode(into: everyThird, every: 3)
    }

    private func decode(into output: URL, every: Int) async throws {
        let context = try TestStageContext(
            parameters: [
                "every": .int(every), "fps": .int(0), "dedup_threshold": .int(0), "change_threshold": .int(0), "max_gap": .int(0), "threads": .int(1),
            ],
            outputDirectory: output, pipelineDirectory: directory,
            checkpointDirectory: directory.appendingPathComponent("decode-checkpoints-\(every)"))
        try await DecodeStage().run(item(inputs: [:]), context: context)
    }

    func item(inputs: [String: URL]) -> StageItem {
        StageItem(key: "clips/clip.mp4", sources: [ItemSource(key: "clips/clip.mp4", path: video)], inputs: inputs)
    }
}

/// What one attempt decoded and inferred, from the stage's observer hook.
private final class WorkLog: Sendable {
    private let state = Mutex<(decoded: [Int], inferred: [[Int]])>(([], []))
    var decoded: [Int] { state.withLock { $0.decoded } }
    var inferred: [[Int]] { state.withLock { $0.inferred } }

    var observer: DetectStage.Observer {
        DetectStage.Observer(
            decoded: { index in self.state.withLock { $0.decoded.append(index) } },
            inferred: { indices in self.state.withLock { $0.inferred.append(indices) } })
    }
}

/// Cancels the running task right after the n-th commit returns: a kill after a checkpoint.
private final class CancellingCheckpointStore: CheckpointStore {
    let base: any CheckpointStore
    let cancelAfter: Int
    private let commits = Mutex(0)

    init(base: any CheckpointStore, cancelAfter: Int) {
        self.base = base
        self.cancelAfter = cancelAfter
    }

    func committedUnits() async throws -> [CheckpointUnit] { try await base.committedUnits() }

    func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
        let unit = try await base.commit(cursor: cursor, directory: directory)
        if commits.withLock({ $0 += 1; return $0 }) == cancelAfter { withUnsafeCurrentTask { $0?.cancel() } }
        return unit
    }
}

/// A ``TestStageContext`` whose checkpoints go through another store.
private struct ContextWithStore: StageContext {
    let base: TestStageContext
    let checkpoints: any CheckpointStore
    var parameters: Parameters { base.parameters }
    var outputDirectory: URL { base.outputDirectory }
    var scratchDirectory: URL { base.scratchDirectory }
    var pipelineDirectory: URL { base.pipelineDirectory }
    var pipelineName: String { base.pipelineName }
    var stageName: String { base.stageName }
    var logger: Logger { base.logger }
    func reportProgress(completed: Int, total: Int?, unit: String) { base.reportProgress(completed: completed, total: total, unit: unit) }
    func recordReceipt(_ receipt: JSONValue) { base.recordReceipt(receipt) }
    func childProcessGroupStarted(leader: Int32) async { await base.childProcessGroupStarted(leader: leader) }
}

/// A detect stage that commits units by frame count only: these tests count units, and a loaded
/// machine must not add one by time.
private func untimedStage(_ observer: DetectStage.Observer? = nil) -> DetectStage {
    DetectStage(observer: observer, checkpointInterval: .seconds(3600))
}

@Suite struct DetectStageTests {
    private let scratch: TemporaryDirectory
    private let fixture: DetectFixture

    init() async throws {
        scratch = try TemporaryDirectory(prefix: "detect-out")
        fixture = try await DetectFixture.shared.value
    }

    private func makeContext(_ name: String, checkpoints: String, _ parameters: [String: JSONValue] = [:]) throws -> TestStageContext {
        var values: [String: JSONValue] = [
            "model": .string(fixture.model.path), "batch_size": .int(2), "threads": .int(1), "replicas": .int(0), "score_threshold": .int(0),
            "device": .string("cpu"), "checkpoint_every": .int(2), "runtime": .string("libtorch"),
        ]
        values.merge(parameters) { $1 }
        return try TestStageContext(
            parameters: values, outputDirectory: scratch.url.appendingPathComponent(name), pipelineDirectory: scratch.url,
            checkpointDirectory: scratch.url.appendingPathComponent(checkpoints), stage: untimedStage())
    }

    private func output(_ context: some StageContext) throws -> Data {
        try Data(contentsOf: context.outputDirectory.appendingPathComponent("detections.json"))
    }

    @Test func aResumedRunInfersOnlyTheFramesAfterTheLastCheckpointAndMatchesAnUninterruptedRun() async throws {
        defer { scratch.remove() }
        let item = fixture.item(inputs: ["frames": fixture.allFrames])

        let uninterrupted = try makeContext("whole", checkpoints: "whole-checkpoints")
        try await untimedStage().run(item, context: uninterrupted)
        let expected = try output(uninterrupted)
        #expect(try await uninterrupted.checkpoints.committedUnits().map(\.cursor) == [2, 4, 6, 8])

        let killed = try makeContext("killed", checkpoints: "resumed-checkpoints")
        let cancelling = ContextWithStore(base: killed, checkpoints: CancellingCheckpointStore(base: killed.checkpoints, cancelAfter: 1))
        let attempt = Task { try await untimedStage().run(item, context: cancelling) }
        await #expect(throws: CancellationError.self) { try await attempt.value }
        #expect(try await killed.checkpoints.committedUnits().map(\.cursor) == [2])

        let work = WorkLog()
        let resumed = try makeContext("resumed", checkpoints: "resumed-checkpoints")
        try await untimedStage(work.observer).run(item, context: resumed)
        #expect(work.inferred == [[2, 3], [4, 5], [6, 7]])
        #expect(work.decoded == Array(2..<8))  // an exact seek to frame 2, never frame 0
        #expect(try await resumed.checkpoints.committedUnits().map(\.cursor) == [2, 4, 6, 8])
        #expect(resumed.lastProgress?.completed == 8 && resumed.lastProgress?.total == 8)
        #expect(try output(resumed) == expected)

        let document = try JSONDecoder().decode(DetectionsDocument.self, from: expected)
        #expect(document.file == "clips/clip.mp4")
        #expect(document.frameCount == 8 && document.width == 160 && document.height == 90)
        #expect(document.frames.map(\.index) == Array(0..<8))
        for frame in document.frames {
            let count = frame.scores.count
            #expect((1...5).contains(count))  // the tiny random export keeps at most 5 per frame, score threshold 0
            #expect(frame.boxes.count == count && frame.labels.count == count && frame.keypoints.count == count)
            #expect(frame.keypoints.allSatisfy { $0.count == 17 && $0.allSatisfy { $0.count == 3 } })
            #expect(frame.keypointsScores.count == count && frame.keypointsScores.allSatisfy { $0.count == 17 })
            #expect(frame.embeddings?.count == count && frame.frameEmbedding?.isEmpty == false)
        }
        let json = try #require(try JSONSerialization.jsonObject(with: expected) as? [String: Any])
        #expect(Set(json.keys) == ["file", "frame_count", "width", "height", "frames"])
        let first = try #require((json["frames"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["index", "boxes", "labels", "scores", "keypoints", "keypoints_scores", "embeddings", "frame_embedding"])
    }

    @Test func twoReplicasWriteWhatOneWritesAndResumeAlike() async throws {
        defer { scratch.remove() }
        let item = fixture.item(inputs: ["frames": fixture.allFrames])
        let single = try makeContext("single", checkpoints: "single-checkpoints", ["replicas": .int(1)])
        try await untimedStage().run(item, context: single)

        // Two batches run at once (one thread each, as the single replica has); units still come in order.
        let work = WorkLog()
        let pair = try makeContext("pair", checkpoints: "pair-checkpoints", ["replicas": .int(2), "threads": .int(2)])
        try await untimedStage(work.observer).run(item, context: pair)
        #expect(work.inferred == [[0, 1], [2, 3], [4, 5], [6, 7]])
        #expect(try await pair.checkpoints.committedUnits().map(\.cursor) == [2, 4, 6, 8])
        #expect(try output(pair) == output(single))

        // Cancelled after the first unit while later batches are queued or running: nothing past
        // the first unit is committed, and a resumed run completes the same file.
        let killed = try makeContext("killed", checkpoints: "killed-checkpoints", ["replicas": .int(2), "threads": .int(2)])
        let cancelling = ContextWithStore(base: killed, checkpoints: CancellingCheckpointStore(base: killed.checkpoints, cancelAfter: 1))
        let attempt = Task { try await untimedStage().run(item, context: cancelling) }
        await #expect(throws: CancellationError.self) { try await attempt.value }
        #expect(try await killed.checkpoints.committedUnits().map(\.cursor) == [2])
        let resumed = try makeContext("resumed", checkpoints: "killed-checkpoints", ["replicas": .int(2), "threads": .int(2)])
        try await untimedStage().run(item, context: resumed)
        #expect(try output(resumed) == output(single))
    }

    @Test func sampledFramesAreTheOnlyOnesInferredAndTheScoreThresholdDropsDetections() async throws {
        defer { scratch.remove() }
        let item = fixture.item(inputs: ["decode_every_3": fixture.everyThird])
        let work = WorkLog()
        let all = try makeContext("all", checkpoints: "all-checkpoints", ["batch_size": .int(1), "checkpoint_every": .int(8)])
        try await untimedStage(work.observer).run(item, context: all)
        #expect(work.inferred == [[0], [3], [6]])
        let document = try JSONDecoder().decode(DetectionsDocument.self, from: try output(all))
        #expect(document.frames.map(\.index) == [0, 3, 6] && document.frameCount == 8)
        #expect(try await all.checkpoints.committedUnits().map(\.cursor) == [3])

        let scores = document.frames.flatMap(\.scores).sorted()
        let threshold = scores[scores.count / 2]
        let filtered = try makeContext("filtered", checkpoints: "filtered-checkpoints", ["batch_size": .int(1), "score_threshold": .double(Double(threshold))])
        try await untimedStage().run(item, context: filtered)
        let kept = try JSONDecoder().decode(DetectionsDocument.self, from: try output(filtered))
        #expect(kept.frames.flatMap(\.scores) == document.frames.flatMap(\.scores).filter { $0 >= threshold })
        for (frame, original) in zip(kept.frames, document.frames) {
            let survivors = original.scores.indices.filter { original.scores[$0] >= threshold }
            #expect(frame.boxes == survivors.map { original.boxes[$0] })
            #expect(frame.keypoints == survivors.map { original.keypoints[$0] })
            #expect(frame.embeddings == survivors.map { original.embeddings![$0] })
        }
    }

    @Test func aMissingModelIsNamed() async throws {
        defer { scratch.remove() }
        let path = scratch.url.appendingPathComponent("nowhere.pt").path
        let context = try makeContext("out", checkpoints: "checkpoints", ["model": .string(path)])
        let error = try await #require(throws: StageError.self) {
            try await untimedStage().run(fixture.item(inputs: ["d": fixture.allFrames]), context: context)
        }
        #expect(error.code == .invalidInput)
        #expect(error.message == "'clips/clip.mp4': model_not_found: '\(path)': the model file does not exist")
    }

    @Test func aCorruptModelIsNamedAndCommittedUnitsStay() async throws {
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("corrupt.pt")
        try Data("not a TorchScript archive".utf8).write(to: url)
        let item = fixture.item(inputs: ["d": fixture.allFrames])
        // A unit from an earlier attempt: a failing model must not lose it.
        let earlier = try makeContext("earlier", checkpoints: "checkpoints")
        let cancelling = ContextWithStore(base: earlier, checkpoints: CancellingCheckpointStore(base: earlier.checkpoints, cancelAfter: 1))
        let attempt = Task { try await untimedStage().run(item, context: cancelling) }
        await #expect(throws: CancellationError.self) { try await attempt.value }

        let context = try makeContext("out", checkpoints: "checkpoints", ["model": .string(url.path)])
        let error = try await #require(throws: StageError.self) { try await untimedStage().run(item, context: context) }
        #expect(error.code == .invalidInput)
        #expect(error.message.hasPrefix("'clips/clip.mp4': model_unreadable: '\(url.path)': cannot load TorchScript model"))
        #expect(try await context.checkpoints.committedUnits().map(\.cursor) == [2])
        #expect(!FileManager.default.fileExists(atPath: context.outputDirectory.appendingPathComponent("detections.json").path))
    }

    @Test func aModelWithWrongOutputsAndAnUndecodableVideoAreNamed() async throws {
        defer { scratch.remove() }
        let stub = scratch.url.appendingPathComponent("tensor.pt")
        // TorchScript reads the module's source, so the stub lives in a file (not `python -c`).
        let script = scratch.url.appendingPathComponent("tensor_stub.py")
        try Data("""
            import sys, torch
            from typing import List
            class TensorStub(torch.nn.Module):
                def forward(self, images: List[torch.Tensor]) -> torch.Tensor:
                    return images[0]
            torch.jit.script(TensorStub()).save(sys.argv[1])
            """.utf8).write(to: script)
        try await DebianPython.run([script.path, stub.path])
        let wrong = try makeContext("wrong", checkpoints: "wrong-checkpoints", ["model": .string(stub.path)])
        let outputError = try await #require(throws: StageError.self) {
            try await untimedStage().run(fixture.item(inputs: ["d": fixture.allFrames]), context: wrong)
        }
        #expect(outputError.code == .invalidInput)
        #expect(outputError.message == "'clips/clip.mp4': unexpected_output: '\(stub.path)': model returned Tensor, "
            + "expected List[Dict[str, Tensor]] or a (losses, detections) tuple")

        let truncated = scratch.url.appendingPathComponent("clip.mp4")
        let whole = try Data(contentsOf: fixture.video)
        try whole.prefix(whole.count / 2).write(to: truncated)
        let item = StageItem(key: "clips/clip.mp4", sources: [ItemSource(key: "clips/clip.mp4", path: truncated)],
                             inputs: ["d": fixture.allFrames])
        let context = try makeContext("cut", checkpoints: "cut-checkpoints")
        let videoError = try await #require(throws: StageError.self) { try await untimedStage().run(item, context: context) }
        #expect(videoError.code == .invalidInput)
        #expect(videoError.message.hasPrefix("'clips/clip.mp4': truncated: "))
    }

    @Test func aMissingManifestIsNamed() async throws {
        defer { scratch.remove() }
        let context = try makeContext("out", checkpoints: "checkpoints")
        let error = try await #require(throws: StageError.self) {
            try await untimedStage().run(fixture.item(inputs: ["decode": scratch.url]), context: context)
        }
        #expect(error.code == .missingInput)
        #expect(error.message == "'clips/clip.mp4': no manifest.json in the outputs of upstream stages decode; add the stage that writes it to 'needs'")
    }
}
