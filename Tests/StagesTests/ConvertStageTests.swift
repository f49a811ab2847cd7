import Foundation
import JSON
import PluginAPI
import Stages
import TestSupport
import Testing

@Suite struct ConvertStageTests {
    /// The tutorial's conversion code, verbatim, driven by the same detections.json; then a
    /// file-by-file comparison with the stage's output as parsed JSON (floats within 1e-6).
    static let tutorialScript = #"""
    import json, math, sys
    from pathlib import Path
    import torch

    def lightly_predictions_from_torch_output(output):
        """Convert Torch output to Lightly prediction."""
        output = {key: val.tolist() for key, val in output.items()}
        predictions = []
        for i in range(len(output["keypoints"])):
            keypoints = []
            for (x, y, _), s in zip(
                output["keypoints"][i],
                output["keypoints_scores"][i],
            ):
                # apply sigmoid to keypoint score as lightly requires scores to be in [0, 1]
                # but the model returns keypoint scores in (-inf, +inf)
                s = torch.sigmoid(torch.tensor([s])).item()
                keypoints.extend([int(x), int(y), float(s)])
            x1, y1, x2, y2 = output["boxes"][i]
            w = x2 - x1
            h = y2 - y1
            predictions.append(
                {
                    "category_id": output["labels"][i],
                    "keypoints": keypoints,
                    "score": output["scores"][i],
                    "bbox": [int(x1), int(y1), int(w), int(h)],
                }
            )
        return predictions

    detections_path, key, task_name, expected_dir, actual_dir = sys.argv[1:6]
    detections = json.load(open(detections_path))
    predictions_path = Path(expected_dir)
    video_path = Path(key)
    zero_padding = len(str(detections["frame_count"]))
    tasks_path = predictions_path / "tasks.json"
    tasks_path.parent.mkdir(parents=True, exist_ok=True)
    json.dump([task_name], tasks_path.open("w"), indent=4)
    for frame in detections["frames"]:
        n = len(frame["boxes"])
        output = {
            "boxes": torch.tensor(frame["boxes"], dtype=torch.float32).reshape(n, 4),
            "labels": torch.tensor(frame["labels"], dtype=torch.int64),
            "scores": torch.tensor(frame["scores"], dtype=torch.float32),
            "keypoints": torch.tensor(frame["keypoints"], dtype=torch.float32).reshape(n, 17, 3),
            "keypoints_scores": torch.tensor(frame["keypoints_scores"], dtype=torch.float32).reshape(n, 17),
        }
        frame_predictions = lightly_predictions_from_torch_output(output)
        frame_index = frame["index"]
        video_name = video_path.with_suffix("")
        frame_name = Path(f"{video_name}-{frame_index:0{zero_padding}}-{video_path.suffix[1:]}.png")
        prediction = {"file_name": str(frame_name), "predictions": frame_predictions}
        out_path = predictions_path / task_name / frame_name.with_suffix(".json")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with open(out_path, "w") as file:
            json.dump(prediction, file, indent=4)

    def same(a, b, where):
        if isinstance(a, dict) and isinstance(b, dict):
            if set(a) != set(b):
                return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
            return [m for k in a for m in same(a[k], b[k], f"{where}.{k}")]
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return [f"{where}: length {len(a)} != {len(b)}"]
            return [m for i, (x, y) in enumerate(zip(a, b)) for m in same(x, y, f"{where}[{i}]")]
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return [] if math.isclose(a, b, rel_tol=0, abs_tol=1e-6) else [f"{where}: {a} != {b}"]
        return [] if a == b else [f"{where}: {a!r} != {b!r}"]

