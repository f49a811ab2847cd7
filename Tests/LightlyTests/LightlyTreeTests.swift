import Foundation
import Lightly
import Testing

@Suite struct LightlyTreeTests {
    @Test func readerReturnsWhatTheWriterWrote() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        let datasource = try await LightlyDatasourceReader(source: LocalLightlyTree(root: tree.root)).read()
        #expect(datasource.tasks.map(\.name) == ["pose", "boxes"])
        let pose = try #require(datasource.task(named: "pose"))
        #expect(pose.schema == CleanTree.poseSchema)
        #expect(pose.predictions == [
            CleanTree.frame.description: CleanTree.posePredictions,
            CleanTree.emptyFrame.fileName: CleanTree.emptyFrame,
        ])
        #expect(datasource.task(named: "boxes")?.schema == CleanTree.boxSchema)
        #expect(datasource.task(named: "boxes")?.predictions["img/0001.png"] == CleanTree.boxPredictions)
        let metadata = try #require(datasource.metadata)
        #expect(metadata.schema == CleanTree.metadataSchema)
        #expect(metadata.files.count == 3)
        #expect(metadata.files["clips/game.mp4"] == CleanTree.videoMetadata)
    }

    @Test func frameValuesOverrideVideoValuesWhichOverrideDefaults() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        let metadata = try #require(try await LightlyDatasourceReader(source: LocalLightlyTree(root: tree.root)).read().metadata)
        #expect(metadata.value(atPath: "fps", frame: CleanTree.frame) == .int(25))
        #expect(metadata.value(atPath: "weather.temperature", frame: CleanTree.frame) == .double(21.5))
        let other = FrameName(videoPath: "clips/other.mp4", index: 0, frameCount: 3)
        #expect(metadata.value(atPath: "video_name", frame: other) == .string("undefined"))
    }

    @Test func listingIsRecursiveSortedAndRelative() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        let listing = try await LocalLightlyTree(root: tree.root).list(prefix: ".lightly/predictions/pose/")
        #expect(listing == [
            ".lightly/predictions/pose/clips/game-07-mp4.json",
            ".lightly/predictions/pose/clips/game-08-mp4.json",
            ".lightly/predictions/pose/schema.json",
        ])
    }

    @Test func readerNamesTheFileOfAMissingSchema() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try tree.remove(".lightly/predictions/boxes/schema.json")
        let error = try await #require(throws: LightlyError.self) {
            try await LightlyDatasourceReader(source: LocalLightlyTree(root: tree.root)).read()
        }
        #expect(error.description == ".lightly/predictions/boxes/schema.json: task 'boxes' is listed in tasks.json but has no schema.json")
    }

    @Test func readerRejectsAFileNameThatDoesNotMatchItsPath() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try tree.write(#"{"file_name": "img/0002.png", "predictions": []}"#, to: ".lightly/predictions/boxes/img/0001.json")
        let error = try await #require(throws: LightlyError.self) {
            try await LightlyDatasourceReader(source: LocalLightlyTree(root: tree.root)).read()
        }
        #expect(error.description == ".lightly/predictions/boxes/img/0001.json: file_name: file_name does not match the file's path: expected the file at '.lightly/predictions/boxes/img/0002.json'")
    }

    @Test func aDatasourceWithoutLightlyFilesHasNoTasksAndNoMetadata() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        try FileManager.default.removeItem(at: tree.root.appendingPathComponent(".lightly"))
        let datasource = try await LightlyDatasourceReader(source: LocalLightlyTree(root: tree.root)).read()
        #expect(datasource.tasks.isEmpty)
        #expect(datasource.metadata == nil)
    }
}

@Suite struct LocalLightlyTreeLinkTests {
    @Test func linkedFilesAreListedAndRead() async throws {
        let tree = try CleanTree()
        defer { tree.directory.remove() }
        let object = tree.root.appendingPathComponent("object.json")
        try Data(#"{"file_name": "img/0002.png", "predictions": []}"#.utf8).write(to: object)
        try FileManager.default.createSymbolicLink(
            at: tree.root.appendingPathComponent(".lightly/predictions/boxes/img/0002.json"), withDestinationURL: object)
        let source = LocalLightlyTree(root: tree.root)
        #expect(try await source.list(prefix: ".lightly/predictions/boxes/").contains(".lightly/predictions/boxes/img/0002.json"))
        let boxes = try await LightlyDatasourceReader(source: source).readTask("boxes")
        #expect(boxes.predictions["img/0002.png"] == PredictionFile(fileName: "img/0002.png", predictions: []))
    }
}
