import Foundation
import JSON
import Labels
import Lightly
import PluginAPI
import Testing
import TestSupport

@testable import Stages

/// The documents `export` writes for the labelling tools: Label Studio's config, CVAT for images
/// 1.1 and COCO visibility, checked against the formats and re-read by independent parsers.
@Suite struct ExportLabellingFormatTests {
    @Test func labelStudioConfigHasModelIndexOnEveryJointInSchemaOrder() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        _ = try await ExportStage(environment: [:]).export(fixture.item, context: context)
        let xml = try String(contentsOf: context.outputDirectory.appendingPathComponent("label-studio-config.xml"), encoding: .utf8)
        // Parsed by Python's XML parser, not ours.
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.fromstring(open(sys.argv[1]).read())
            points = root.find("KeyPointLabels")
            assert points.get("name") == "keypoints" and points.get("toName") == "image"
            print("\\n".join(l.get("model_index") + " " + l.get("value") for l in points.findall("Label")))
            print("box " + root.find("RectangleLabels").find("Label").get("value"))
            """
        let output = try await ChildProcess.checked("/usr/bin/python3", ["-c", script, context.outputDirectory.appendingPathComponent("label-studio-config.xml").path])
        let expected = PredictionCategory.cocoKeypointNames.enumerated().map { "\($0.offset) \($0.element)" } + ["box person"]
        #expect(output.stdoutText.split(separator: "\n").map(String.init) == expected, "\(xml)")
    }

    @Test func cocoVisibilityIsZeroForUnlabelledKeypoints() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        var person = ExportFixture.person(x: 10, y: 8, score: 0.9)
        person.keypoints![2] = 0  // the nose: score 0, not predicted
        try LightlyTreeWriter(root: fixture.lightlyRoot).writePredictions(
            PredictionFile(fileName: "game-10-mp4.png", predictions: [person]), task: ExportFixture.task)
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        _ = try await ExportStage(environment: [:]).export(fixture.item, context: context)
        let coco = try JSONDecoder().decode(COCOKeypointsFile.self, from: Data(contentsOf: context.outputDirectory.appendingPathComponent("coco-keypoints.json")))
        let image = try #require(coco.images.first { $0.fileName == "game-10-mp4.png" })
        let annotation = try #require(coco.annotations.first { $0.imageID == image.id })
        let points = try #require(annotation.keypoints)
        #expect(Array(points[0..<3]) == [0, 0, 0], "not labelled: COCO's v 0 with x = y = 0")
        #expect(points[5] == 1 && points[8] == 2, "score 0.2 is hidden (1), 0.8 visible (2)")
        #expect(annotation.numKeypoints == 16)
    }

    @Test func cvatArchiveHasTheSkeletonAndThePredictionsAndDatumaroReadsIt() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        _ = try await ExportStage(environment: [:]).export(fixture.item, context: context)
        let archive = context.outputDirectory.appendingPathComponent("cvat-for-images.zip")
        let unpacked = fixture.root.appendingPathComponent("cvat")
        // unzip checks every entry's CRC.
        _ = try await ChildProcess.checked("/usr/bin/unzip", ["-q", archive.path, "-d", unpacked.path])
        for name in ExportFixture.selected {
            #expect(try Data(contentsOf: unpacked.appendingPathComponent("images/\(name)"))
                    == Data(contentsOf: context.outputDirectory.appendingPathComponent("frames/\(name)")))
        }
        let document = try CVATDocument.read(Data(contentsOf: unpacked.appendingPathComponent("annotations.xml")), file: "annotations.xml")
        #expect(document.labels.first == .init(name: "person", type: "skeleton", parent: nil))
        #expect(document.joints(of: "person") == PredictionCategory.cocoKeypointNames)
        #expect(document.edges["person"] == PredictionCategory.cocoKeypointSkeleton)
        #expect(document.images.map(\.name) == ExportFixture.selected)
        let game = document.images[0]
        #expect(game.width == 96 && game.height == 64)
        #expect(game.boxes.count == 2 && game.skeletons.count == 2)
        #expect(game.boxes.map(\.groupID) == game.skeletons.map(\.groupID))
        let first = ExportFixture.person(x: 10, y: 8, score: 0.9)
        #expect(game.boxes[0].xtl == 9 && game.boxes[0].ytl == 7 && game.boxes[0].xbr == 21 && game.boxes[0].ybr == 22)
        for (index, point) in game.skeletons[0].points.enumerated() {
            #expect(point.label == PredictionCategory.cocoKeypointNames[index])
            #expect(abs(point.x - first.keypoints![3 * index]) < 0.01 && abs(point.y - first.keypoints![3 * index + 1]) < 0.01)
            #expect(point.occluded == (index % 2 == 1), "score 0.2 is occluded, 0.8 visible")
        }
        #expect(document.images[1].boxes.count == 1 && document.images[1].skeletons.count == 1, "side-11: the tight box over its keypoints")
        #expect(document.images[2].boxes.isEmpty && document.images[2].skeletons.isEmpty)

        // Datumaro, an independent reader of CVAT for images 1.1 (it reads a skeleton's joints as points).
        let datumaro = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.venv-datumaro/bin/python").standardized
        try #require(FileManager.default.isExecutableFile(atPath: datumaro.path), "run scripts/setup.sh: .venv-datumaro")
        let script = """
            import sys, json
            import datumaro as dm
            ds = dm.Dataset.import_from(sys.argv[1], "cvat")
            labels = ds.categories()[dm.AnnotationType.label]
            out = {}
            for item in ds:
                out[item.id] = {"bbox": [a.points for a in item.annotations if a.type.name == "bbox"],
                                "points": [[labels[a.label].name] + a.points for a in item.annotations if a.type.name == "points"]}
            print(json.dumps({"items": out, "labels": [l.name for l in labels]}, sort_keys=True))
            """
        let output = try await ChildProcess.checked(datumaro.path, ["-c", script, unpacked.path])
        let json = try JSONDecoder().decode(JSONValue.self, from: Data((output.stdoutText.split(separator: "\n").last.map(String.init) ?? "").utf8))
        #expect(json.objectValue?["labels"] == .array((["person"] + PredictionCategory.cocoKeypointNames).map { .string($0) }))
        let items = try #require(json.objectValue?["items"]?.objectValue)
        #expect(Set(items.keys) == ["game-03-mp4", "clips/side-11-mp4", "game-10-mp4"], "\(output.stdoutText)")
        let game03 = try #require(items["game-03-mp4"]?.objectValue)
        #expect(game03["bbox"]?.arrayValue?.first?.arrayValue?.compactMap(\.doubleValue) == [9, 7, 21, 22])
        let pointValues = game03["points"]?.arrayValue ?? []
        let points = pointValues.compactMap { $0.arrayValue }
        #expect(points.count == 34)
        for (index, point) in points.prefix(17).enumerated() {
            #expect(point.first == .string(PredictionCategory.cocoKeypointNames[index]))
            #expect(abs((point[1].doubleValue ?? -1) - first.keypoints![3 * index]) < 0.01)
            #expect(abs((point[2].doubleValue ?? -1) - first.keypoints![3 * index + 1]) < 0.01)
        }
        #expect(items["clips/side-11-mp4"]?.objectValue?["points"]?.arrayValue?.count == 17)
    }
}
