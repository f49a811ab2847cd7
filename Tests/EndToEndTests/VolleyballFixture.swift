import Foundation
import Testing
import TestSupport

/// The example pipeline (`pipelines/volleyball.yaml`) in a temporary folder: a test copy with
/// adjusted params, generated clips in `data/` and an exported model, run with the built CLI.
struct VolleyballScenario: Sendable {
    /// How the test copy differs from the real pipeline, and the data it runs on.
    struct Settings: Sendable {
        var model: URL
        var clips: URL
        var every: Int
        var samples: Int
        var checkpointEvery: Int
        /// The export's cap on detections per frame.
        var detections: Int
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let videos = ["block-at-net.mp4", "rally-court-a.mp4", "rally-court-b.mp4", "serve-closeup.mp4", "timeout-bench.mp4"]
    static let stageItems = ["decode": 5, "detect": 5, "convert": 5, "metadata": 5, "upload": 1, "schedule": 1, "export": 1]

    let directory: TemporaryDirectory
    let settings: Settings
    var root: URL { directory.url }
    var pipeline: String { "volleyball.yaml" }
    var lightly: URL { root.appendingPathComponent("datasources/volleyball_lightly") }
    var input: URL { root.appendingPathComponent("datasources/volleyball_input") }
    var database: URL { root.appendingPathComponent(".orchestrate/orchestrate.sqlite") }

    init(_ settings: Settings) throws {
        directory = try TemporaryDirectory(prefix: "volleyball")
        self.settings = settings
        try FileManager.default.copyItem(at: settings.clips, to: root.appendingPathComponent("data"))
        var text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("pipelines/volleyball.yaml"), encoding: .utf8)
        text = try Self.replacing(text, "  model: models/standin-keypointrcnn.pt\n", "  model: \(settings.model.path)\n")
        text = try Self.replacing(text, "  every: 1\n", "  every: \(settings.every)\n")
        text = try Self.replacing(text, "        n_samples: 100\n", "        n_samples: \(settings.samples)\n")
        text = try Self.replacing(text, "batch_size: 2, threads: 0}", "batch_size: 2, threads: 0, checkpoint_every: \(settings.checkpointEvery)}")
        try Data(text.utf8).write(to: root.appendingPathComponent(pipeline))
    }

    /// `text` with `old` (which must occur exactly once) replaced: the copy follows the real file.
    private static func replacing(_ text: String, _ old: String, _ new: String) throws -> String {
        let parts = text.components(separatedBy: old)
        guard parts.count == 2 else { throw ScenarioFailure("pipelines/volleyball.yaml should contain '\(old)' exactly once") }
        return parts.joined(separator: new)
    }

    func run(_ arguments: [String] = []) async throws -> CLI.Result {
        try await CLI.run(["run", pipeline] + arguments, in: root)
    }

    func start() throws -> ChildProcess {
        try CLI.start(["run", pipeline], in: root)
    }

    /// `orchestrate outputs` of a stage: relative path inside the item folder → absolute path.
    func outputs(_ stage: String) async throws -> [String: URL] {
        let result = try await CLI.run(["outputs", pipeline, stage], in: root)
        try #require(result.status == 0, "orchestrate outputs \(stage): \(result.stderr)")
        let base = root.appendingPathComponent(".orchestrate/out/\(stage)").standardizedFileURL.path + "/"
        var files: [String: URL] = [:]
        for line in result.lines {
            let url = URL(fileURLWithPath: line).standardizedFileURL
            try #require(url.path.hasPrefix(base), "\(line) is not under \(base)")
            files[String(url.path.dropFirst(base.count))] = url
        }
        return files
    }

    func json(_ url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// The JSON file `name` of an `outputs(_:)` listing.
    func json(_ files: [String: URL], _ name: String) throws -> Any {
        guard let url = files[name] else { throw ScenarioFailure("no output \(name) among \(files.keys.sorted())") }
        return try json(url)
    }

    /// Count of rows of a query on the workdir database; 0 before the run has created `table`.
    func count(_ sql: String, table: String = "items") async throws -> Int {
        guard FileManager.default.fileExists(atPath: database.path),
              try await sqlite3(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = '\(table)'")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        else { return 0 }
        return Int(try await sqlite3(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// `finished` events of a `--json` run: item → outcome.
    static func outcomes(_ result: CLI.Result) throws -> [String: String] {
        var outcomes: [String: String] = [:]
        for line in result.lines {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["event"] as? String == "finished", let item = event["item"] as? String,
                  let outcome = event["outcome"] as? String else { continue }
            outcomes[item] = outcome
        }
        return outcomes
    }
}

/// A fixture step that failed (outside any one test's expectations).
struct ScenarioFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The model and clips of a scenario, made once per test process.
struct VolleyballAssets: Sendable {
    let directory: TemporaryDirectory
    let model: URL
    let clips: URL

    /// `exportArguments` go to examples/export_keypoint_rcnn.py, `clipArguments` to examples/generate_clips.py.
    init(exportArguments: [String], clipArguments: [String]) async throws {
        directory = try TemporaryDirectory(prefix: "volleyball-assets")
        model = directory.url.appendingPathComponent("model.pt")
        clips = directory.url.appendingPathComponent("clips")
        let root = VolleyballScenario.repositoryRoot
        try await DebianPython.run([root.appendingPathComponent("examples/export_keypoint_rcnn.py").path, "--random-init"]
                      + exportArguments + ["--output", model.path])
        try await DebianPython.run([root.appendingPathComponent("examples/generate_clips.py").path, "--out", clips.path] + clipArguments)
    }
}
