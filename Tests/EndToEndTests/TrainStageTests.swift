import Foundation
import Testing
import TestSupport

/// One tiny active-learning round through the engine and the built binary: an oracle labels four
/// frames of a generated clip (`examples/oracle_labels.py`), the `train` plugin (`plugins/train`,
/// PyTorch on one thread) fine-tunes the committed stand-in on them, and a second `detect` takes
/// the trained model from `${in.train}/model.pt`.
@Suite(.serialized) struct TrainStageTests {
    static let root = VolleyballScenario.repositoryRoot
    static let standin = root.appendingPathComponent("pipelines/models/standin-keypointrcnn.pt")

    /// A folder with a 15-frame 320×180 clip and its ground truth, `plugins/train` linked in, and
    /// `p.yaml`: `labels` (the oracle, frames 0, 4, 8, 12) → `train`, plus, with `detect`,
    /// `decode` → `detect` (the stand-in) and `detect-next` (the trained model).
    private func workspace(steps: Int = 10, detect: Bool) async throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory(prefix: "train")
        let root = folder.url
        try await DebianPython.run([
            Self.root.appendingPathComponent("examples/generate_clips.py").path, "--out", root.appendingPathComponent("clips").path,
            "--seed", "7", "--only", "rally-court-a.mp4", "--frames-scale", "0.1", "--width", "320", "--height", "180",
        ])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("plugins/train"),
                                                   withDestinationURL: Self.root.appendingPathComponent("plugins/train"))
        var pipeline = """
            version: 1
            name: round
            stages:
              labels:
                uses: exec
                with:
                  argv: [/usr/bin/python3, \(Self.root.path)/examples/oracle_labels.py, --truth, clips/rally-court-a.json,
                         --video, clips/rally-court-a.mp4, --indices, "0,4,8,12", --out, "${out}"]
              train:
                uses: train
                needs: [labels]
                with: {model: \(Self.standin.path), steps: \(steps), seed: 0, threads: 1, checkpoint_every: 3}

            """
        if detect {
            pipeline += """
                  decode:
                    uses: decode
                    foreach: clips/*.mp4
                    with: {every: 3}
                  detect:
                    uses: detect
                    needs: [decode]
                    with: {model: \(Self.standin.path), threads: 1}
                  detect-next:
                    uses: detect
                    needs: [decode, train]
                    with: {model: "${in.train}/model.pt", threads: 1}

                """
        }
        try Data(pipeline.utf8).write(to: root.appendingPathComponent("p.yaml"))
        return folder
    }

    private func events(_ result: CLI.Result) -> [[String: Any]] {
        result.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    private func outcomes(_ result: CLI.Result) -> [String: String] {
        var outcomes: [String: String] = [:]
        for event in events(result) where event["event"] as? String == "finished" {
            if let item = event["item"] as? String { outcomes[item] = event["outcome"] as? String }
        }
        return outcomes
    }

    /// Where the `train` item's progress started in this run (the first step it reported).
    private func firstTrainingStep(_ result: CLI.Result) -> Int? {
        events(result).first { $0["event"] as? String == "progress" && $0["item"] as? String == "train/all" }?["completed"] as? Int
    }

    private func output(_ relative: String, in folder: TemporaryDirectory) throws -> Data {
        try Data(contentsOf: folder.url.appendingPathComponent(".orchestrate/out/\(relative)"))
    }

    @Test func trainedModelFeedsTheNextDetectWhichRerunsOnlyWhenTheModelsContentChanges() async throws {
        let folder = try await workspace(detect: true)
        defer { folder.remove() }
        let root = folder.url

        let first = try await CLI.run(["run", "p.yaml", "--json"], in: root)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(Set(outcomes(first).values) == ["done"], "\(outcomes(first))")
        let model = try output("train/all/model.pt", in: folder)
        #expect(model != (try Data(contentsOf: Self.standin)), "training changed no weight")
        let metrics = try #require(try JSONSerialization.jsonObject(with: output("train/all/metrics.json", in: folder)) as? [String: Any])
        #expect(metrics["labelled_frames"] as? Int == 4)
        let losses = try #require(metrics["loss"] as? [[String: Any]])
        #expect(losses.compactMap { $0["step"] as? Int } == Array(1...10))
        #expect(losses.allSatisfy { (($0["loss"] as? Double) ?? .nan) > 0 && (($0["loss_keypoint"] as? Double) ?? .nan) > 0 })

        // The trained model loads in detect and sees something else than the stand-in did.
        let before = try output("detect/rally-court-a.mp4/detections.json", in: folder)
        let after = try output("detect-next/rally-court-a.mp4/detections.json", in: folder)
        let frames = { (data: Data) in ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["frames"] as? [Any])?.count }
        #expect(frames(before) == 5 && frames(after) == 5)
        #expect(before != after, "the trained model's detections equal the starting model's")

        // Nothing changed: nothing retrains.
        let second = try await CLI.run(["run", "p.yaml", "--json"], in: root)
        #expect(second.status == 0)
        #expect(Set(outcomes(second).values) == ["cached"], "\(outcomes(second))")

        // Training again gives the same bytes (a cleared stage keeps its key's checkpoints, so it may
        // resume from one: same bytes either way), so detect-next does not run again.
        #expect(try await CLI.run(["cache", "clear", "p.yaml", "train"], in: root).status == 0)
        let third = try await CLI.run(["run", "p.yaml", "--json"], in: root)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(outcomes(third)["train/all"] == "done")
        #expect(outcomes(third)["detect-next/rally-court-a.mp4"] == "cached", "\(outcomes(third))")
        #expect(try output("train/all/model.pt", in: folder) == model, "same labels and seed gave other model bytes")

        // Another setting: a new model, so detect-next runs again; the first round's detect does not.
        let yaml = root.appendingPathComponent("p.yaml")
        try Data(try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "steps: 10", with: "steps: 4").utf8).write(to: yaml)
        let fourth = try await CLI.run(["run", "p.yaml", "--json"], in: root)
        #expect(fourth.status == 0, "\(fourth.stderr)")
        #expect(outcomes(fourth) == ["labels/all": "cached", "train/all": "done", "decode/rally-court-a.mp4": "cached",
                                     "detect/rally-court-a.mp4": "cached", "detect-next/rally-court-a.mp4": "done"])
        #expect(try output("train/all/model.pt", in: folder) != model)
    }

    @Test func killedTrainingResumesFromItsCheckpointAndEndsWithTheSameBytes() async throws {
        let reference = try await workspace(steps: 7, detect: false)
        defer { reference.remove() }
        let uninterrupted = try await CLI.run(["run", "p.yaml", "--json"], in: reference.url)
        try #require(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        #expect(firstTrainingStep(uninterrupted) == 0)

        let folder = try await workspace(steps: 7, detect: false)
        defer { folder.remove() }
        let database = folder.url.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        let started = try CLI.start(["run", "p.yaml", "--json"], in: folder.url)
        let deadline = Date(timeIntervalSinceNow: 600)
        var committed = 0
        while committed == 0, Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            if FileManager.default.fileExists(atPath: database.path) {
                committed = Int(try await sqlite3(database, "SELECT COUNT(*) FROM checkpoints")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        try #require(committed > 0, "no checkpoint was committed")
        started.send(SIGKILL)
        _ = try await CLI.finish(started)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(".orchestrate/out/train").path))

        let resumed = try await CLI.run(["run", "p.yaml", "--json"], in: folder.url)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        let resumedAt = try #require(firstTrainingStep(resumed))
        #expect(resumedAt >= 3 && resumedAt % 3 == 0 && resumedAt < 7, "resumed at step \(resumedAt)")
        #expect(try output("train/all/model.pt", in: folder) == (try output("train/all/model.pt", in: reference)))
        #expect(try output("train/all/metrics.json", in: folder) == (try output("train/all/metrics.json", in: reference)))
    }

    /// docs/tutorial.md's next round, appended to pipelines/volleyball.yaml as it says, validates:
    /// the stages, the `train` plugin beside the pipeline and `${in.train}/model.pt` as detect's model.
    @Test func theTutorialsNextRoundIsAValidPipeline() async throws {
        let tutorial = try String(contentsOf: Self.root.appendingPathComponent("docs/tutorial.md"), encoding: .utf8)
        let section = try #require(tutorial.components(separatedBy: "## The next round").dropFirst().first)
        let stages = try #require(section.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let folder = try TemporaryDirectory(prefix: "train-tutorial")
        defer { folder.remove() }
        let root = folder.url
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("data/rally-court-a.mp4").path, contents: Data())
        for link in ["plugins", "pipelines/models"] {
            try FileManager.default.createSymbolicLink(at: root.appendingPathComponent(URL(fileURLWithPath: link).lastPathComponent),
                                                       withDestinationURL: Self.root.appendingPathComponent(link))
        }
        let example = try String(contentsOf: Self.root.appendingPathComponent("pipelines/volleyball.yaml"), encoding: .utf8)
        try Data((example + stages).utf8).write(to: root.appendingPathComponent("p.yaml"))
        let validated = try await CLI.run(["validate", "p.yaml"], in: root)
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(validated.stdout.contains("is valid (11 stages)"), "\(validated.stdout)")
    }

    /// One labelled person on a 32×16 frame `f.png`, as COCO keypoints; `edit` breaks it.
    private static func labels(_ edit: (inout [String: Any], inout [String: Any]) -> Void) throws -> Data {
        var image: [String: Any] = ["id": 1, "file_name": "f.png", "width": 32, "height": 16]
        var person: [String: Any] = ["id": 7, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 12],
                                     "keypoints": Array(repeating: [5, 5, 2], count: 17).flatMap { $0 }]
        edit(&image, &person)
        return try JSONSerialization.data(withJSONObject: ["images": [image], "annotations": [person]])
    }

    static let badLabels: [(String, @Sendable (inout [String: Any], inout [String: Any]) -> Void)] = [
        ("annotation 7 (image 1): 'keypoints' holds 16 points, the model predicts 17 ([x, y, visibility] each)",
         { _, person in person["keypoints"] = Array(repeating: [5, 5, 2], count: 16).flatMap { $0 } }),
        ("annotation 7 (image 1): 'bbox' must be [x, y, width, height] with a positive size, got [2, 2, 0, 12]",
         { _, person in person["bbox"] = [2, 2, 0, 12] }),
        ("annotation 7 (image 1): 'keypoints' visibility must be 0, 1 or 2, got [2, 3]",
         { _, person in person["keypoints"] = Array(repeating: [5, 5, 2], count: 16).flatMap { $0 } + [5, 5, 3] }),
        ("annotation 7 (image 9): 'image_id' names no image of the file", { _, person in person["image_id"] = 9 }),
        ("image 1 'gone.png': no such file beside it or in frames/", { image, _ in image["file_name"] = "gone.png" }),
        ("image 1 'f.png': 'width'/'height' say 64x16, the file is 32x16", { image, _ in image["width"] = 64 }),
    ]

    /// Bad labels fail the plugin before it trains, naming the file, the id and the field; nothing is written.
    @Test(arguments: 0..<badLabels.count)
    func badLabelsFailNamingFileIdAndField(case index: Int) async throws {
        let (problem, edit) = Self.badLabels[index]
        let folder = try TemporaryDirectory(prefix: "train-bad")
        defer { folder.remove() }
        let labels = folder.url.appendingPathComponent("labels")
        let output = folder.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: labels, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        _ = try await FFmpegCLI.run(["-f", "lavfi", "-i", "color=c=gray:s=32x16", "-frames:v", "1",
                                     labels.appendingPathComponent("f.png").path])
        let coco = labels.appendingPathComponent("coco-keypoints.json")
        try Self.labels(edit).write(to: coco)
        let request: [String: Any] = [
            "protocol": 1, "plugin": "train", "stage": "train", "key": "all", "sources": [] as [Any],
            "params": ["model": Self.standin.path, "annotations": "coco-keypoints.json", "steps": 1, "batch_size": 1,
                       "learning_rate": 0.005, "seed": 0, "device": "cpu", "audit": "", "checkpoint_every": 1, "threads": 1],
            "inputs": ["labels": labels.path], "output_dir": output.path, "pipeline_dir": folder.url.path,
            "checkpoints": [] as [Any], "checkpoint_dir": folder.url.path,
        ]
        let run = try await ChildProcess.run(Self.root.appendingPathComponent("plugins/train/train.py").path,
                                             stdin: try JSONSerialization.data(withJSONObject: request))
        #expect(run.status == 1)
        #expect(run.stderrText == "train: \(coco.path): \(problem)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty)
    }
}
