import Foundation
import Lightly
import TestSupport

/// A small valid datasource: two prediction tasks (keypoints on frames of `clips/game.mp4`,
/// 12 frames; boxes on an image), metadata for the video, a frame and the image, and embeddings.
struct CleanTree {
    let directory: TemporaryDirectory
    var root: URL { directory.url }

    static let poseSchema = PredictionTaskSchema(taskType: .keypointDetection, categories: [
        PredictionCategory(id: 1, name: "person", keypointNames: ["nose", "left_eye", "right_eye"], keypointSkeleton: [[0, 1], [0, 2]]),
    ])
    static let boxSchema = PredictionTaskSchema(taskType: .objectDetection, categories: [
        PredictionCategory(id: 0, name: "car", extras: ["supercategory": .string("vehicle")]),
        PredictionCategory(id: 1, name: "truck"),
    ])
    static let frame = FrameName(videoPath: "clips/game.mp4", index: 7, frameCount: 12)
    static let posePredictions = PredictionFile(fileName: frame.description, predictions: [
        Prediction(categoryID: 1, score: 0.9, bbox: [10, 20, 30, 40], keypoints: [12, 22, 0.9, 14, 21, 0.5, 11, 21, 0.25]),
    ])
    static let emptyFrame = PredictionFile(
        fileName: FrameName(videoPath: "clips/game.mp4", index: 8, frameCount: 12).description, predictions: [])
    static let boxPredictions = PredictionFile(fileName: "img/0001.png", predictions: [
        Prediction(categoryID: 0, score: 0.75, bbox: [140, 100, 80, 90], probabilities: [0.75, 0.25]),
        Prediction(categoryID: 1, score: 0.5, bbox: [400, 220, 20, 20]),
    ])
    static let metadataSchema = [
        MetadataSchemaEntry(name: "Video Name", path: "video_name", defaultValue: .string("undefined"), valueDataType: .categoricalString),
        MetadataSchemaEntry(name: "FPS", path: "fps", defaultValue: .double(0), valueDataType: .numericFloat),
        MetadataSchemaEntry(name: "Temperature", path: "weather.temperature", defaultValue: .double(0), valueDataType: MetadataValueDataType(rawValue: "NUMERICAL_FLOAT")),
    ]
    static let videoMetadata = MetadataFile(fileName: "clips/game.mp4", type: .video, metadata: [
        "video_name": .string("clips/game.mp4"), "fps": .double(25), "weather": .object(["temperature": .double(21.5)]),
    ])
    static let frameMetadata = MetadataFile(fileName: frame.description, type: .frame, metadata: ["fps": .int(25)])
    static let imageMetadata = MetadataFile(fileName: "img/0001.png", type: .image, metadata: ["video_name": .string("none")])
    static let embeddings = [
        EmbeddingRow(fileName: frame.description, embedding: [0.5, -1.25]),
        EmbeddingRow(fileName: "img/0001.png", embedding: [1e-7, 3]),
    ]

    init() throws {
        directory = try TemporaryDirectory(prefix: "lightly-tree")
        let writer = LightlyTreeWriter(root: directory.url)
        try writer.writeTasks(["pose", "boxes"])
        try writer.writeSchema(Self.poseSchema, task: "pose")
        try writer.writeSchema(Self.boxSchema, task: "boxes")
        try writer.writePredictions(Self.posePredictions, task: "pose")
        try writer.writePredictions(Self.emptyFrame, task: "pose")
        try writer.writePredictions(Self.boxPredictions, task: "boxes")
        try writer.writeMetadataSchema(Self.metadataSchema)
        try writer.writeMetadata(Self.videoMetadata)
        try writer.writeMetadata(Self.frameMetadata)
        try writer.writeMetadata(Self.imageMetadata)
        try writer.write(Data(EmbeddingsCSV.write(Self.embeddings).utf8), to: ".lightly/embeddings/default.csv")
    }

    func write(_ text: String, to path: String) throws {
        try LightlyTreeWriter(root: root).write(Data(text.utf8), to: path)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(path))
    }

    func validate(input: (any InputCatalog)? = nil) async throws -> [String] {
        try await LightlyValidator(source: LocalLightlyTree(root: root), input: input).validate().map(\.description)
    }
}

/// An input datasource in memory: some files and the frame counts of its videos.
struct FakeInput: InputCatalog {
    var files: Set<String>
    var videos: [String: Int]

    func containsFile(_ path: String) async throws -> Bool { files.contains(path) || videos[path] != nil }
    func frameCount(ofVideo path: String) async throws -> Int? { videos[path] }
}
