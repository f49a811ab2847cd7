import Foundation
import Testing
import TestSupport

/// `detect` with `runtime: openvino` through the release binary, on generated clips with the
/// committed stand-in model (`pipelines/models/standin-keypointrcnn.pt` and its ONNX twin).
@Suite(.serialized) struct OpenVINORuntimeTests {
    static let root = VolleyballScenario.repositoryRoot
    static let torchModel = root.appendingPathComponent("pipelines/models/standin-keypointrcnn.pt")
    static let onnxModel = root.appendingPathComponent("pipelines/models/standin-keypointrcnn.onnx")
    static let clips = ["rally-court-a", "block-at-net"]

    /// Held-out clips (seed 5000: neither the example's nor the training ones) in `folder/data`.
    static func generateClips(in folder: URL) async throws {
        try await DebianPython.run([
            root.appendingPathComponent("examples/generate_clips.py").path,
            "--out", folder.appendingPathComponent("data").path, "--seed", "5000", "--frames-scale", "0.2",
        ] + clips.flatMap { ["--only", "\($0).mp4"] })
    }

    static func detectStage(_ name: String, runtime: String, model: URL, extra: String = "") -> String {
        """
          \(name):
            uses: detect
            needs: [decode]
            concurrency: 2
            with: {runtime: \(runtime), model: \(model.path), batch_size: 1, threads: 2\(extra)}

        """
    }

    static func pipeline(_ stages: String) -> String {
        """
        version: 1
        name: openvino
        stages:
          decode:
            uses: decode
            foreach: data/*.mp4
            with: {every: 2, dedup_threshold: 0}

        """ + stages
    }

    static func detectionFiles(_ stage: String, in folder: URL) async throws -> [String] {
        let listed = try await CLI.run(["outputs", "p.yaml", stage], in: folder)
        return listed.lines.filter { $0.hasSuffix("/detections.json") }.sorted()
    }

