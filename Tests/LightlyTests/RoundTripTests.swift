import Foundation
import JSON
import Lightly
import Testing

/// Every file type read and written back is semantically identical (the same parsed JSON).
@Suite struct RoundTripTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        var kind: String
        var json: String
        var testDescription: String { kind }
    }

    static let predictionFiles: [Sample] = [
        Sample(kind: "classification", json: #"{"file_name": "img/cat.jpg", "predictions": [{"category_id": 1, "probabilities": [0.25, 0.75]}]}"#),
        Sample(kind: "object detection", json: #"{"file_name": "games/match_3-0042-mp4.png", "predictions": [{"category_id": 0, "bbox": [140, 100, 80, 90], "score": 0.8, "probabilities": [0.8, 0.2]}, {"category_id": 1, "bbox": [400.5, 220, 20, 20], "score": 0.55}]}"#),
        Sample(kind: "keypoint detection", json: #"{"file_name": "img/0001.png", "predictions": [{"category_id": 0, "keypoints": [120.5, 80.0, 0.9, 130, 75, 0.7, 110, 76, 0.4], "score": 0.85}, {"category_id": 0, "keypoints": [300, 90, 0.2, 310, 85, 0.1, 290, 86, 0.3], "score": 0.3, "bbox": [280, 70, 40, 60]}]}"#),
        Sample(kind: "instance segmentation", json: #"{"file_name": "a/b.png", "predictions": [{"category_id": 2, "bbox": [1, 2, 3, 4], "segmentation": [2, 2, 1, 3, 3, 1], "score": 0.5, "iscrowd": 0}]}"#),
        Sample(kind: "semantic segmentation", json: #"{"file_name": "a/c.png", "predictions": [{"category_id": 0, "segmentation": [0, 4, 8], "score": 1}]}"#),
        Sample(kind: "no predictions", json: #"{"file_name": "v-00-mp4.png", "predictions": []}"#),
    ]

    @Test(arguments: predictionFiles)
    func predictionFileRoundTrips(_ sample: Sample) throws {
        try expectRoundTrip(PredictionFile.self, sample.json)
    }

    static let schemas: [Sample] = [
        Sample(kind: "object detection", json: #"{"task_type": "object-detection", "categories": [{"id": 0, "name": "car", "supercategory": "vehicle"}, {"id": 1, "name": "truck"}]}"#),
        Sample(kind: "keypoints", json: #"{"task_type": "keypoint-detection", "categories": [{"id": 0, "name": "person", "keypoint_names": ["nose", "left_eye", "right_eye"], "keypoint_skeleton": [[0, 1], [0, 2]]}]}"#),
        Sample(kind: "classification", json: #"{"task_type": "classification", "categories": [{"id": 3, "name": "a"}, {"id": 7, "name": "b"}]}"#),
        Sample(kind: "instance segmentation", json: #"{"task_type": "instance-segmentation", "categories": [{"id": 0, "name": "ball"}]}"#),
        Sample(kind: "semantic segmentation", json: #"{"task_type": "semantic-segmentation", "categories": [{"id": 0, "name": "court"}]}"#),
    ]

    @Test(arguments: schemas)
    func taskSchemaRoundTrips(_ sample: Sample) throws {
        try expectRoundTrip(PredictionTaskSchema.self, sample.json)
    }

    @Test func camelCaseKeypointKeysAreAcceptedAndWrittenInSnakeCase() throws {
        let camel = #"{"task_type": "keypoint-detection", "categories": [{"id": 0, "name": "person", "keypointNames": ["a", "b"], "keypointSkeleton": [[0, 1]]}]}"#
        let schema = try LightlyCoding.decode(PredictionTaskSchema.self, from: Data(camel.utf8), file: "schema.json")
        #expect(schema.categories[0].keypointNames == ["a", "b"])
        #expect(schema.categories[0].keypointSkeleton == [[0, 1]])
        #expect(schema.categories[0].extras.isEmpty)
        let written = String(decoding: try LightlyCoding.encode(schema), as: UTF8.self)
        #expect(written.contains("\"keypoint_names\""))
        #expect(!written.contains("keypointNames"))
    }

    @Test func tasksListRoundTrips() throws {
        try expectRoundTrip([String].self, #"["keypoint_rcnn_detection", "people_det"]"#)
    }

    @Test func metadataSchemaRoundTripsKeepingTheTypeSpelling() throws {
        let json = #"[{"name": "Video Name", "path": "video_name", "defaultValue": "undefined", "valueDataType": "CATEGORICAL_STRING"}, {"name": "T", "path": "weather.temperature", "defaultValue": 0.5, "valueDataType": "NUMERICAL_FLOAT"}, {"name": "N", "path": "n", "defaultValue": 0, "valueDataType": "NUMERIC_INT"}]"#
        try expectRoundTrip([MetadataSchemaEntry].self, json)
        let entries = try LightlyCoding.decode([MetadataSchemaEntry].self, from: Data(json.utf8), file: "schema.json")
        #expect(entries[1].valueDataType.kind == .number)
        #expect(entries[1].valueDataType.isNumeric)
    }

    static let metadataFiles: [Sample] = [
        Sample(kind: "video", json: #"{"file_name": "pexels-pavel-danilyuk-6216952.mp4", "type": "video", "metadata": {"video_name": "pexels-pavel-danilyuk-6216952.mp4"}}"#),
        Sample(kind: "image", json: #"{"file_name": "img/1.jpg", "type": "image", "metadata": {"scene": "city street", "weather": {"description": "sunny", "temperature": 23.2, "air_pressure": 1}, "vehicle_id": 321, "night": false}}"#),
        Sample(kind: "frame", json: #"{"file_name": "subdir/video_1-099-mp4.png", "type": "frame", "metadata": {"frame_index": 99}}"#),
    ]

    @Test(arguments: metadataFiles)
    func metadataFileRoundTrips(_ sample: Sample) throws {
        try expectRoundTrip(MetadataFile.self, sample.json)
    }

    @Test func writingTwiceGivesIdenticalBytes() throws {
        let file = try LightlyCoding.decode(PredictionFile.self, from: Data(Self.predictionFiles[2].json.utf8), file: "f")
        #expect(try LightlyCoding.encode(file) == LightlyCoding.encode(file))
    }

    @Test func decodingErrorsNameTheFileAndJSONPath() throws {
        let json = #"{"file_name": "a.png", "predictions": [{"category_id": 1, "score": 0.5}, {"score": 0.2}]}"#
        let error = try #require(throws: LightlyError.self) {
            try LightlyCoding.decode(PredictionFile.self, from: Data(json.utf8), file: ".lightly/predictions/t/a.json")
        }
        #expect(error.description == ".lightly/predictions/t/a.json: predictions[1]: missing required field 'category_id'")
        let syntax = try #require(throws: LightlyError.self) {
            try LightlyCoding.decode(PredictionFile.self, from: Data("{\"file_name\": ".utf8), file: "x.json")
        }
        #expect(syntax.code == .invalidJSON)
        #expect(syntax.description.hasPrefix("x.json: invalid JSON"))
    }

    private func expectRoundTrip<T: Codable>(_ type: T.Type, _ json: String) throws {
        let value = try LightlyCoding.decode(T.self, from: Data(json.utf8), file: "input.json")
        let written = try LightlyCoding.encode(value)
        let original = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        let reread = try JSONDecoder().decode(JSONValue.self, from: written)
        #expect(numericallyEqual(original, reread), "\(String(decoding: written, as: UTF8.self))")
    }
}

/// Parsed-JSON equality with numbers compared by value (`80.0` equals `80`).
func numericallyEqual(_ a: JSONValue, _ b: JSONValue, tolerance: Double = 0) -> Bool {
    switch (a, b) {
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { numericallyEqual($0, $1, tolerance: tolerance) }
    case (.object(let x), .object(let y)):
        return Set(x.keys) == Set(y.keys) && x.allSatisfy { key, value in numericallyEqual(value, y[key] ?? .null, tolerance: tolerance) }
    default:
        if let x = a.doubleValue, let y = b.doubleValue { return abs(x - y) <= tolerance }
        return a == b
    }
}
