import Foundation
import JSON
import PluginAPI
import Testing
import TestSupport
@testable import Stages

/// Clips for the `decode` stage tests, made with the ffmpeg CLI once per process.
private enum DecodeClips {
    /// Made once per process; tests await it (blocking on a lazy static would starve the cooperative pool).
    private static let made = Task {
        let directory = try TemporaryDirectory(prefix: "decode-stage").url
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2", "-c:v", "libx264", "-g", "10", "-bf", "2",
                                 directory.appendingPathComponent("moving.mp4").path])
        // 1 s of a still picture, then 1 s of motion: dedup keeps one still frame.
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2",
                                 "-vf", "trim=start_frame=0:end_frame=1,loop=loop=24:size=1,setpts=N/25/TB[still];"
                                     + "testsrc2=size=160x90:rate=25:duration=1[motion];[still][motion]concat",
                                 "-c:v", "mjpeg", "-q:v", "3", directory.appendingPathComponent("still-then-moving.avi").path])
        try Data([0x00, 0x01, 0x02]).write(to: directory.appendingPathComponent("garbage.mp4"))
        return directory
    }

    static func directory() async throws -> URL { try await made.value }
}

@Suite struct DecodeStageTests {
    private func run(_ file: String, _ parameters: [String: JSONValue] = [:]) async throws -> (DecodeManifest, Data) {
        let scratch = try TemporaryDirectory(prefix: "decode-out")
        defer { scratch.remove() }
        var values: [String: JSONValue] = [
            "every": .int(1), "fps": .int(0), "dedup_threshold": .int(0), "change_threshold": .int(0), "max_gap": .int(0), "threads": .int(2),
        ]
        values.merge(parameters) { $1 }
        let context = try TestStageContext(
            parameters: values, outputDirectory: scratch.url.appendingPathComponent("out"), pipelineDirectory: scratch.url,
            checkpointDirectory: scratch.url.appendingPathComponent("checkpoints"))
        let source = try await DecodeClips.directory().appendingPathComponent(file)
        let item = StageItem(key: "clips/\(file)", sources: [ItemSource(key: "clips/\(file)", path: source)], inputs: [:])
        try await DecodeStage().run(item, context: context)
        let data = try Data(contentsOf: context.outputDirectory.appendingPathComponent("manifest.json"))
        return (try DecodeManifest.read(from: context.outputDirectory), data)
    }

    @Test func manifestHasTheProbeDataAndEveryFrameByDefault() async throws {
        let (manifest, data) = try await run("moving.mp4")
        #expect(manifest.file == "clips/moving.mp4")
        #expect(manifest.container == "mov,mp4,m4a,3gp,3g2,mj2")
        #expect(manifest.codec == "h264")
        #expect(manifest.width == 160 && manifest.height == 90)
        #expect(manifest.fps == 25)
        #expect(manifest.timeBase == [1, 12800])
        #expect(abs((manifest.duration ?? 0) - 2) < 0.05)
        #expect(manifest.rotation == 0)
        #expect(manifest.frameCount == 50)
        #expect(manifest.frames.map(\.index) == Array(0..<50))
        #expect(manifest.frames.map(\.pts) == (0..<50).map { Int64($0) * 512 })
        #expect(manifest.frames.filter(\.key).map(\.index) == [0, 10, 20, 30, 40])
        #expect(manifest.frames.allSatisfy { $0.signature.count == 288 })
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["sampling"] as? NSDictionary
            == ["every": 1, "fps": NSNull(), "dedup_threshold": 0, "change_threshold": 0, "max_gap": 0] as NSDictionary)
        #expect(json["frame_count"] as? Int == 50)
        #expect(json["time_base"] as? [Int] == [1, 12800])
    }

    @Test func outputBytesAreDeterministic() async throws {
        let first = try await run("moving.mp4").1
        let second = try await run("moving.mp4", ["threads": .int(1)]).1
        #expect(first == second)
    }

    @Test func everyKeepsEachNthIndexAndCountsAllFrames() async throws {
        let (manifest, _) = try await run("moving.mp4", ["every": .int(7)])
        #expect(manifest.frameCount == 50)
        #expect(manifest.frames.map(\.index) == Array(stride(from: 0, to: 50, by: 7)))
        #expect(manifest.sampling.every == 7)
    }

    @Test func fpsKeepsOneFramePerInterval() async throws {
        let (manifest, _) = try await run("moving.mp4", ["fps": .int(5)])
        #expect(manifest.frames.map(\.index) == Array(stride(from: 0, to: 50, by: 5)))
        #expect(manifest.sampling.fps == 5)
    }

    @Test func dedupDropsFramesLikeTheLastKeptOne() async throws {
        let all = try await run("still-then-moving.avi").0
        #expect(all.frameCount == 50)
        let (manifest, _) = try await run("still-then-moving.avi", ["dedup_threshold": .double(0.5)])
        #expect(manifest.frameCount == 50)
        // The 25 still frames collapse into the first; the moving second keeps (nearly) all.
        #expect(manifest.frames.first?.index == 0)
        #expect(!manifest.frames.contains { (1..<25).contains($0.index) })
        #expect(manifest.frames.filter { $0.index >= 25 }.count >= 20)
    }

    @Test func badVideoFailsTheItemNamingTheFileAndProblem() async throws {
        let error = try await #require(throws: StageError.self) { try await run("garbage.mp4") }
        #expect(error.code == .invalidInput)
        #expect(error.message == "'clips/garbage.mp4': not_a_video: the content is not a known media format")
    }

    @Test func descriptorDeclaresTheContract() {
        let descriptor = DecodeStage().descriptor
        #expect(descriptor.id == "decode" && descriptor.version == "1" && descriptor.mode == .map)
        #expect(descriptor.parameters.map(\.name) == ["every", "fps", "dedup_threshold", "change_threshold", "max_gap", "threads"])
        #expect(BuiltinStages.all.contains { $0.descriptor.id == "decode" })
    }
}