    @Test func openVINODetectionsMatchLibtorchWithinTheGates() async throws {
        let workspace = try TemporaryDirectory(prefix: "openvino")
        defer { workspace.remove() }
        let folder = workspace.url
        try await Self.generateClips(in: folder)
        try Data(Self.pipeline(
            Self.detectStage("torch", runtime: "libtorch", model: Self.torchModel)
                + Self.detectStage("openvino", runtime: "openvino", model: Self.onnxModel)).utf8)
            .write(to: folder.appendingPathComponent("p.yaml"))
        let run = try await CLI.run(["run", "p.yaml"], in: folder)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")

        let torch = try await Self.detectionFiles("torch", in: folder)
        let openvino = try await Self.detectionFiles("openvino", in: folder)
        try #require(torch.count == Self.clips.count && openvino.count == Self.clips.count)
        let truths = Self.clips.map { folder.appendingPathComponent("data/\($0).json").path }
        let comparison = try await ChildProcess.checked(MotoServer.pythonPath.path, [
            Self.root.appendingPathComponent("examples/compare_detections.py").path, "--json",
            "--reference"] + torch + ["--candidate"] + openvino + ["--truth"] + truths)
        let last = try #require(comparison.stdoutText.split(separator: "\n").last)
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Double])
        let report = comparison.stdoutText
        // The gates of docs/stages/detect.md: fp32 OpenVINO within 1 px and 0.005 AP of libtorch.
        #expect(try #require(metrics["frames"]) >= 30, "\(report)")
        #expect(try #require(metrics["matched"]) >= 0.98 * (try #require(metrics["reference_detections"])), "\(report)")
        #expect(try #require(metrics["mean_keypoint_displacement"]) <= 1.0, "\(report)")
        #expect(try #require(metrics["mean_box_iou"]) >= 0.99, "\(report)")
        #expect(abs(try #require(metrics["box_ap_difference"])) <= 0.005, "\(report)")
        #expect(abs(try #require(metrics["keypoint_ap_difference"])) <= 0.005, "\(report)")
        #expect(try #require(metrics["candidate_keypoint_ap"]) >= 0.5, "\(report)")

        // The same contract: embeddings of every detection and a frame embedding per frame.
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: openvino[0])))
        let frames = try #require((document as? [String: Any])?["frames"] as? [[String: Any]])
        for frame in frames {
            let boxes = try #require(frame["boxes"] as? [[Double]])
            let embeddings = try #require(frame["embeddings"] as? [[Double]])
            #expect(embeddings.count == boxes.count && embeddings.allSatisfy { $0.count == 256 })
            #expect((frame["frame_embedding"] as? [Double])?.count == 64)
        }
    }

    @Test func aKilledRunResumesFromItsCheckpointsAndEqualsAnUninterruptedRun() async throws {
        let workspace = try TemporaryDirectory(prefix: "openvino-resume")
        defer { workspace.remove() }
        let killed = workspace.url.appendingPathComponent("killed")
        let whole = workspace.url.appendingPathComponent("whole")
        try await Self.generateClips(in: killed)
        try FileManager.default.copyItem(at: killed, to: whole)
        let pipeline = Self.pipeline(
            Self.detectStage("detect", runtime: "openvino", model: Self.onnxModel, extra: ", checkpoint_every: 2"))
        for folder in [killed, whole] { try Data(pipeline.utf8).write(to: folder.appendingPathComponent("p.yaml")) }

        let database = killed.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        let started = try CLI.start(["run", "p.yaml"], in: killed)
        let deadline = ContinuousClock.now + .seconds(300)
        func checkpoints() async throws -> Int {
            guard FileManager.default.fileExists(atPath: database.path),
                try await sqlite3(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'checkpoints'")
                    .hasPrefix("1")
            else { return 0 }
            return Int(try await sqlite3(database, "SELECT COUNT(*) FROM checkpoints")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        while started.isRunning, try await checkpoints() == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(started.isRunning, "the run ended before detect committed a checkpoint")
        started.send(SIGKILL)
        _ = try? await started.wait()

        let resumed = try await CLI.run(["run", "p.yaml"], in: killed)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed after"), "\(resumed.stderr)")
        let uninterrupted = try await CLI.run(["run", "p.yaml"], in: whole)
        try #require(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let resumedFiles = try await Self.detectionFiles("detect", in: killed)
        let wholeFiles = try await Self.detectionFiles("detect", in: whole)
        try #require(resumedFiles.count == Self.clips.count && wholeFiles.count == Self.clips.count)
        for (a, b) in zip(resumedFiles, wholeFiles) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)), "\(a)")
        }

        // The runtime is in the cache key, the thread count is not.
        let threads = pipeline.replacingOccurrences(of: "threads: 2", with: "threads: 1")
        try Data(threads.utf8).write(to: killed.appendingPathComponent("p.yaml"))
        let sameKey = try await CLI.run(["why", "p.yaml", "detect"], in: killed)
        #expect(sameKey.lines.allSatisfy { !$0.hasPrefix("detect/") || $0.hasSuffix(": cached") }, "\(sameKey.stdout)")
        let runtime = pipeline.replacingOccurrences(of: "runtime: openvino", with: "runtime: libtorch")
        try Data(runtime.utf8).write(to: killed.appendingPathComponent("p.yaml"))
        let otherKey = try await CLI.run(["why", "p.yaml", "detect"], in: killed)
        let first = try #require(otherKey.lines.first { $0.hasPrefix("detect/") })
        #expect(first.contains("will run") && otherKey.stdout.contains("runtime"), "\(otherKey.stdout)")
    }

    /// The most detections in one frame of any of `files` (detections.json).
    static func mostDetectionsPerFrame(_ files: [String]) throws -> Int {
        try files.flatMap { file -> [Int] in
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
            let frames = try #require((document as? [String: Any])?["frames"] as? [[String: Any]])
            return try frames.map { try #require($0["boxes"] as? [[Double]]).count }
        }.max() ?? 0
    }

    /// `train_standin.py --onnx-from … --rpn-post-nms-top-n 5` reaches the exported model: it is
    /// another file, so `detect` re-runs, and no frame keeps more than 5 detections where the
    /// committed export (100 proposals) finds more.
    @Test func fewerProposalsMakeAnotherModelWithAtMostThatManyDetections() async throws {
        let workspace = try TemporaryDirectory(prefix: "openvino-proposals")
        defer { workspace.remove() }
        let folder = workspace.url
        try await Self.generateClips(in: folder)
        let fewer = folder.appendingPathComponent("standin-proposals5.onnx")
        try await ChildProcess.checked(MotoServer.pythonPath.path, [
            Self.root.appendingPathComponent("examples/train_standin.py").path, "--onnx-from", Self.torchModel.path,
            "--rpn-post-nms-top-n", "5", "--output", fewer.path])
        let pipeline = Self.pipeline(Self.detectStage("detect", runtime: "openvino", model: Self.onnxModel))
        try Data(pipeline.utf8).write(to: folder.appendingPathComponent("p.yaml"))
        let all = try await CLI.run(["run", "p.yaml"], in: folder)
        try #require(all.status == 0, "\(all.stderr)")
        #expect(try Self.mostDetectionsPerFrame(try await Self.detectionFiles("detect", in: folder)) > 5)

        let changed = pipeline.replacingOccurrences(of: Self.onnxModel.path, with: fewer.path)
        try Data(changed.utf8).write(to: folder.appendingPathComponent("p.yaml"))
        let why = try await CLI.run(["why", "p.yaml", "detect"], in: folder)
        let detectItems = why.lines.filter { $0.hasPrefix("detect/") }
        #expect(!detectItems.isEmpty && detectItems.allSatisfy { $0.contains("will run") }, "\(why.stdout)")
        let few = try await CLI.run(["run", "p.yaml"], in: folder)
        try #require(few.status == 0, "\(few.stderr)")
        let most = try Self.mostDetectionsPerFrame(try await Self.detectionFiles("detect", in: folder))
        #expect(most >= 1 && most <= 5, "at most 5 proposals, \(most) detections in a frame")
    }

    @Test func aModelOpenVINOCannotReadFailsTheItemNamingTheFile() async throws {
        let workspace = try TemporaryDirectory(prefix: "openvino-errors")
        defer { workspace.remove() }
        let folder = workspace.url
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-frames:v", "4",
                                 "-c:v", "libx264", "-pix_fmt", "yuv420p", folder.appendingPathComponent("data/clip.mp4").path])
        let notAModel = folder.appendingPathComponent("model.onnx")
        try Data("not a model".utf8).write(to: notAModel)
        for model in [notAModel, Self.torchModel] {
            try Data(Self.pipeline(Self.detectStage("detect", runtime: "openvino", model: model)).utf8)
                .write(to: folder.appendingPathComponent("p.yaml"))
            let run = try await CLI.run(["run", "p.yaml"], in: folder)
            #expect(run.status != 0)
            #expect(run.stderr.contains("model_unreadable: '\(model.path)': cannot read an OpenVINO or ONNX model"),
                    "\(run.stderr)")
        }
    }
}
