import Foundation
import Lightly
import PluginAPI
import Stages
import Testing

/// What `convert` and `metadata` write is a valid datasource, and reads back to the same bytes.
@Suite struct ConvertMetadataValidationTests {
    struct Input: InputCatalog {
        var videos: [String: Int]
        func containsFile(_ path: String) async throws -> Bool { videos[path] != nil }
        func frameCount(ofVideo path: String) async throws -> Int? { videos[path] }
    }

    static let key = "clips/match.day.2.mp4"

    func writeDatasource(_ fixture: StageFixture) async throws {
        var generator = DetectionsFactory.Generator(state: 7)
        let frames = [0, 5, 10, 104].map { DetectionsFactory.frame(index: $0, detections: $0 % 3, generator: &generator) }
        try fixture.writeUpstream("detections.json", DetectionsFactory.detections(key: Self.key, frameCount: 105, frames: frames))
        try fixture.writeUpstream("manifest.json", MetadataStageTests.manifest(frameCount: 105, frames: [0, 5, 10, 104]))
        try await fixture.run(ConvertStage(), key: Self.key)
        try await fixture.run(MetadataStage(), key: Self.key, parameters: [
            "frame_level": .bool(true), "fields": .object(["location": .string("Berlin")]),
        ])
    }

    @Test func outputsPassTheValidatorExceptKeypointsOutsideTheImage() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try await writeDatasource(fixture)
        let problems = try await LightlyValidator(
            source: LocalLightlyTree(root: fixture.output), input: Input(videos: [Self.key: 105])
        ).validate()
        // The tutorial writes int() of keypoints predicted just left of or above the image; the API wants ≥ 0.
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.message.hasPrefix("keypoint coordinate -") }, "\(problems)")
    }

    @Test func outputsReadBackAndRewriteToTheSameBytes() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try await writeDatasource(fixture)
        let datasource = try await LightlyDatasourceReader(source: LocalLightlyTree(root: fixture.output)).read()
        let task = try #require(datasource.task(named: "keypoint_rcnn_detection"))
        #expect(task.predictions.keys.sorted() == [
            "clips/match.day.2-000-mp4.png", "clips/match.day.2-005-mp4.png",
            "clips/match.day.2-010-mp4.png", "clips/match.day.2-104-mp4.png",
        ])
        #expect(datasource.metadata?.files.count == 5)

        let copy = fixture.directory.url.appendingPathComponent("copy")
        let writer = LightlyTreeWriter(root: copy)
        try writer.writeTasks(datasource.tasks.map(\.name))
        for task in datasource.tasks {
            try writer.writeSchema(task.schema, task: task.name)
            for file in task.predictions.values { try writer.writePredictions(file, task: task.name) }
        }
        let metadata = try #require(datasource.metadata)
        try writer.writeMetadataSchema(metadata.schema)
        for file in metadata.files.values { try writer.writeMetadata(file) }

        let original = try fixture.outputFiles()
        // tasks.json, schema.json, 4 frames; metadata schema.json, the video, 4 frames
        #expect(original.count == 12)
        for path in original {
            let a = try Data(contentsOf: fixture.output.appendingPathComponent(path))
            let b = try Data(contentsOf: copy.appendingPathComponent(path))
            #expect(a == b, "\(path)")
        }
    }
}
