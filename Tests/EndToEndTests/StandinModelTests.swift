import Foundation
import Testing
import TestSupport

/// The committed stand-in model (`pipelines/models/standin-keypointrcnn.pt`) sees the players:
/// `decode` → `detect` through the engine on held-out generated clips, scored against their
/// ground truth with `examples/evaluate_detections.py`.
@Suite struct StandinModelTests {
    static let model = VolleyballScenario.repositoryRoot.appendingPathComponent("pipelines/models/standin-keypointrcnn.pt")
    static let clips = ["rally-court-a", "block-at-net"]

    @Test func standinDetectsHeldOutPlayersWithKeypointAPAtLeastHalf() async throws {
        let workspace = try TemporaryDirectory(prefix: "standin")
        defer { workspace.remove() }
        let root = workspace.url
        // Seed 5000: neither the example's clips (0) nor the training ones (1000+).
        try await DebianPython.run([
            VolleyballScenario.repositoryRoot.appendingPathComponent("examples/generate_clips.py").path,
            "--out", root.appendingPathComponent("data").path, "--seed", "5000", "--frames-scale", "0.2",
        ] + Self.clips.flatMap { ["--only", "\($0).mp4"] })
        try Data("""
            version: 1
            name: standin
            stages:
              decode:
                uses: decode
                foreach: data/*.mp4
                with: {every: 2, dedup_threshold: 0}
              detect:
                uses: detect
                needs: [decode]
                concurrency: 1
                with: {model: \(Self.model.path), batch_size: 2, threads: 0}
            """.utf8).write(to: root.appendingPathComponent("p.yaml"))

        let run = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")
        let listed = try await CLI.run(["outputs", "p.yaml", "detect"], in: root)
        let detections = listed.lines.filter { $0.hasSuffix("/detections.json") }
        try #require(detections.count == Self.clips.count, "\(listed.stdout)")

        let truths = Self.clips.map { root.appendingPathComponent("data/\($0).json").path }
        let evaluation = try await ChildProcess.checked(MotoServer.pythonPath.path, [
            VolleyballScenario.repositoryRoot.appendingPathComponent("examples/evaluate_detections.py").path,
            "--json", "--truth",
        ] + truths + ["--detections"] + detections)
        let last = try #require(evaluation.stdoutText.split(separator: "\n").last)
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Double])
        #expect(try #require(metrics["frames"]) >= 30)
        #expect(try #require(metrics["keypoint_ap"]) >= 0.5, "\(evaluation.stdoutText)")
        #expect(try #require(metrics["box_ap"]) >= 0.5, "\(evaluation.stdoutText)")
    }
}
