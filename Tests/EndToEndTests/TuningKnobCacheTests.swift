import Foundation
import Testing
import TestSupport

/// Parameters declared as not affecting outputs stay out of the cache key, and a `file`
/// parameter is keyed by its content: `why` shows what the next run would do.
@Suite("cache key: tuning knobs and model files")
struct TuningKnobCacheTests {
    static func pipeline(model: String, threads: Int = 1, replicas: Int = 1, checkpointEvery: Int = 8) -> String {
        """
        version: 1
        name: knobs
        stages:
          decode:
            uses: decode
            foreach: "data/*.mp4"
            with: {every: 4}
          detect:
            uses: detect
            needs: [decode]
            with: {model: \(model), threads: \(threads), replicas: \(replicas), checkpoint_every: \(checkpointEvery)}

        """
    }

    /// `why p.yaml detect`'s first line, `detect/clip.mp4: …`, and the whole output.
    static func why(_ workspace: Workspace) async throws -> (head: String, text: String) {
        let result = try await CLI.run(["why", "p.yaml", "detect"], in: workspace.root)
        #expect(result.status == 0, "\(result.stderr)")
        return (result.lines.first ?? "", result.stdout)
    }

    @Test func tuningKnobsAndMovingTheModelRerunNothingAndAnotherModelRerunsDetect() async throws {
        let workspace = try Workspace(sources: [:])
        defer { workspace.directory.remove() }
        let models = workspace.root.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        async let small: Void = DebianPython.exportTinyKeypointModel(to: models.appendingPathComponent("a.pt"))
        async let other: Void = DebianPython.exportTinyKeypointModel(to: models.appendingPathComponent("b.pt"), minSize: 96)
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-frames:v", "8",
                                 "-c:v", "libx264", "-pix_fmt", "yuv420p", workspace.root.appendingPathComponent("data/clip.mp4").path])
        _ = try await (small, other)

        try workspace.write(pipeline: Self.pipeline(model: "models/a.pt"))
        let first = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try await Self.why(workspace).head == "detect/clip.mp4: cached")

        try workspace.write(pipeline: Self.pipeline(model: "models/a.pt", threads: 2, replicas: 2, checkpointEvery: 1))
        let knobs = try await Self.why(workspace)
        #expect(knobs.head == "detect/clip.mp4: cached", "\(knobs.text)")
        #expect(knobs.text.contains("not in the key (they do not affect outputs): threads=2, replicas=2, checkpoint_every=1"), "\(knobs.text)")

        let moved = workspace.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: moved, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: models.appendingPathComponent("a.pt"), to: moved.appendingPathComponent("model.pt"))
        try workspace.write(pipeline: Self.pipeline(model: "elsewhere/model.pt", threads: 2))
        #expect(try await Self.why(workspace).head == "detect/clip.mp4: cached")
        let second = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try await Self.why(workspace).head == "detect/clip.mp4: cached")

        try workspace.write(pipeline: Self.pipeline(model: "models/b.pt"))
        let changed = try await Self.why(workspace)
        #expect(changed.head.hasPrefix("detect/clip.mp4: will run: changed: files.model"), "\(changed.text)")
    }
}
