import Engine
import Foundation
import JSON
import PluginAPI
import Testing
import TestSupport

/// The shipped example plugin `plugins/frame-stats`, driven through its protocol by hand.
@Suite struct PluginExampleTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pluginFolder = repository.appendingPathComponent("plugins/frame-stats")

    /// Runs the plugin's argv with `request` on stdin; returns the exit status and stdout lines.
    private func run(_ argv: [String], request: Data) async throws -> (status: Int32, lines: [String], stderr: String) {
        let output = try await ChildProcess.run(argv[0], Array(argv.dropFirst()), stdin: request)
        return (output.status, output.stdoutText.split(separator: "\n").map(String.init), output.stderrText)
    }

    private func request(inputs: [String: URL], output: URL, params: [String: JSONValue]) throws -> Data {
        let request: JSONValue = .object([
            "protocol": .int(1), "plugin": .string("frame-stats"), "stage": .string("stats"),
            "key": .string("clips/game.mp4"),
            "sources": .array([.object(["key": .string("clips/game.mp4"), "path": .string("/videos/clips/game.mp4")])]),
            "params": .object(params), "inputs": .object(inputs.mapValues { .string($0.path) }),
            "output_dir": .string(output.path), "pipeline_dir": .string("/videos"),
        ])
        return request.canonicalData()
    }

    @Test func manifestDeclaresTheExample() throws {
        let manifest = try ExternalPluginManifest.load(Self.pluginFolder.appendingPathComponent("plugin.yaml"))
        #expect(manifest.descriptor.id == "frame-stats")
        #expect(manifest.descriptor.mode == .map)
        #expect(manifest.descriptor.parameters.map(\.name) == ["max_keyframe_gap", "label"])
        #expect(manifest.argv == [Self.pluginFolder.standardizedFileURL.appendingPathComponent("frame_stats.py").path])
    }

    @Test func writesStatsAndSpeaksTheProtocol() async throws {
        let work = try TemporaryDirectory(prefix: "orchestrate-frame-stats")
        defer { work.remove() }
        let decoded = work.url.appendingPathComponent("decode")
        try FileManager.default.createDirectory(at: decoded, withIntermediateDirectories: true)
        let manifest = """
            {"fps": 25.0, "frame_count": 10, "frames": [{"index": 0, "pts": 0, "key": true},
             {"index": 1, "pts": 512, "key": false}, {"index": 5, "pts": 2560, "key": true},
             {"index": 9, "pts": 4608, "key": true}]}
            """
        try Data(manifest.utf8).write(to: decoded.appendingPathComponent("manifest.json"))
        let output = work.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let plugin = try ExternalPluginManifest.load(Self.pluginFolder.appendingPathComponent("plugin.yaml"))

        let result = try await run(plugin.argv, request: request(
            inputs: ["decode": decoded], output: output, params: ["max_keyframe_gap": .int(4), "label": .string("demo")]))

        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines == [
            #"{"log": "reading decode's manifest of clips/game.mp4"}"#,
            #"{"progress": {"completed": 4, "total": 4, "unit": "frames"}}"#,
            #"{"outputs": ["stats.json"]}"#,
        ])
        let stats = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: output.appendingPathComponent("stats.json")))
        #expect(stats == .object([
            "file": .string("clips/game.mp4"), "label": .string("demo"), "frame_count": .int(10), "kept_frames": .int(4),
            "key_frames": .int(3), "longest_keyframe_gap": .int(5), "mean_keyframe_gap": .double(4.5),
            "duration": .double(0.4), "long_gop": .bool(true),
        ]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path) == ["stats.json"])
    }

    @Test func failsWithAReasonWhenNoManifestIsUpstream() async throws {
        let work = try TemporaryDirectory(prefix: "orchestrate-frame-stats")
        defer { work.remove() }
        let plugin = try ExternalPluginManifest.load(Self.pluginFolder.appendingPathComponent("plugin.yaml"))
        let result = try await run(plugin.argv, request: request(inputs: [:], output: work.url, params: [:]))
        #expect(result.status == 1)
        #expect(result.lines == [])
        #expect(result.stderr == "frame-stats: no manifest.json in the inputs of item 'clips/game.mp4': put a decode stage in needs\n")
    }
}
