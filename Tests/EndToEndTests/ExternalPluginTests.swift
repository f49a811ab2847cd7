import Foundation
import Testing
import TestSupport

/// External plugins (JSON over stdin/stdout) run through the engine by the built binary: the
/// shipped `plugins/frame-stats`, and broken plugins whose failures must name plugin and item.
@Suite struct ExternalPluginTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Two decode-like manifests; `a` has key frames 0, 5, 9 and `b` only frame 0.
    static let manifests = [
        "a.json": #"{"fps": 25.0, "frame_count": 10, "frames": [{"index": 0, "key": true}, {"index": 5, "key": true}, {"index": 9, "key": true}]}"#,
        "b.json": #"{"fps": 10.0, "frame_count": 4, "frames": [{"index": 0, "key": true}, {"index": 3, "key": false}]}"#,
    ]

    /// A workspace whose `manifest` stage copies each source to `manifest.json`, read by `stats`
    /// (plugin `uses`).
    private func workspace(uses plugin: String, with: String = "{}") async throws -> Workspace {
        let workspace = try Workspace(sources: Self.manifests)
        try workspace.write(pipeline: """
            version: 1
            name: plugin
            stages:
              manifest:
                uses: exec
                foreach: "data/*.json"
                with:
                  argv: [cp, "${item.path}", "${out}/manifest.json"]
              stats:
                uses: \(plugin)
                needs: [manifest]
                on_error: skip
                with: \(with)
            """)
        return workspace
    }

    /// Writes `plugins/ID/` with a `plugin.yaml` and an executable `run.sh`.
    private func addPlugin(_ id: String, script: String, to workspace: Workspace) async throws {
        let folder = workspace.root.appendingPathComponent("plugins/\(id)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("id: \(id)\nversion: \"1\"\nsummary: A test plugin.\nargv: [./run.sh]\n".utf8)
            .write(to: folder.appendingPathComponent("plugin.yaml"))
        let program = folder.appendingPathComponent("run.sh")
        try Data("#!/bin/sh\n\(script)\n".utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
    }

    private func outcomes(_ result: CLI.Result) -> [String: String] {
        var outcomes: [String: String] = [:]
        for line in result.lines {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],  // Non-JSON lines fail below.
                  event["event"] as? String == "finished", let item = event["item"] as? String else { continue }
            outcomes[item] = event["outcome"] as? String
        }
        return outcomes
    }

    @Test func frameStatsRunsThroughTheEngineAndIsCached() async throws {
        let workspace = try await workspace(uses: "frame-stats", with: "{max_keyframe_gap: 4, label: test}")
        defer { workspace.directory.remove() }
        try FileManager.default.createDirectory(at: workspace.root.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("plugins/frame-stats"),
                                         to: workspace.root.appendingPathComponent("plugins/frame-stats"))
        let first = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(outcomes(first) == ["manifest/a.json": "done", "manifest/b.json": "done", "stats/a.json": "done", "stats/b.json": "done"])
        #expect(first.stdout.contains(#""event":"progress","item":"stats/a.json","total":3,"unit":"frames""#), "\(first.stdout)")

        let stats = try #require(try JSONSerialization.jsonObject(with: workspace.output("stats/a.json/stats.json")) as? [String: Any])
        #expect(stats["file"] as? String == "a.json" && stats["label"] as? String == "test")
        #expect(stats["key_frames"] as? Int == 3 && stats["longest_keyframe_gap"] as? Int == 5)
        #expect(stats["long_gop"] as? Bool == true)
        let outputs = try await CLI.run(["outputs", "p.yaml", "stats"], in: workspace.root)
        #expect(outputs.lines == ["a.json", "b.json"].map { workspace.outDirectory.path + "/stats/\($0)/stats.json" })

        let second = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root)
        #expect(second.status == 0)
        #expect(Set(outcomes(second).values) == ["cached"])

        // A changed parameter re-runs the plugin's items only.
        try workspace.write(pipeline: try String(contentsOf: workspace.root.appendingPathComponent("p.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "max_keyframe_gap: 4", with: "max_keyframe_gap: 5"))
        let third = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root)
        #expect(outcomes(third) == ["manifest/a.json": "cached", "manifest/b.json": "cached", "stats/a.json": "done", "stats/b.json": "done"])
        let restated = try #require(try JSONSerialization.jsonObject(with: workspace.output("stats/a.json/stats.json")) as? [String: Any])
        #expect(restated["long_gop"] as? Bool == false)
    }

    /// A plugin that fails after announcing a checkpoint finds it in its next attempt's request,
    /// with its cursor and files.
    @Test func checkpointsAnnouncedByAFailedAttemptReachTheNextAttempt() async throws {
        let workspace = try await workspace(uses: "resumable", with: "{}")
        defer { workspace.directory.remove() }
        try await addPlugin("resumable", script: #"""
            exec /usr/bin/python3 -c '
            import json, os, sys
            request = json.load(sys.stdin)
            units = request["checkpoints"]
            if not units:
                unit = os.path.join(request["checkpoint_dir"], "unit-5")
                os.mkdir(unit)
                open(os.path.join(unit, "state.txt"), "w").write("state of " + request["key"])
                print(json.dumps({"checkpoint": {"cursor": 5, "path": "unit-5"}}), flush=True)
                sys.exit(3)
            state = open(os.path.join(units[-1]["path"], "state.txt")).read()
            open(os.path.join(request["output_dir"], "resumed.txt"), "w").write("%d %d %s" % (len(units), units[-1]["cursor"], state))
            print(json.dumps({"outputs": ["resumed.txt"]}))
            '
            """#, to: workspace)
        let failed = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("plugin 'resumable' (item 'a.json') exited with status 3"), "\(failed.stderr)")
        let resumed = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(String(decoding: try workspace.output("stats/a.json/resumed.txt"), as: UTF8.self) == "1 5 state of a.json")
        #expect(String(decoding: try workspace.output("stats/b.json/resumed.txt"), as: UTF8.self) == "1 5 state of b.json")
    }

    @Test func pluginExitingNonZeroFailsItsItemNamingPluginAndItem() async throws {
        let workspace = try await workspace(uses: "broken")
        defer { workspace.directory.remove() }
        try await addPlugin("broken", script: #"cat > /dev/null; echo "cannot read the frames" >&2; exit 3"#, to: workspace)
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 1)
        let message = "plugin 'broken' (item 'a.json') exited with status 3: cannot read the frames"
        #expect(run.stderr.contains("failed stats/a.json: \(message)"), "\(run.stderr)")
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines.contains("stats/a.json failed \(message)" + (try workspace.attemptFolderSuffix("stats/a.json"))), "\(status.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.outDirectory.appendingPathComponent("stats").path))
        // The failed attempt keeps the plugin's request and stderr for debugging.
        let kept = try #require(workspace.failedAttempts("stats/a.json").last)
        #expect(try String(contentsOf: kept.appendingPathComponent("scratch/stderr.log"), encoding: .utf8) == "cannot read the frames\n")
        #expect(FileManager.default.fileExists(atPath: kept.appendingPathComponent("scratch/request.json").path))
    }

    @Test(arguments: [
        (#"{"outputs": ["x.txt"]"#, #"malformed JSON on stdout line 1: {"outputs": ["x.txt"]"#),
        (#"{"progress": {"completed": "many"}}"#, #"a malformed 'progress' message on stdout line 1: {"progress": {"completed": "many"}}"#),
        (#"{"outputs": "x.txt"}"#, #"a malformed 'outputs' message on stdout line 1: {"outputs": "x.txt"}"#),
        (#"{"checkpoint": {"cursor": 1, "path": "../elsewhere"}}"#,
         #"a malformed 'checkpoint' message on stdout line 1: {"checkpoint": {"cursor": 1, "path": "../elsewhere"}}"#),
    ])
    func pluginPrintingMalformedJSONFailsItsItemNamingPluginAndItem(printed: String, problem: String) async throws {
        let workspace = try await workspace(uses: "garbled")
        defer { workspace.directory.remove() }
        let escaped = printed.replacingOccurrences(of: "'", with: #"'\''"#)
        try await addPlugin("garbled", script: #"""
            out=$(sed -n 's/.*"output_dir": *"\([^"]*\)".*/\1/p')
            echo x > "$out/x.txt"
            echo 'a line of plain text is only logged'
            printf '%s\n' '\#(escaped)'
            """#, to: workspace)
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 1)
        let message = "plugin 'garbled' (item 'b.json') printed \(problem.replacingOccurrences(of: "line 1", with: "line 2"))"
        #expect(run.stderr.contains("failed stats/b.json: \(message)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.outDirectory.appendingPathComponent("stats").path))
    }
}
