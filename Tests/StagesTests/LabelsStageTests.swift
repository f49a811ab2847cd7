import Foundation
import JSON
import Labels
import Lightly
import PluginAPI
import Storage
import Testing
import TestSupport

@testable import Stages

/// An exported selection run (``ExportFixture`` after `export`) and a runner for `labels`.
struct LabelsFixture {
    let export: ExportFixture
    /// `label-studio-tasks.json` as export wrote it.
    let tasks: [LabelStudioTask]
    var root: URL { export.root }
    var labelsRoot: URL { export.lightlyRoot.appendingPathComponent(LabelLayout.root) }

    init() async throws {
        export = try await ExportFixture()
        let context = try export.context(export.localParameters, attempt: 1)
        _ = try await ExportStage(environment: [:]).export(export.item, context: context)
        tasks = try JSONDecoder().decode(
            [LabelStudioTask].self, from: Data(contentsOf: context.outputDirectory.appendingPathComponent("label-studio-tasks.json")))
    }

    /// Writes `data` as the export file `name` and imports it.
    @discardableResult
    func importLabels(_ data: Data, name: String, format: String = "auto", reject: [String] = [], attempt: Int = 1) async throws -> ImportRecord {
        let file = root.appendingPathComponent(name)
        try data.write(to: file)
        let stage = LabelsStage(environment: [:], now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let context = try TestStageContext(
            parameters: ["input": .string("ds/input"), "lightly": .string("ds/lightly"), "task": .string(ExportFixture.task),
                         "source": .string(file.path), "format": .string(format), "reject": .array(reject.map { .string($0) })],
            outputDirectory: root.appendingPathComponent("labels-out-\(attempt)"), pipelineDirectory: root,
            checkpointDirectory: root.appendingPathComponent("checkpoints"), stageName: "labels", stage: stage)
        return try await stage.importLabels(context: context)
    }

    /// Every file under `.lightly/labels/` with its bytes.
    func labelFiles() throws -> [String: Data] {
        guard let enumerator = FileManager.default.enumerator(at: labelsRoot, includingPropertiesForKeys: nil) else { return [:] }
        var files: [String: Data] = [:]
        for case let url as URL in enumerator where !url.hasDirectoryPath {
            files[url.path.replacingOccurrences(of: labelsRoot.path + "/", with: "")] = try Data(contentsOf: url)
        }
        return files
    }

    func labels(of frame: String) throws -> [Prediction] {
        let url = export.lightlyRoot.appendingPathComponent(LabelLayout.frameFile(task: ExportFixture.task, frame: frame))
        return try JSONDecoder().decode(PredictionFile.self, from: Data(contentsOf: url)).predictions
    }

    func ledger() throws -> RoundLedger {
        try JSONDecoder().decode(RoundLedger.self, from: Data(contentsOf: export.lightlyRoot.appendingPathComponent(LabelLayout.ledgerFile)))
    }

    /// Sorted keys: the same value gives the same bytes, so the same export file.
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(value)
    }
}

/// What an annotator did in Label Studio, written as its JSON export: the pre-annotations accepted,
/// moved, deleted and added to, and a task skipped.
enum LabelStudioSession {
    static func annotation(_ result: [LabelStudioTask.Region], cancelled: Bool = false) throws -> LabelStudioTask.Annotation {
        let json = try JSONEncoder().encode(JSONValue.object([
            "id": .int(1), "completed_by": .object(["email": .string("ann@example.com")]), "was_cancelled": .bool(cancelled),
            "updated_at": .string("2026-12-07T10:00:00Z"),
            "result": try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(result)),
        ]))
        return try JSONDecoder().decode(LabelStudioTask.Annotation.self, from: json)
    }
}

/// `labels`' parameters, declared once in ``LabelsStage/Options`` and read typed.
@Suite struct LabelsOptionsTests {
    static let export = ResolvedFile(url: URL(fileURLWithPath: "/labelling/export.json"), digest: "d1")

    static func options(_ values: [String: JSONValue]) throws -> LabelsStage.Options {
        try LabelsStage.Options(Parameters(
            values: values.merging(["source": .string(export.url.path)]) { given, _ in given },
            baseDirectory: URL(fileURLWithPath: "/labelling"), files: ["source": export]))
    }