    expected = sorted(str(p.relative_to(expected_dir)) for p in Path(expected_dir).rglob("*.json"))
    actual = sorted(str(p.relative_to(actual_dir)) for p in Path(actual_dir).rglob("*.json")
                    if p.name != "schema.json")
    problems = [] if expected == actual else [f"files differ: {expected} != {actual}"]
    for name in expected:
        if name in actual:
            problems += same(json.load(open(Path(expected_dir) / name)), json.load(open(Path(actual_dir) / name)), name)
    print("\n".join(problems[:20]))
    print(f"compared {len(expected)} files, {len(problems)} differences")
    sys.exit(1 if problems else 0)
    """#

    @Test func outputEqualsTheTutorialsConversionFileForFile() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        var generator = DetectionsFactory.Generator(state: 42)
        var frames = [0, 3, 7, 11].enumerated().map { offset, index in
            DetectionsFactory.frame(index: index, detections: [2, 0, 1, 5][offset], generator: &generator)
        }
        // A coordinate that float32 rounds up to the next integer: int() must see the float32 value.
        if case .object(var frame) = frames[2] {
            frame["boxes"] = .array([.array([.double(299.99999999), .double(10.5), .double(330.25), .double(60)])])
            frames[2] = .object(frame)
        }
        let key = "clips/match.day.2.mp4"
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: key, frameCount: 12, frames: frames))
        try await fixture.run(ConvertStage(), key: key)

        let script = fixture.directory.url.appendingPathComponent("tutorial.py")
        try Self.tutorialScript.write(to: script, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(DebianPython.executable.path, [
            script.path, fixture.upstream.appendingPathComponent("detections.json").path, key,
            "keypoint_rcnn_detection", fixture.directory.url.appendingPathComponent("expected").path,
            fixture.output.appendingPathComponent(".lightly/predictions").path,
        ])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.hasSuffix("compared 5 files, 0 differences\n"), "\(result.stdoutText)")
        #expect(try fixture.outputFiles() == [
            ".lightly/predictions/keypoint_rcnn_detection/clips/match.day.2-00-mp4.json",
            ".lightly/predictions/keypoint_rcnn_detection/clips/match.day.2-03-mp4.json",
            ".lightly/predictions/keypoint_rcnn_detection/clips/match.day.2-07-mp4.json",
            ".lightly/predictions/keypoint_rcnn_detection/clips/match.day.2-11-mp4.json",
            ".lightly/predictions/keypoint_rcnn_detection/schema.json",
            ".lightly/predictions/tasks.json",
        ])
        let boxFrame = try fixture.outputJSON(".lightly/predictions/keypoint_rcnn_detection/clips/match.day.2-07-mp4.json")
        #expect(boxFrame.objectValue?["predictions"]?.arrayValue?.first?.objectValue?["bbox"] == .array([.int(300), .int(10), .int(30), .int(49)]))
    }

    @Test func schemaCarriesThePersonWithCOCOKeypointNamesAndSkeleton() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: "a.mp4", frameCount: 1, frames: []))
        try await fixture.run(ConvertStage(), key: "a.mp4", parameters: ["task": .string("pose")])
        let schema = try fixture.outputJSON(".lightly/predictions/pose/schema.json")
        #expect(schema.objectValue?["task_type"] == .string("keypoint-detection"))
        let person = try #require(schema.objectValue?["categories"]?.arrayValue?.first?.objectValue)
        #expect(person["id"] == .int(1))
        #expect(person["name"] == .string("person"))
        #expect(person["keypoint_names"]?.arrayValue?.count == 17)
        #expect(person["keypoint_names"]?.arrayValue?.first == .string("nose"))
        #expect(person["keypoint_skeleton"]?.arrayValue?.first == .array([.int(15), .int(13)]))
        #expect(try fixture.outputJSON(".lightly/predictions/tasks.json") == .array([.string("pose")]))
    }

    struct PaddingCase: Sendable {
        var frameCount: Int
        var names: [String]
    }

    @Test(arguments: [
        PaddingCase(frameCount: 9, names: ["v-0-mp4.json", "v-8-mp4.json"]),
        PaddingCase(frameCount: 10, names: ["v-00-mp4.json", "v-09-mp4.json"]),
        PaddingCase(frameCount: 100, names: ["v-000-mp4.json", "v-099-mp4.json"]),
        PaddingCase(frameCount: 1000, names: ["v-0000-mp4.json", "v-0999-mp4.json"]),
    ])
    func frameNamesArePaddedToTheFullFrameCount(_ c: PaddingCase) async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        var generator = DetectionsFactory.Generator(state: 1)
        let frames = [0, c.frameCount - 1].map { DetectionsFactory.frame(index: $0, detections: 0, generator: &generator) }
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: "v.mp4", frameCount: c.frameCount, frames: frames))
        try await fixture.run(ConvertStage(), key: "v.mp4", parameters: ["task": .string("t")])
        #expect(try fixture.outputFiles() == (c.names.map { ".lightly/predictions/t/\($0)" }
            + [".lightly/predictions/t/schema.json", ".lightly/predictions/tasks.json"]).sorted())
        let file = try fixture.outputJSON(".lightly/predictions/t/\(c.names[1])")
        #expect(file == .object(["file_name": .string(String(c.names[1].dropLast(5)) + ".png"), "predictions": .array([])]))
    }

    @Test func objectDetectionWritesBoxesOnlyAndTheThresholdDropsWeakDetections() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        let frame: JSONValue = .object([
            "index": .int(0), "boxes": .array([.array([.double(1.5), .double(2.5), .double(11.75), .double(22)]),
                                               .array([.double(5), .double(5), .double(6), .double(6)])]),
            "labels": .array([.int(1), .int(1)]), "scores": .array([.double(0.75), .double(0.25)]),
        ])
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: "a.mov", frameCount: 3, frames: [frame]))
        try await fixture.run(ConvertStage(), key: "a.mov", parameters: [
            "task": .string("boxes"), "task_type": .string("object-detection"), "score_threshold": .double(0.5),
        ])
        #expect(try fixture.outputJSON(".lightly/predictions/boxes/a-0-mov.json") == .object([
            "file_name": .string("a-0-mov.png"),
            "predictions": .array([.object(["category_id": .int(1), "score": .double(0.75),
                                            "bbox": .array([.int(1), .int(2), .int(10), .int(19)])])]),
        ]))
        let schema = try fixture.outputJSON(".lightly/predictions/boxes/schema.json")
        #expect(schema == .object(["task_type": .string("object-detection"),
                                   "categories": .array([.object(["id": .int(1), "name": .string("person")])])]))
    }

    @Test func missingDetectionsNameTheFileAndTheUpstreamStages() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        let error = try await #require(throws: StageError.self) { try await fixture.run(ConvertStage(), key: "a.mp4") }
        #expect(error.code == .missingInput)
        #expect(error.message == "'a.mp4': no detections.json in the outputs of upstream stages upstream; add the stage that writes it to 'needs'")
    }

    @Test func aLabelOutsideTheSchemaFailsTheItem() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        let frame: JSONValue = .object([
            "index": .int(2), "boxes": .array([.array([.double(1), .double(2), .double(3), .double(4)])]),
            "labels": .array([.int(3)]), "scores": .array([.double(0.5)]),
        ])
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: "a.mp4", frameCount: 3, frames: [frame]))
        let error = try await #require(throws: StageError.self) {
            try await fixture.run(ConvertStage(), key: "a.mp4", parameters: ["task_type": .string("object-detection")])
        }
        #expect(error.message == "'a.mp4': frame 2 has label 3, but the schema has only person (1)")
    }

    @Test func malformedDetectionsGiveAClearError() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        let frame: JSONValue = .object([
            "index": .int(0), "boxes": .array([.array([.double(1), .double(2), .double(3), .double(4)])]),
            "labels": .array([.int(1)]), "scores": .array([.double(0.5)]),
            "keypoints": .array([.array([.array([.double(1), .double(2), .double(1)])])]),
            "keypoints_scores": .array([.array([.double(0)])]),
        ])
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: "a.mp4", frameCount: 1, frames: [frame]))
        let error = try await #require(throws: StageError.self) { try await fixture.run(ConvertStage(), key: "a.mp4") }
        #expect(error.message == "'a.mp4': detections.json: frame 0, detection 0: 1 keypoints and 1 keypoint scores, expected 17")
        try Data("{\"frame_count\": 3}".utf8).write(to: fixture.upstream.appendingPathComponent("detections.json"))
        let decoding = try await #require(throws: StageError.self) { try await fixture.run(ConvertStage(), key: "a.mp4") }
        #expect(decoding.message == "'a.mp4': detections.json is not valid: missing 'file'")
    }
}
