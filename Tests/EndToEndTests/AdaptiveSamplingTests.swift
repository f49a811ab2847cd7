import Foundation
import Testing
import TestSupport

/// `decode`'s adaptive sampling through the engine, on a clip made with the ffmpeg CLI: two
/// seconds of a still picture, a cut, two seconds of motion. It keeps the still stretch only at
/// `max_gap`, the cut frame, and many more frames where the picture moves; a second run in
/// another workspace writes the same manifest bytes.
@Suite struct AdaptiveSamplingTests {
    static let pipeline = """
        version: 1
        name: adaptive
        stages:
          decode:
            uses: decode
            foreach: "data/*.avi"
            with: {change_threshold: 1, max_gap: 20}

        """

    /// Runs the pipeline in a fresh workspace; the decode manifest's bytes.
    static func run() async throws -> Data {
        let workspace = try Workspace(sources: [:])
        defer { workspace.directory.remove() }
        // MJPEG: the 50 still frames decode to identical pictures (no inter-frame coding noise).
        try await FFmpegCLI.run([
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2",
            "-vf", "trim=start_frame=0:end_frame=1,loop=loop=49:size=1,setpts=N/25/TB[still];"
                + "testsrc=size=160x90:rate=25:duration=2[motion];[still][motion]concat",
            "-c:v", "mjpeg", "-q:v", "3", workspace.root.appendingPathComponent("data/cut.avi").path,
        ])
        try workspace.write(pipeline: pipeline)
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")
        let listed = try await CLI.run(["outputs", "p.yaml", "decode"], in: workspace.root)
        let manifest = try #require(listed.lines.first { $0.hasSuffix("/manifest.json") }, "\(listed.stdout)")
        return try Data(contentsOf: URL(fileURLWithPath: manifest))
    }

    @Test func keepsTheCutAndTheMotionAndSkipsTheStillStretchDeterministically() async throws {
        let data = try await Self.run()
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(manifest["frame_count"] as? Int == 100)
        let sampling = try #require(manifest["sampling"] as? [String: Any])
        #expect(sampling["change_threshold"] as? Double == 1 && sampling["max_gap"] as? Int == 20)
        let kept = try #require(manifest["frames"] as? [[String: Any]]).compactMap { $0["index"] as? Int }
        // The still stretch: its first frame, then one per max_gap.
        #expect(kept.filter { $0 < 50 } == [0, 20, 40], "\(kept)")
        #expect(kept.contains(50), "the cut's first frame: \(kept)")
        let moving = kept.filter { $0 > 50 }.count
        #expect(moving >= 10 && moving < 49, "\(kept)")
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $1 - $0 <= 20 }, "\(kept)")

        #expect(try await Self.run() == data)
    }
}