    @Test func formatIsAutoOrAFormatLabelsReads() throws {
        #expect(try Self.options([:]).format == .auto)
        #expect(try Self.options(["format": .string("cvat-for-images")]).format == .named(.cvat))
        let spec = try #require(LabelsStage().descriptor.parameters.first { $0.name == "format" })
        #expect(spec.type == .oneOf(["auto"] + LabelFormat.allCases.map(\.rawValue)))
        #expect(spec.defaultValue == .string("auto"))
    }

    @Test func sourceIsTheFileTheEngineResolvedAndRejectAListOfNames() throws {
        let options = try Self.options(["reject": .array([.string("a.png"), .string("b.png")])])
        #expect(options.source == Self.export)
        #expect(options.reject == ["a.png", "b.png"])
        #expect(options.task == ConvertStage.defaultTask)
        #expect(LabelsStage().descriptor.parameters.map(\.name) == ["input", "lightly", "endpoint", "region", "profile", "source", "format", "task", "reject"])
    }

    @Test func aValueOfTheWrongTypeNamesTheParameter() {
        let error = #expect(throws: StageError.self) { try Self.options(["reject": .string("a.png")]) }
        #expect(error?.message == "parameter 'reject' must be list of string; got a string")
    }
}

@Suite struct LabelsImportTests {
    @Test func labelStudioJSONImportsEveryJointWhereTheAnnotationPutIt() async throws {
        let fixture = try await LabelsFixture()
        defer { fixture.export.directory.remove() }
        var tasks = fixture.tasks
        // game-03: keep person 0 with its nose moved by 2.5 % right; delete person 1.
        var first = try #require(tasks[0].predictions?.first?.result)
        first.removeAll { $0.id?.hasPrefix("1-1") == true }
        let noseIndex = try #require(first.firstIndex { $0.id == "1-0-0" })
        first[noseIndex].value!.x += 2.5
        let movedNose = (first[noseIndex].value!.x * 96 / 100, first[noseIndex].value!.y * 64 / 100)
        tasks[0].annotations = [try LabelStudioSession.annotation(first)]
        // side-11: accept, and add a person: a box, a keypoint with parentID, one without (inside the box).
        var second = try #require(tasks[1].predictions?.first?.result)
        let size = (second[0].originalWidth!, second[0].originalHeight!)
        second.append(.init(id: "new", parentID: nil, fromName: "bbox", type: "rectanglelabels", originalWidth: size.0, originalHeight: size.1,
                            score: nil, value: .init(x: 60, y: 50, width: 20, height: 40, rotation: 0, rectanglelabels: ["person"])))
        second.append(.init(id: "new-nose", parentID: "new", fromName: "keypoints", type: "keypointlabels", originalWidth: size.0,
                            originalHeight: size.1, score: nil, value: .init(x: 70, y: 55, width: 0.5, keypointlabels: ["nose"])))
        second.append(.init(id: "new-hip", parentID: nil, fromName: "keypoints", type: "keypointlabels", originalWidth: size.0,
                            originalHeight: size.1, score: nil, value: .init(x: 65, y: 80, width: 0.5, keypointlabels: ["left_hip"])))
        tasks[1].annotations = [try LabelStudioSession.annotation(second)]
        // game-10: skipped.
        tasks[2].annotations = [try LabelStudioSession.annotation([], cancelled: true)]

        let record = try await fixture.importLabels(LabelsFixture.encode(tasks), name: "project-1.json")
        #expect(record.format == .labelStudioJSON)
        #expect(record.annotators == ["ann@example.com"])
        #expect(record.frames == ["game-03-mp4.png": .labelled, "clips/side-11-mp4.png": .labelled, "game-10-mp4.png": .skipped])

        let game = try fixture.labels(of: "game-03-mp4.png")
        #expect(game.count == 1, "the deleted person is gone")
        let nose = try #require(game.first?.keypoints)
        #expect(abs(nose[0] - movedNose.0) < 0.01 && abs(nose[1] - movedNose.1) < 0.01 && nose[2] == 2)
        let predicted = ExportFixture.person(x: 10, y: 8, score: 0.9).keypoints!
        for joint in 1..<17 {
            #expect(abs(game[0].keypoints![3 * joint] - predicted[3 * joint]) < 0.01)
            #expect(abs(game[0].keypoints![3 * joint + 1] - predicted[3 * joint + 1]) < 0.01)
        }
        #expect(game[0].score == nil && game[0].categoryID == 1)
        #expect(game[0].bbox.map { $0.map { ($0 * 100).rounded() / 100 } } == [9, 7, 12, 15])

        let side = try fixture.labels(of: "clips/side-11-mp4.png")
        #expect(side.count == 2, "the added person is there")
        let added = try #require(side.last?.keypoints)
        #expect(abs(added[0] - 0.7 * 80) < 0.01 && abs(added[1] - 0.55 * 48) < 0.01, "nose, by parentID")
        #expect(abs(added[33] - 0.65 * 80) < 0.01 && abs(added[34] - 0.8 * 48) < 0.01 && added[35] == 2, "left hip, by its box")
        #expect(added[5] == 0 && added[3] == 0, "joints nobody placed are not labelled (v 0)")

        let ledger = try fixture.ledger()
        #expect(ledger.frames["game-10-mp4.png"]?.state == .skipped)
        #expect(ledger.frames["game-03-mp4.png"] == .init(round: 1, runID: ExportFixture.runID, state: .labelled, task: ExportFixture.task, source: record.sha256))
        #expect(ledger.settled == ["game-03-mp4.png", "clips/side-11-mp4.png"])

        // The COCO file of all rounds: file names resolve in the datasource; pycocotools loads it.
        let all = fixture.export.lightlyRoot.appendingPathComponent(LabelLayout.allRoundsFile(task: ExportFixture.task))
        let coco = try JSONDecoder().decode(COCOKeypointsFile.self, from: Data(contentsOf: all))
        #expect(coco.images.count == 2 && coco.annotations.count == 3)
        for image in coco.images {
            #expect(FileManager.default.fileExists(atPath: fixture.export.lightlyRoot.appendingPathComponent(image.fileName).path))
        }
        _ = try await ChildProcess.checked(MotoServer.pythonPath.path, ["-c", "import sys; from pycocotools.coco import COCO; c = COCO(sys.argv[1]); assert len(c.anns) == 3", all.path])
        #expect(try Data(contentsOf: all) == Data(contentsOf: fixture.export.lightlyRoot.appendingPathComponent(LabelLayout.roundFile(task: ExportFixture.task, round: 1))))

        // The stage's outputs: the same labels beside copies of their frames, what `train` reads.
        let output = fixture.root.appendingPathComponent("labels-out-1")
        let set = try JSONDecoder().decode(COCOKeypointsFile.self, from: Data(contentsOf: output.appendingPathComponent("coco-keypoints.json")))
        #expect(set.annotations == coco.annotations && set.categories == coco.categories)
        #expect(set.images.map(\.fileName) == coco.images.map { "frames/\($0.frameName ?? "?")" })
        for (copy, original) in zip(set.images, coco.images) {
            #expect(try Data(contentsOf: output.appendingPathComponent(copy.fileName))
                        == Data(contentsOf: fixture.export.lightlyRoot.appendingPathComponent(original.fileName)), "\(copy.fileName)")
        }

