import Foundation
import Lightly
import Testing

@Suite struct LightlyValidatorTests {
    /// One seeded mistake: a change to the clean tree and the line the validator must print.
    struct Mistake: Sendable, CustomTestStringConvertible {
        enum Change: Sendable {
            case write(String, String)
            case remove(String)
        }
        var name: String
        var change: Change
        var expected: String
        var testDescription: String { name }
    }

    static let pose = ".lightly/predictions/pose/clips/game-07-mp4.json"
    static let boxes = ".lightly/predictions/boxes/img/0001.json"
    static let tasks = ".lightly/predictions/tasks.json"
    static let poseSchema = ".lightly/predictions/pose/schema.json"
    static let boxSchema = ".lightly/predictions/boxes/schema.json"
    static let metaSchema = ".lightly/metadata/schema.json"
    static let video = ".lightly/metadata/clips/game.json"

    static let mistakes: [Mistake] = [
        Mistake(name: "tasks.json is not JSON", change: .write(tasks, #"["pose", "boxes""#),
                expected: "\(tasks): invalid JSON"),
        Mistake(name: "tasks.json is not a list", change: .write(tasks, #"{"pose": 1}"#),
                expected: "\(tasks): expected a list of task names, found an object"),
        Mistake(name: "invalid task name", change: .write(tasks, #"["pose", "boxes", "my task"]"#),
                expected: "\(tasks): [2]: task name 'my task' must be non-empty and use only letters, digits and _+=,.@:/-"),
        Mistake(name: "task listed twice", change: .write(tasks, #"["pose", "boxes", "pose"]"#),
                expected: "\(tasks): [2]: task 'pose' is listed twice"),
        Mistake(name: "tasks.json missing", change: .remove(tasks),
                expected: "\(tasks): missing: the predictions folder needs a tasks.json listing its tasks"),
        Mistake(name: "schema missing", change: .remove(boxSchema),
                expected: "\(boxSchema): missing: task 'boxes' is listed in tasks.json but has no schema.json"),
        Mistake(name: "unknown task type", change: .write(boxSchema, #"{"task_type": "detection", "categories": [{"id": 0, "name": "car"}, {"id": 1, "name": "truck"}]}"#),
                expected: "\(boxSchema): task_type: unknown task type 'detection' (expected one of classification, object-detection, keypoint-detection, instance-segmentation, semantic-segmentation)"),
        Mistake(name: "duplicate category id", change: .write(boxSchema, #"{"task_type": "object-detection", "categories": [{"id": 0, "name": "car"}, {"id": 0, "name": "truck"}]}"#),
                expected: "\(boxSchema): categories[1].id: category id 0 is used twice"),
        Mistake(name: "negative category id", change: .write(boxSchema, #"{"task_type": "object-detection", "categories": [{"id": -1, "name": "car"}, {"id": 1, "name": "truck"}]}"#),
                expected: "\(boxSchema): categories[0].id: expected an integer ≥ 0"),
        Mistake(name: "skeleton index out of range", change: .write(poseSchema, #"{"task_type": "keypoint-detection", "categories": [{"id": 1, "name": "person", "keypoint_names": ["nose", "left_eye", "right_eye"], "keypoint_skeleton": [[0, 3]]}]}"#),
                expected: "\(poseSchema): categories[0].keypoint_skeleton[0]: keypoint index out of range: the category has 3 keypoint names"),
        Mistake(name: "prediction file is not JSON", change: .write(boxes, "{\"file_name\": \"img/0001.png\", predictions: []}"),
                expected: "\(boxes): invalid JSON"),
        Mistake(name: "trailing comma", change: .write(boxSchema, "{\"task_type\": \"object-detection\",\n \"categories\": [{\"id\": 0, \"name\": \"a,]\"}, {\"id\": 1, \"name\": \"truck\"},\n]}"),
                expected: "\(boxSchema): invalid JSON: trailing comma on line 2"),
        Mistake(name: "file_name does not match the path", change: .write(boxes, #"{"file_name": "img/0002.png", "predictions": []}"#),
                expected: "\(boxes): file_name: 'img/0002.png' does not match the file's path: its file would be '.lightly/predictions/boxes/img/0002.json'"),
        Mistake(name: "predictions missing", change: .write(boxes, #"{"file_name": "img/0001.png"}"#),
                expected: "\(boxes): predictions: missing required field"),
        Mistake(name: "category not in schema", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 5, "bbox": [1, 2, 3, 4], "score": 0.5}]}"#),
                expected: "\(boxes): predictions[0].category_id: 5 is not a category of the task's schema (ids: 0, 1)"),
        Mistake(name: "score above 1", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "bbox": [1, 2, 3, 4], "score": 1.5}]}"#),
                expected: "\(boxes): predictions[0].score: 1.5 is outside [0, 1]"),
        Mistake(name: "score missing", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "bbox": [1, 2, 3, 4]}]}"#),
                expected: "\(boxes): predictions[0].score: missing required field"),
        Mistake(name: "bbox missing for object detection", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "score": 0.5}]}"#),
                expected: "\(boxes): predictions[0].bbox: missing required field for object-detection"),
        Mistake(name: "bbox with 3 numbers", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "bbox": [1, 2, 3], "score": 0.5}]}"#),
                expected: "\(boxes): predictions[0].bbox: expected [x, y, width, height]: 4 numbers"),
        Mistake(name: "negative bbox", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "bbox": [1, 2, -3, 4], "score": 0.5}]}"#),
                expected: "\(boxes): predictions[0].bbox: coordinates and sizes must be ≥ 0 pixels"),
        Mistake(name: "probabilities per category", change: .write(boxes, #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "bbox": [1, 2, 3, 4], "score": 0.5, "probabilities": [1.0]}]}"#),
                expected: "\(boxes): predictions[0].probabilities: 1 probabilities, but the schema has 2 categories"),
        Mistake(name: "keypoints missing", change: .write(pose, #"{"file_name": "clips/game-07-mp4.png", "predictions": [{"category_id": 1, "score": 0.5}]}"#),
                expected: "\(pose): predictions[0].keypoints: missing required field for keypoint-detection"),
        Mistake(name: "keypoint count differs from the names", change: .write(pose, #"{"file_name": "clips/game-07-mp4.png", "predictions": [{"category_id": 1, "score": 0.5, "keypoints": [1, 2, 0.5, 3, 4, 0.5]}]}"#),
                expected: "\(pose): predictions[0].keypoints: 2 keypoints, but the category has 3 keypoint names"),
        Mistake(name: "keypoints not in triples", change: .write(pose, #"{"file_name": "clips/game-07-mp4.png", "predictions": [{"category_id": 1, "score": 0.5, "keypoints": [1, 2, 0.5, 3]}]}"#),
                expected: "\(pose): predictions[0].keypoints: expected triples [x, y, s]: 4 values is not a positive multiple of 3"),
        Mistake(name: "keypoint score is a raw logit", change: .write(pose, #"{"file_name": "clips/game-07-mp4.png", "predictions": [{"category_id": 1, "score": 0.5, "keypoints": [1, 2, 11.44, 3, 4, 0.5, 5, 6, 0.5]}]}"#),
                expected: "\(pose): predictions[0].keypoints[2]: keypoint score 11.44 is outside [0, 1]"),
        Mistake(name: "not a JSON file in a task folder", change: .write(".lightly/predictions/pose/notes.txt", "hello"),
                expected: ".lightly/predictions/pose/notes.txt: not a prediction file: files in a task folder must end in .json"),
        Mistake(name: "metadata schema missing", change: .remove(metaSchema),
                expected: "\(metaSchema): missing: the metadata folder needs a schema.json"),
        Mistake(name: "unknown value type", change: .write(metaSchema, #"[{"name": "A", "path": "a", "defaultValue": 0, "valueDataType": "NUMBER"}]"#),
                expected: "\(metaSchema): [0].valueDataType: unknown value type 'NUMBER'"),
        Mistake(name: "reserved metadata path", change: .write(metaSchema, #"[{"name": "S", "path": "lightly.sharpness", "defaultValue": 0, "valueDataType": "NUMERIC_FLOAT"}]"#),
                expected: "\(metaSchema): [0].path: 'lightly.sharpness': the top-level key 'lightly' is reserved for Lightly's own metadata"),
        Mistake(name: "default of the wrong type", change: .write(metaSchema, #"[{"name": "A", "path": "a", "defaultValue": "zero", "valueDataType": "NUMERIC_INT"}]"#),
                expected: "\(metaSchema): [0].defaultValue: a string is not a value of type NUMERIC_INT"),
        Mistake(name: "metadata value of the wrong type", change: .write(video, #"{"file_name": "clips/game.mp4", "type": "video", "metadata": {"fps": "fast"}}"#),
                expected: "\(video): metadata.fps: a string is not a value of type NUMERIC_FLOAT"),
        Mistake(name: "unknown metadata file type", change: .write(video, #"{"file_name": "clips/game.mp4", "type": "movie", "metadata": {}}"#),
                expected: "\(video): type: expected 'image', 'video' or 'frame'"),
        Mistake(name: "video metadata for an image", change: .write(".lightly/metadata/img/0001.json", #"{"file_name": "img/0001.png", "type": "video", "metadata": {}}"#),
                expected: ".lightly/metadata/img/0001.json: type: 'img/0001.png' is not a video (known extensions: avi, hevc, m4v, mov, mp4, mpeg, mpg, webm)"),
        Mistake(name: "embeddings without labels", change: .write(".lightly/embeddings/default.csv", "filenames,embedding_0\na.png,1\n"),
                expected: ".lightly/embeddings/default.csv: line 1: a 'labels' column is required"),
        Mistake(name: "embeddings row too short", change: .write(".lightly/embeddings/default.csv", "filenames,embedding_0,labels\na.png,0\n"),
                expected: ".lightly/embeddings/default.csv: line 2: 2 cells, but the header has 3 columns"),
    ]

    @Test func aCleanTreeHasNoProblems() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        #expect(try await tree.validate() == [])
    }

    @Test(arguments: mistakes)
    func seededMistakeIsReported(_ mistake: Mistake) async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        switch mistake.change {
        case .write(let path, let text): try tree.write(text, to: path)
        case .remove(let path): try tree.remove(path)
        }
        let problems = try await tree.validate()
        #expect(problems.contains { $0.hasPrefix(mistake.expected) }, "\(problems)")
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try tree.write(#"{"file_name": "img/0001.png", "predictions": [{"category_id": 9, "bbox": [1, 2, 3, 4], "score": 2}, {"category_id": 0, "score": 0.5}]}"#, to: Self.boxes)
        #expect(try await tree.validate() == [
            "\(Self.boxes): predictions[0].category_id: 9 is not a category of the task's schema (ids: 0, 1)",
            "\(Self.boxes): predictions[0].score: 2.0 is outside [0, 1]",
            "\(Self.boxes): predictions[1].bbox: missing required field for object-detection",
        ])
    }

    @Test func anEmptyFolderIsReported() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try FileManager.default.removeItem(at: tree.root.appendingPathComponent(".lightly"))
        #expect(try await tree.validate() == [".lightly: no .lightly folder, or it is empty: nothing to validate"])
    }

    static let input = FakeInput(files: ["img/0001.png"], videos: ["clips/game.mp4": 12])

    @Test func frameNamesMatchingTheInputVideosPass() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        #expect(try await tree.validate(input: Self.input) == [])
    }

    @Test func frameNamesAreCheckedAgainstTheInputVideos() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try tree.write(#"{"file_name": "clips/game-12-mp4.png", "predictions": []}"#, to: ".lightly/predictions/pose/clips/game-12-mp4.json")
        try tree.write(#"{"file_name": "clips/game-3-mp4.png", "predictions": []}"#, to: ".lightly/predictions/pose/clips/game-3-mp4.json")
        try tree.write(#"{"file_name": "clips/other-03-mp4.png", "predictions": []}"#, to: ".lightly/predictions/pose/clips/other-03-mp4.json")
        try tree.write(#"{"file_name": "clips/lost.mp4", "type": "video", "metadata": {}}"#, to: ".lightly/metadata/clips/lost.json")
        #expect(try await tree.validate(input: Self.input) == [
            ".lightly/predictions/pose/clips/game-12-mp4.json: file_name: 'clips/game-12-mp4.png': frame index 12 is out of range: 'clips/game.mp4' has 12 frames (0…11)",
            ".lightly/predictions/pose/clips/game-3-mp4.json: file_name: 'clips/game-3-mp4.png': frame index '3' has 1 digits; 'clips/game.mp4' has 12 frames, so it needs 2",
            ".lightly/predictions/pose/clips/other-03-mp4.json: file_name: 'clips/other-03-mp4.png' is neither a file of the input datasource nor a frame of one of its videos",
            ".lightly/metadata/clips/lost.json: file_name: no video 'clips/lost.mp4' in the input datasource",
        ])
    }
}
