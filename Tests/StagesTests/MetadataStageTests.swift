import Foundation
import JSON
import PluginAPI
import Stages
import Testing

@Suite struct MetadataStageTests {
    static func manifest(frameCount: Int = 12, frames: [Int] = [0, 4, 11], duration: JSONValue = .double(0.48)) -> JSONValue {
        .object([
            "file": .string("clips/game.v2.mp4"), "container": .string("mov,mp4,m4a,3gp,3g2,mj2"), "codec": .string("h264"),
            "width": .int(960), "height": .int(540), "fps": .double(25), "time_base": .array([.int(1), .int(12800)]),
            "duration": duration, "rotation": .int(0), "frame_count": .int(frameCount),
            "sampling": .object(["every": .int(1), "fps": .null, "dedup_threshold": .int(0)]),
            "frames": .array(frames.map { index in
                .object(["index": .int(index), "pts": .int(512 * index), "key": .bool(index == 0), "signature": .string("00")])
            }),
        ])
    }

    @Test func videoFileHoldsTheTutorialsVideoNameAndTheComputedFields() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try fixture.writeUpstream("manifest.json", Self.manifest())
        try await fixture.run(MetadataStage(), key: "clips/game.v2.mp4")
        #expect(try fixture.outputFiles() == [".lightly/metadata/clips/game.v2.json", ".lightly/metadata/schema.json"])
        let file = try fixture.outputJSON(".lightly/metadata/clips/game.v2.json")
        #expect(file.objectValue?["file_name"] == .string("clips/game.v2.mp4"))
        #expect(file.objectValue?["type"] == .string("video"))
        let metadata = try #require(file.objectValue?["metadata"]?.objectValue)
        #expect(metadata["video_name"] == .string("clips/game.v2.mp4"))
        #expect(metadata["codec"] == .string("h264"))
        #expect(metadata["width"] == .int(960))
        #expect(metadata["height"] == .int(540))
        #expect(metadata["fps"]?.doubleValue == 25)
        #expect(metadata["duration"]?.doubleValue == 0.48)
        #expect(metadata["frame_count"] == .int(12))
        #expect(metadata.count == 7)

        let schema = try #require(try fixture.outputJSON(".lightly/metadata/schema.json").arrayValue)
        #expect(schema.first == .object([
            "name": .string("Video Name"), "path": .string("video_name"), "defaultValue": .string("undefined"),
            "valueDataType": .string("CATEGORICAL_STRING"),
        ]))
        let types = schema.compactMap { entry -> String? in
            guard let path = entry.objectValue?["path"]?.stringValue, let type = entry.objectValue?["valueDataType"]?.stringValue
            else { return nil }
            return "\(path):\(type)"
        }
        #expect(types == ["video_name:CATEGORICAL_STRING", "codec:CATEGORICAL_STRING", "width:NUMERIC_INT", "height:NUMERIC_INT",
                          "fps:NUMERIC_FLOAT", "duration:NUMERIC_FLOAT", "frame_count:NUMERIC_INT"])
    }

    @Test func userFieldsAreNestedAndTyped() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try fixture.writeUpstream("manifest.json", Self.manifest(duration: .null))
        try await fixture.run(MetadataStage(), key: "game.mp4", parameters: ["fields": .object([
            "location": .string("Berlin"),
            "weather": .object(["temperature": .double(21.5), "rain": .bool(false)]),
            "match_id": .object(["value": .int(7), "type": .string("CATEGORICAL_INT"), "name": .string("Match")]),
            "round": .int(3),
        ])])
        let metadata = try #require(try fixture.outputJSON(".lightly/metadata/game.json").objectValue?["metadata"]?.objectValue)
        #expect(metadata["location"] == .string("Berlin"))
        #expect(metadata["weather"] == .object(["temperature": .double(21.5), "rain": .bool(false)]))
        #expect(metadata["match_id"] == .int(7))
        #expect(metadata["round"] == .int(3))
        #expect(metadata["duration"] == nil)
        let schema = try #require(try fixture.outputJSON(".lightly/metadata/schema.json").arrayValue).dropFirst(7)
        #expect(Array(schema) == [
            .object(["name": .string("location"), "path": .string("location"), "defaultValue": .string("undefined"), "valueDataType": .string("CATEGORICAL_STRING")]),
            .object(["name": .string("Match"), "path": .string("match_id"), "defaultValue": .int(0), "valueDataType": .string("CATEGORICAL_INT")]),
            .object(["name": .string("round"), "path": .string("round"), "defaultValue": .int(0), "valueDataType": .string("NUMERIC_INT")]),
            .object(["name": .string("weather.rain"), "path": .string("weather.rain"), "defaultValue": .bool(false), "valueDataType": .string("CATEGORICAL_BOOLEAN")]),
            .object(["name": .string("weather.temperature"), "path": .string("weather.temperature"), "defaultValue": .int(0), "valueDataType": .string("NUMERIC_FLOAT")]),
        ])
    }

    @Test func frameLevelWritesOneFileperKeptFrame() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try fixture.writeUpstream("manifest.json", Self.manifest())
        try await fixture.run(MetadataStage(), key: "clips/game.v2.mp4", parameters: ["frame_level": .bool(true)])
        #expect(try fixture.outputFiles() == [
            ".lightly/metadata/clips/game.v2-00-mp4.json", ".lightly/metadata/clips/game.v2-04-mp4.json",
            ".lightly/metadata/clips/game.v2-11-mp4.json", ".lightly/metadata/clips/game.v2.json",
            ".lightly/metadata/schema.json",
        ])
        let frame = try fixture.outputJSON(".lightly/metadata/clips/game.v2-04-mp4.json")
        #expect(frame.objectValue?["file_name"] == .string("clips/game.v2-04-mp4.png"))
        #expect(frame.objectValue?["type"] == .string("frame"))
        let metadata = try #require(frame.objectValue?["metadata"]?.objectValue)
        #expect(metadata["frame_index"] == .int(4))
        #expect(metadata["timestamp"]?.doubleValue == 0.16)
        #expect(metadata["key_frame"] == .bool(false))
        #expect(try fixture.outputJSON(".lightly/metadata/schema.json").arrayValue?.count == 10)
    }

    @Test func aUserFieldNamedLikeABuiltInOneIsRefused() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        try fixture.writeUpstream("manifest.json", Self.manifest())
        let error = try await #require(throws: StageError.self) {
            try await fixture.run(MetadataStage(), key: "a.mp4", parameters: ["fields": .object(["fps": .int(3)])])
        }
        #expect(error.message == "fields.fps: 'fps' is a built-in field")
        let reserved = try await #require(throws: StageError.self) {
            try await fixture.run(MetadataStage(), key: "a.mp4", parameters: ["fields": .object(["lightly": .int(3)])])
        }
        #expect(reserved.message == "fields.lightly: 'lightly' is not a field name (no dots; 'lightly' is reserved)")
        let list = try await #require(throws: StageError.self) {
            try await fixture.run(MetadataStage(), key: "a.mp4", parameters: ["fields": .object(["teams": .array([])])])
        }
        #expect(list.message == "fields.teams: a field needs a string, number or boolean value")
    }

    @Test func missingManifestIsAClearError() async throws {
        let fixture = try StageFixture()
        defer { fixture.directory.remove() }
        let error = try await #require(throws: StageError.self) { try await fixture.run(MetadataStage(), key: "a.mp4") }
        #expect(error.message == "'a.mp4': no manifest.json in the outputs of upstream stages upstream; add the stage that writes it to 'needs'")
    }
}