        // Idempotent: the same export again writes the same bytes.
        let before = try fixture.labelFiles()
        try await fixture.importLabels(LabelsFixture.encode(tasks), name: "project-1.json", attempt: 2)
        #expect(try fixture.labelFiles() == before)

        // The rounds: 3 selected and exported, 2 labelled, 1 skipped and so pending.
        let rounds = try await RoundTable.rounds(of: LocalDatasource(root: fixture.export.lightlyRoot))
        #expect(rounds == [RoundSummary(round: 1, selected: 3, exported: 3, labelled: 2, skipped: 1, rejected: 0, pending: 1)])

        // A corrected export replaces a frame's labels, and the ledger says which export it replaced.
        tasks[0].annotations = [try LabelStudioSession.annotation([])]
        let corrected = try await fixture.importLabels(LabelsFixture.encode(tasks), name: "project-1-fixed.json", attempt: 3)
        #expect(try fixture.labels(of: "game-03-mp4.png").isEmpty)
        #expect(try fixture.ledger().frames["game-03-mp4.png"]?.replaces == record.sha256)
        #expect(try fixture.ledger().frames["game-03-mp4.png"]?.source == corrected.sha256)
    }

    /// Each bad export: one clear error naming the file, the task or image and the field; nothing written.
    @Test(arguments: BadExport.allCases)
    func badInputIsRefusedWithFileAndIdAndNothingIsWritten(_ bad: BadExport) async throws {
        let fixture = try await LabelsFixture()
        defer { fixture.export.directory.remove() }
        let (data, expected) = try bad.make(fixture)
        let error = await #expect(throws: StageError.self) { try await fixture.importLabels(data, name: "bad-export.json") }
        let message = try #require(error?.message)
        #expect(message.contains(fixture.root.appendingPathComponent("bad-export.json").path), "\(message)")
        for part in expected { #expect(message.contains(part), "\(message)") }
        #expect(try fixture.labelFiles().isEmpty, "nothing written")
    }

    enum BadExport: CaseIterable, Sendable {
        case pixelsForPercent, wrongOriginalWidth, unknownJoint, sixteenJoints, neverSelected

        func make(_ fixture: LabelsFixture) throws -> (Data, [String]) {
            var tasks = fixture.tasks
            var regions = tasks[0].predictions?.first?.result ?? []
            switch self {
            case .pixelsForPercent:
                regions[1].value!.x = regions[1].value!.x * 96 / 100 * 20  // pixels, far past 100
                tasks[0].annotations = [try LabelStudioSession.annotation(regions)]
                return (try LabelsFixture.encode(tasks), ["task 1", "annotations[0].result[1].value", "not percent"])
            case .wrongOriginalWidth:
                regions[2].originalWidth = 1920
                tasks[0].annotations = [try LabelStudioSession.annotation(regions)]
                return (try LabelsFixture.encode(tasks), ["task 1", "annotations[0].result[2].original_width", "1920", "96 × 64"])
            case .unknownJoint:
                regions[1].value!.keypointlabels = ["nsoe"]
                tasks[0].annotations = [try LabelStudioSession.annotation(regions)]
                return (try LabelsFixture.encode(tasks), ["task 1", "annotations[0].result[1].value.keypointlabels", "unknown joint 'nsoe'", "did you mean 'nose'?"])
            case .sixteenJoints:
                let image = COCOKeypointsFile.Image(id: 7, fileName: "game-03-mp4.png", width: 96, height: 64)
                let annotation = COCOKeypointsFile.Annotation(id: 1, imageID: 7, categoryID: 1, bbox: [1, 1, 10, 10], keypoints: Array(repeating: 2, count: 48))
                let coco = COCOKeypointsFile(images: [image], annotations: [annotation],
                                             categories: [.init(id: 1, name: "person", keypoints: PredictionCategory.cocoKeypointNames, skeleton: [])])
                return (try LabelsFixture.encode(coco), ["image 7 'game-03-mp4.png'", "annotations[0].keypoints", "16 joints, but 'person' has 17"])
            case .neverSelected:
                tasks[1].data.lightlyFileName = "game-05-mp4.png"
                tasks[1].annotations = [try LabelStudioSession.annotation([])]
                return (try LabelsFixture.encode(tasks), ["task 2", "data.lightlyFileName", "'game-05-mp4.png' was never selected"])
            }
        }
    }

    @Test func labelStudioCOCOExportIsRecognisedAndItsLossReportedByFrame() async throws {
        let fixture = try await LabelsFixture()
        defer { fixture.export.directory.remove() }
        // As Label Studio 1.23 wrote it for a frame with two people: two boxes, one keypoints set.
        let keypoints = ExportFixture.person(x: 10, y: 8, score: 0.9).keypoints!.enumerated().map { $0.offset % 3 == 2 ? 2 : $0.element }
        var coco = COCOKeypointsFile(
            images: [.init(id: 0, fileName: "images/1a2b3c4d__game-03-mp4.png", width: 96, height: 64)],
            annotations: [
                .init(id: 0, imageID: 0, categoryID: 0, bbox: [9, 7, 12, 15], keypoints: nil),
                .init(id: 1, imageID: 0, categoryID: 0, bbox: [39, 19, 12, 15], keypoints: nil),
                .init(id: 2, imageID: 0, categoryID: 1, bbox: [10, 8, 9, 12], keypoints: keypoints),
            ],
            categories: [.init(id: 0, name: "person", keypoints: [], skeleton: []), .init(id: 1, name: "nose", keypoints: [], skeleton: [])])
        coco.info = try JSONDecoder().decode(COCOKeypointsFile.Info.self, from: Data(#"{"contributor": "Label Studio"}"#.utf8))
        let error = await #expect(throws: StageError.self) { try await fixture.importLabels(LabelsFixture.encode(coco), name: "ls-coco.json") }
        let message = try #require(error?.message)
        #expect(message.contains("image 0 'images/1a2b3c4d__game-03-mp4.png'"), "\(message)")
        #expect(message.contains("Label Studio's COCO export lost keypoints: 2 people but 1 keypoints set"), "\(message)")
        #expect(try fixture.labelFiles().isEmpty)
    }
}
