import Foundation
import JSON
import Lightly
import PluginAPI
import Storage
import Testing
import TestSupport

@testable import Stages

/// Two small videos made with ffmpeg's test sources, once per process: `game.mp4` (12 frames)
/// and `clips/side.mp4` (15 frames).
enum ExportClips {
    /// Made once per process; tests await it (blocking on a lazy static would starve the cooperative pool).
    private static let made = Task {
        let directory = try TemporaryDirectory(prefix: "export-clips").url
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("clips"), withIntermediateDirectories: true)
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=25",
            "-frames:v", "12", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "5", directory.appendingPathComponent("game.mp4").path])
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=80x48:rate=25",
            "-frames:v", "15", "-c:v", "mpeg4", "-q:v", "3", directory.appendingPathComponent("clips/side.mp4").path])
        return directory
    }

    static func directory() async throws -> URL { try await made.value }

    static let videos = ["game.mp4", "clips/side.mp4"]
}

/// External programs the export tests compare against: ffmpeg and pycocotools.
enum ExportTools {
    /// Frame `index` of `video` as RGB24 bytes, decoded by the ffmpeg CLI.
    static func frame(_ index: Int, of video: URL) async throws -> Data {
        try await FFmpegCLI.run(["-i", video.path, "-vf", "select=eq(n\\,\(index))", "-vframes", "1",
                                 "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    }

    /// The pixels of a PNG as RGB24 bytes, decoded by the ffmpeg CLI.
    static func pixels(ofPNG data: Data, scratch: URL) async throws -> Data {
        let file = scratch.appendingPathComponent("decode-\(UUID().uuidString).png")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }  // Scratch file of a test.
        return try await FFmpegCLI.run(["-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    }
}

/// A selection run without the `schedule` stage: the input datasource with the two clips, the
/// Lightly datasource with predictions (Lightly's writer) and a run folder written by the test,
/// and the upstream output of a `schedule` item (`inputs/schedule/all/`).
struct ExportFixture {
    static let runID = "run-00112233aabbccdd"
    static let task = ConvertStage.defaultTask
    static let selected = ["game-03-mp4.png", "clips/side-11-mp4.png", "game-10-mp4.png"]

    let directory: TemporaryDirectory
    let item: StageItem
    var root: URL { directory.url }
    var inputRoot: URL { root.appendingPathComponent("ds/input") }
    var lightlyRoot: URL { root.appendingPathComponent("ds/lightly") }

    init(selected: [String] = Self.selected) async throws {
        directory = try TemporaryDirectory(prefix: "export-stage")
        let root = directory.url
        let clips = try await ExportClips.directory()
        for video in ExportClips.videos {
            let target = root.appendingPathComponent("ds/input").appendingPathComponent(video)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: clips.appendingPathComponent(video), to: target)
        }
        let writer = LightlyTreeWriter(root: root.appendingPathComponent("ds/lightly"))
        try writer.writeTasks([Self.task])
        try writer.writeSchema(PredictionTaskSchema(taskType: .keypointDetection, categories: [.cocoPerson]), task: Self.task)
        // game-10 has no prediction file: a frame without predictions.
        try writer.writePredictions(PredictionFile(fileName: "game-03-mp4.png", predictions: [
            Self.person(x: 10, y: 8, score: 0.9), Self.person(x: 40, y: 20, score: 0.4),
        ]), task: Self.task)
        try writer.writePredictions(PredictionFile(fileName: "clips/side-11-mp4.png", predictions: [
            Self.person(x: 30, y: 5, score: 0.7, withBox: false),
        ]), task: Self.task)
        let listing = Data((selected.joined(separator: "\n") + "\n").utf8)
        let report = Data(#"{"version": 1, "run": {"run_id": "\#(Self.runID)", "tag": "initial-tag", "created": "1970-01-01T00:00:00Z"}}"#.utf8)
        try writer.write(listing, to: ".lightly/runs/\(Self.runID)/selected_filenames.txt")
        try writer.write(report, to: ".lightly/runs/\(Self.runID)/report.json")
        let upstream = root.appendingPathComponent("inputs/schedule/all")
        try FileManager.default.createDirectory(at: upstream, withIntermediateDirectories: true)
        try listing.write(to: upstream.appendingPathComponent("selected_filenames.txt"))
        try report.write(to: upstream.appendingPathComponent("report.json"))
        item = StageItem(key: "all", sources: [], inputs: ["schedule": root.appendingPathComponent("inputs/schedule")])
    }

    /// A person with 17 keypoints on a 3-pixel grid from (x, y), keypoint scores alternating 0.8 / 0.2.
    static func person(x: Double, y: Double, score: Double, withBox: Bool = true) -> Prediction {
        var keypoints: [Double] = []
        for k in 0..<17 {
            let column = Double(k % 4), row = Double(k / 4)
            let visibility: Double = k % 2 == 0 ? 0.8 : 0.2
            keypoints += [x + column * 3, y + row * 3, visibility]
        }
        return Prediction(categoryID: 1, score: score, bbox: withBox ? [x - 1, y - 1, 12, 15] : nil, keypoints: keypoints)
    }

    var localParameters: [String: JSONValue] {
        ["input": .string("ds/input"), "lightly": .string("ds/lightly"), "task": .string(Self.task), "expiry": .double(604800), "tag": .string("")]
    }

    func context(_ parameters: [String: JSONValue], attempt: Int) throws -> TestStageContext {
        try TestStageContext(
            parameters: parameters, outputDirectory: root.appendingPathComponent("out-\(attempt)"), pipelineDirectory: root,
            checkpointDirectory: root.appendingPathComponent("checkpoints"), stageName: "export")
    }

    /// The video file and frame index of a frame name.
    func source(of name: String) throws -> (URL, Int) {
        let parsed = try #require(ParsedFrameName(name))
        return (inputRoot.appendingPathComponent(parsed.videoPath), parsed.index)
    }

    /// Checks `coco-keypoints.json` with pycocotools; returns what it printed.
    func checkCOCO(_ file: URL) async throws -> String {
        let script = """
            import json, sys
            from pycocotools.coco import COCO
            c = COCO(sys.argv[1])
            names = [l for l in sys.argv[2].split("\\n") if l]
            assert sorted(c.imgs[i]["file_name"] for i in c.getImgIds()) == sorted(names), c.imgs
            for a in c.loadAnns(c.getAnnIds()):
                assert c.imgs[a["image_id"]]["file_name"] in names
                assert len(a["keypoints"]) == 51
                v = a["keypoints"][2::3]
                assert set(v) <= {0, 1, 2} and a["num_keypoints"] == sum(1 for x in v if x > 0)
                assert all(a["keypoints"][3 * i] == 0 and a["keypoints"][3 * i + 1] == 0 for i, x in enumerate(v) if x == 0)
            cat = c.loadCats(c.getCatIds())[0]
            assert len(cat["keypoints"]) == 17 and min(min(p) for p in cat["skeleton"]) == 1
            per_image = {c.imgs[i]["file_name"]: len(c.getAnnIds(imgIds=[i])) for i in c.getImgIds()}
            print(json.dumps({"images": len(c.imgs), "annotations": len(c.anns), "per_image": per_image}, sort_keys=True))
            """
        let output = try await ChildProcess.checked(MotoServer.pythonPath.path, ["-c", script, file.path, Self.selected.joined(separator: "\n")])
        return output.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
    }
}

@Suite struct ExportStageLocalTests {
    @Test func exportsExactFramesReadURLsLabelStudioTasksAndCOCO() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let stage = ExportStage(environment: [:])
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        let summary = try await stage.export(fixture.item, context: context)
        #expect(summary == .init(runID: ExportFixture.runID, frames: 3, uploaded: 3, annotations: 3))
        let out = context.outputDirectory

        // frames/: exactly frame N, and the same bytes in the run folder of the Lightly datasource.
        for name in ExportFixture.selected {
            let png = try Data(contentsOf: out.appendingPathComponent("frames/\(name)"))
            let (video, index) = try fixture.source(of: name)
            let expected = try await ExportTools.frame(index, of: video)
            let pixelBytes: Int = name.hasPrefix("clips/") ? 80 * 48 * 3 : 96 * 64 * 3
            #expect(expected.count == pixelBytes)
            #expect(try await ExportTools.pixels(ofPNG: png, scratch: fixture.root) == expected, "\(name)")
            let stored = fixture.lightlyRoot.appendingPathComponent(".lightly/runs/\(ExportFixture.runID)/frames/\(name)")
            #expect(try Data(contentsOf: stored) == png)
        }

        // filenames-and-read-urls.json: the Lightly client's shape; file:// URLs read the exported bytes.
        let entries = try JSONDecoder().decode(
            [FileNameAndReadURL].self, from: Data(contentsOf: out.appendingPathComponent("filenames-and-read-urls.json")))
        #expect(entries.map(\.fileName) == ExportFixture.selected)
        for entry in entries {
            let url = try #require(URL(string: entry.readUrl))
            #expect(url.isFileURL)
            #expect(try Data(contentsOf: url) == Data(contentsOf: out.appendingPathComponent("frames/\(entry.fileName)")))
            #expect(entry.datasourceUrl == "file://\(fixture.lightlyRoot.path)/.lightly/runs/\(ExportFixture.runID)/frames/\(entry.fileName)")
        }

        // coco-keypoints.json loads with pycocotools.
        let coco = try await fixture.checkCOCO(out.appendingPathComponent("coco-keypoints.json"))
        #expect(coco == #"{"annotations": 3, "images": 3, "per_image": {"clips/side-11-mp4.png": 1, "game-03-mp4.png": 2, "game-10-mp4.png": 0}}"#)

        // label-studio-tasks.json: Label Studio's task import format with pre-annotations.
        let tasks = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: out.appendingPathComponent("label-studio-tasks.json")))
        try ExportStageLocalTests.checkLabelStudio(tasks, entries: entries)

        // A second export stores nothing and writes identical bytes; verify follows the datasource.
        let again = try fixture.context(fixture.localParameters, attempt: 2)
        #expect(try await stage.export(fixture.item, context: again).uploaded == 0)
        for file in [
            "filenames-and-read-urls.json", "label-studio-tasks.json", "label-studio-config.xml", "coco-keypoints.json",
            "cvat-for-images.zip", "frames/game-03-mp4.png",
        ] {
            #expect(try Data(contentsOf: out.appendingPathComponent(file)) == Data(contentsOf: again.outputDirectory.appendingPathComponent(file)))
        }
        #expect(context.receipts.count == 3)
        #expect(try await stage.verify(receipts: context.receipts, item: fixture.item, context: context))
        try FileManager.default.removeItem(at: fixture.lightlyRoot.appendingPathComponent(".lightly/runs/\(ExportFixture.runID)/frames/game-10-mp4.png"))
        #expect(try await stage.verify(receipts: context.receipts, item: fixture.item, context: context) == false)
    }

    static func checkLabelStudio(_ tasks: JSONValue, entries: [FileNameAndReadURL]) throws {
        let list = try #require(tasks.arrayValue)
        #expect(list.count == entries.count)
        let expectedRegions = ["game-03-mp4.png": (2, 34), "clips/side-11-mp4.png": (1, 17), "game-10-mp4.png": (0, 0)]
        for (offset, (task, entry)) in zip(list, entries).enumerated() {
            let fields = try #require(task.objectValue)
            #expect(Set(fields.keys) == ["id", "data", "predictions"])
            #expect(fields["id"]?.intValue == offset + 1)
            // The frame key: whatever name a tool gives the image, the task maps back to its frame.
            let data = try #require(fields["data"]?.objectValue)
            let parsed = try #require(ParsedFrameName(entry.fileName))
            #expect(Set(data.keys) == ["image", "lightlyFileName", "video", "frameIndex", "sha256"])
            #expect(data["image"] == .string(entry.readUrl) && data["lightlyFileName"] == .string(entry.fileName))
            #expect(data["video"] == .string(parsed.videoPath) && data["frameIndex"]?.intValue == parsed.index)
            #expect(data["sha256"]?.stringValue?.count == 64)
            let predictions = try #require(fields["predictions"]?.arrayValue)
            #expect(predictions.count == 1)
            let prediction = try #require(predictions.first?.objectValue)
            #expect(Set(prediction.keys) == ["model_version", "score", "result"])
            #expect(prediction["model_version"] == .string(ExportFixture.task))
            #expect(prediction["score"]?.doubleValue != nil)
            let result = try #require(prediction["result"]?.arrayValue).compactMap(\.objectValue)
            var rectangles = 0, keypoints = 0
            let boxIDs = Set(result.filter { $0["type"] == .string("rectanglelabels") }.compactMap { $0["id"]?.stringValue })
            for region in result {
                #expect(region["to_name"] == .string("image"))
                #expect(region["original_width"]?.intValue == (entry.fileName.hasPrefix("clips/") ? 80 : 96))
                #expect(region["original_height"]?.intValue == (entry.fileName.hasPrefix("clips/") ? 48 : 64))
                #expect(region["image_rotation"]?.intValue == 0)
                #expect(region["id"]?.stringValue != nil)
                let value = try #require(region["value"]?.objectValue)
                for coordinate in ["x", "y", "width"] {
                    let number = try #require(value[coordinate]?.doubleValue)
                    #expect((0...100).contains(number), "\(coordinate) is a percentage")
                }
                switch region["type"]?.stringValue {
                case "rectanglelabels":
                    rectangles += 1
                    #expect(region["from_name"] == .string("bbox"))
                    #expect(value["rectanglelabels"] == .array([.string("person")]))
                    #expect(value["height"]?.doubleValue != nil)
                case "keypointlabels":
                    keypoints += 1
                    #expect(region["from_name"] == .string("keypoints"))
                    // Each keypoint names its person's box, as Label Studio's COCO export needs.
                    let parent = try #require(region["parentID"]?.stringValue)
                    #expect(boxIDs.contains(parent) && region["id"]?.stringValue?.hasPrefix(parent + "-") == true)
                    let label = try #require(value["keypointlabels"]?.arrayValue?.first?.stringValue)
                    #expect(PredictionCategory.cocoKeypointNames.contains(label))
                default:
                    Issue.record("unexpected region type \(String(describing: region["type"]))")
                }
            }
            let expected = try #require(expectedRegions[entry.fileName])
            #expect(rectangles == expected.0 && keypoints == expected.1, "\(entry.fileName)")
        }
        // The first person of game-03: box [9, 7, 12, 15] on 96×64, nose at (10, 8).
        let first = try #require(list.first?.objectValue?["predictions"]?.arrayValue?.first?.objectValue?["result"]?.arrayValue)
        let box: [String: JSONValue] = [
            "x": .double(9.375), "y": .double(10.9375), "width": .double(12.5),
            "height": .double(23.4375), "rotation": .int(0), "rectanglelabels": .array([.string("person")]),
        ]
        #expect(first.first?.objectValue?["value"] == .object(box))
        #expect(first[1].objectValue?["value"]?.objectValue?["keypointlabels"] == .array([.string("nose")]))
    }

    @Test func usesTheFramesTheSelectionRunStoredAlready() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        // The run stored game-03 itself (ffmpeg's PNG encoder: other bytes, same pixels).
        let (video, index) = try fixture.source(of: "game-03-mp4.png")
        let stored = fixture.lightlyRoot.appendingPathComponent(".lightly/runs/\(ExportFixture.runID)/frames/game-03-mp4.png")
        try FileManager.default.createDirectory(at: stored.deletingLastPathComponent(), withIntermediateDirectories: true)
        try await FFmpegCLI.run(["-i", video.path, "-vf", "select=eq(n\\,\(index))",
                                 "-vframes", "1", "-compression_level", "0", stored.path])
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        let summary = try await ExportStage(environment: [:]).export(fixture.item, context: context)
        #expect(summary.uploaded == 2)
        #expect(try Data(contentsOf: context.outputDirectory.appendingPathComponent("frames/game-03-mp4.png")) == Data(contentsOf: stored))
    }

    @Test func isAGatherEffectStageWithDatasourceParameters() {
        let descriptor = ExportStage().descriptor
        #expect(descriptor.id == "export")
        #expect(descriptor.version == "2")
        #expect(descriptor.mode == .gather)
        #expect(descriptor.kind == .effect)
        #expect(descriptor.parameters.map(\.name) == ["input", "lightly", "endpoint", "region", "profile", "task", "expiry", "tag", "formats"])
        #expect(descriptor.parameters.first { $0.name == "expiry" }?.defaultValue == .string("7d"))
        #expect(BuiltinStages.all.contains { $0.descriptor.id == "export" })
    }

    @Test func expiryIsADurationWhoseDefaultReadsAsWritten() throws {
        let base = URL(fileURLWithPath: "/pipeline")
        #expect(try ExportStage.Options(Parameters(values: [:], baseDirectory: base)).expiry == .seconds(7 * 86_400))
        // Validation gives durations in seconds (`72h`).
        let options = try ExportStage.Options(Parameters(values: ["expiry": .double(259_200)], baseDirectory: base))
        #expect(options.expiry == .seconds(259_200))
        #expect(ReadURLSigning(expiry: options.expiry).expiry == 259_200)
        #expect(ReadURLSigning(expiry: .milliseconds(90_500)).expiry == 90, "S3 signs whole seconds")
        // A default is shown as a pipeline writes it: `7d`, not 604800.
        let defaults: [Duration] = [.seconds(7 * 86_400), .seconds(7200), .seconds(1200), .seconds(90), .milliseconds(1500), .zero]
        #expect(defaults.map(\.parameterValue) == ["7d", "2h", "20m", "90s", "1500ms", "0s"].map(JSONValue.string))
    }

    @Test func formatsAreReadAsTheirChoices() throws {
        let base = URL(fileURLWithPath: "/pipeline")
        #expect(try ExportStage.Options(Parameters(values: [:], baseDirectory: base)).formats == ExportFormat.allCases)
        let chosen = try ExportStage.Options(Parameters(values: ["formats": .array([.string("cvat-for-images")])], baseDirectory: base))
        #expect(chosen.formats == [.cvat])
        let error = #expect(throws: StageError.self) {
            try ExportStage.Options(Parameters(values: ["formats": .array([.string("yolo")])], baseDirectory: base))
        }
        #expect(error?.message.hasPrefix("parameter 'formats' must be list of") == true, "\(error?.message ?? "")")
    }

    @Test func readURLsAreSignedAtTheStartOfTheDay() {
        let signing = ReadURLSigning(expiry: 604800)
        let location = DatasourceURL.s3(bucket: "lightly", prefix: "runs")
        let now = Date(timeIntervalSince1970: 1_795_000_000)  // 11:06:40 UTC
        let signedAt = signing.signingTime(now: now, location: location)
        #expect(signedAt == Date(timeIntervalSince1970: 1_794_960_000))
        #expect(signing.isFresh(signedAt: signedAt, now: now.addingTimeInterval(5 * 86400)))
        #expect(!signing.isFresh(signedAt: signedAt, now: signedAt.addingTimeInterval(6 * 86400)))
        #expect(ReadURLSigning(expiry: 3600).signingTime(now: now, location: location) == Date(timeIntervalSince1970: 1_794_999_600))
        #expect(signing.signingTime(now: now, location: .file(URL(fileURLWithPath: "/data"))) == Date(timeIntervalSince1970: 0))
    }
}

@Suite struct ExportExternalStateTests {
    @Test func changedPredictionsOrRunListsChangeTheDigestButStoredFramesDoNot() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let stage = ExportStage(environment: [:])
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        let before = try #require(try await stage.externalStateDigest(fixture.item, context: context))
        _ = try await stage.export(fixture.item, context: context)
        #expect(try await stage.externalStateDigest(fixture.item, context: context) == before, "export's own frames are not external state")
        // Another round's run: not the run this export reads from its upstream schedule, but one a tag could name.
        var tagged = fixture.localParameters
        tagged["tag"] = .string("initial-tag")
        let taggedContext = try fixture.context(tagged, attempt: 2)
        let taggedBefore = try await stage.externalStateDigest(fixture.item, context: taggedContext)
        let writer = LightlyTreeWriter(root: fixture.lightlyRoot)
        try writer.write(Data("game-04-mp4.png\n".utf8), to: ".lightly/runs/run-round-2/selected_filenames.txt")
        try writer.write(Data(#"{"version": 1, "run": {"run_id": "run-round-2", "tag": "round-2"}}"#.utf8), to: ".lightly/runs/run-round-2/report.json")
        #expect(try await stage.externalStateDigest(fixture.item, context: context) == before, "another round's run is not read")
        #expect(try await stage.externalStateDigest(fixture.item, context: taggedContext) != taggedBefore)
        try LightlyTreeWriter(root: fixture.lightlyRoot).writePredictions(
            PredictionFile(fileName: "game-10-mp4.png", predictions: [ExportFixture.person(x: 5, y: 5, score: 0.5)]), task: ExportFixture.task)
        #expect(try await stage.externalStateDigest(fixture.item, context: context) != before)
    }
}

/// The real pair: `schedule` writes a run, `export` exports it without storing anything again.
@Suite struct ExportAfterScheduleTests {
    @Test func exportsTheFramesTheScheduleRunStored() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 30])
        defer { fixture.directory.remove() }
        let (runFolder, _) = try await fixture.run("schedule", parameters: ["selection_config": fixture.tutorialConfig(samples: 4)])
        let selected = try fixture.lines(runFolder.appendingPathComponent("selected_filenames.txt"))
        #expect(selected.count == 4)
        let context = try TestStageContext(
            parameters: ["input": .string(fixture.input.path), "lightly": .string(fixture.lightly.path), "task": .string(ScheduleFixture.task),
                         "expiry": .double(604800), "tag": .string("")],
            outputDirectory: fixture.directory.url.appendingPathComponent("out/export"), pipelineDirectory: fixture.directory.url,
            checkpointDirectory: fixture.directory.url.appendingPathComponent("checkpoints/export"), stageName: "export")
        let item = StageItem(key: "all", sources: [], inputs: ["schedule": runFolder])
        let summary = try await ExportStage(environment: [:]).export(item, context: context)
        #expect(summary.frames == 4)
        #expect(summary.uploaded == 0, "the schedule run stored every selected frame")
        for name in selected {
            #expect(try Data(contentsOf: context.outputDirectory.appendingPathComponent("frames/\(name)"))
                    == Data(contentsOf: runFolder.appendingPathComponent("frames/\(name)")))
        }
    }
}
