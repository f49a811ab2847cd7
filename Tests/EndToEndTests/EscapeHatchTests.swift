import Foundation
import Testing
import TestSupport

/// The commands that reset or steer a run do what they claim, through the built binary:
/// `--force` and `cache clear` really compute again (no checkpoint of an earlier attempt is
/// resumed), a resumed item says so, `--keep-going` runs past a damaged video.
@Suite(.serialized) struct EscapeHatchTests {
    /// `decode` → `detect` (batch 1, a unit every 2 frames, one thread: a kill finds units
    /// committed and detect still running; a frame takes the tiny model about a second on a
    /// loaded machine) on `data/*.mp4`.
    static func detectPipeline(model: URL) -> String {
        """
        version: 1
        name: hatches
        stages:
          decode:
            uses: decode
            foreach: "data/*.mp4"
            with: {every: 1}
          detect:
            uses: detect
            needs: [decode]
            with: {model: \(model.path), batch_size: 1, threads: 1, replicas: 1, checkpoint_every: 2}

        """
    }

    /// A workspace with `frames` frames of a generated clip `data/clip.mp4`, a tiny model and the
    /// detect pipeline.
    static func detectWorkspace(frames: Int) async throws -> Workspace {
        let workspace = try Workspace(sources: [:])
        let model = workspace.root.appendingPathComponent("model.pt")
        async let export: Void = DebianPython.exportTinyKeypointModel(to: model)
        _ = try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-frames:v", "\(frames)",
                                     "-c:v", "libx264", "-pix_fmt", "yuv420p", workspace.root.appendingPathComponent("data/clip.mp4").path])
        try await export
        try workspace.write(pipeline: detectPipeline(model: model))
        return workspace
    }

    static func checkpointCount(_ workspace: Workspace) async throws -> Int {
        let database = workspace.root.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        return Int(try await sqlite3(database, "SELECT COUNT(*) FROM checkpoints").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The `completed` values of `detect/clip.mp4`'s progress events in a `--json` run.
    static func detectProgress(_ result: CLI.Result) -> [Int] {
        result.lines.compactMap { line in
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["event"] as? String == "progress", event["item"] as? String == "detect/clip.mp4" else { return nil }
            return event["completed"] as? Int
        }
    }

    /// Starts a run and SIGKILLs it once detect has committed a checkpoint unit.
    static func killDuringDetect(_ workspace: Workspace, arguments: [String] = []) async throws {
        let started = try CLI.start(["run", "p.yaml"] + arguments, in: workspace.root)
        let deadline = ContinuousClock.now + .seconds(300)
        let database = workspace.root.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        while started.isRunning, ContinuousClock.now < deadline {
            // Before the schema exists the query prints nothing: not a count.
            if FileManager.default.fileExists(atPath: database.path),
               let text = try? await sqlite3(database, "SELECT COUNT(*) FROM checkpoints"),
               let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), count > 0 {
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(started.isRunning, "the run ended before detect committed a checkpoint")
        started.send(SIGKILL)
        _ = try await CLI.finish(started)
    }

    @Test func forceDetectInfersEveryFrameAgainAndLeavesNoCheckpoints() async throws {
        let workspace = try await Self.detectWorkspace(frames: 4)
        defer { workspace.directory.remove() }
        let first = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(Self.detectProgress(first).last == 4)
        // The commit supersedes the item's progress units.
        #expect(try await Self.checkpointCount(workspace) == 0)

        let forced = try await CLI.run(["run", "p.yaml", "--force", "detect", "--json"], in: workspace.root)
        try #require(forced.status == 0, "\(forced.stderr)")
        #expect(try VolleyballScenario.outcomes(forced)["detect/clip.mp4"] == "done")
        #expect(try VolleyballScenario.outcomes(forced)["decode/clip.mp4"] == "cached")
        // Progress is reported after each batch the model ran: from 0, through every frame, to 4.
        let progress = Self.detectProgress(forced)
        #expect(progress.first == 0 && progress.last == 4, "\(progress)")
        #expect(Set(progress).isSuperset(of: Set(0...4)), "the model did not run on every frame: \(progress)")
        // Logs go to stderr, also with --json.
        #expect(forced.stderr.contains("detected clip.mp4: 4 frames, "), "\(forced.stderr)")
        #expect(!forced.stderr.contains("resumed"), "\(forced.stderr)")
        #expect(try await Self.checkpointCount(workspace) == 0)
    }

    @Test func aKilledDetectResumesSaysSoAndClearOrForceStartItAfresh() async throws {
        let workspace = try await Self.detectWorkspace(frames: 8)
        defer { workspace.directory.remove() }
        try await Self.killDuringDetect(workspace)

        // `runs` counts what the killed run committed; `why` shows the progress left behind.
        let runs = try await CLI.run(["runs", "p.yaml"], in: workspace.root)
        #expect(runs.lines.first?.contains("interrupted-or-running  1 done, 0 cached, 0 failed") == true, "\(runs.stdout)")
        let why = try await CLI.run(["why", "p.yaml", "detect/clip.mp4"], in: workspace.root)
        #expect(why.stdout.contains("resumes from "), "\(why.stdout)")
        #expect(why.stdout.contains(" of an earlier attempt (cursor "), "\(why.stdout)")

        let resumed = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        let resumeLine = try #require(resumed.stderr.split(separator: "\n").first { $0.contains("resumed after ") }, "\(resumed.stderr)")
        #expect(resumeLine.contains("[detect/clip.mp4] resumed after ") && resumeLine.hasSuffix(" of 8 frames"), "\(resumeLine)")
        let detected = try #require(resumed.stderr.split(separator: "\n").first { $0.contains("detected clip.mp4") })
        #expect(detected.contains("8 frames (") && detected.contains(" inferred now, ") && detected.contains(" resumed from checkpoints)"),
                "\(detected)")
        #expect(try await Self.checkpointCount(workspace) == 0)

        // A forced run killed half-way leaves units; `cache clear detect` drops them with the entry.
        try await Self.killDuringDetect(workspace, arguments: ["--force", "detect"])
        #expect(try await Self.checkpointCount(workspace) > 0)
        let cleared = try await CLI.run(["cache", "clear", "p.yaml", "detect"], in: workspace.root)
        #expect(cleared.status == 0, "\(cleared.stderr)")
        #expect(try await Self.checkpointCount(workspace) == 0)
        let afterClear = try await CLI.run(["why", "p.yaml", "detect/clip.mp4"], in: workspace.root)
        #expect(!afterClear.stdout.contains("resumes from"), "\(afterClear.stdout)")
    }

    @Test func forceOneItemRunsThatItemOnlyAndNamesTypos() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()

        let one = try await CLI.run(["run", "p.yaml", "--force", "upper/a.txt"], in: workspace.root)
        #expect(one.status == 0, "\(one.stderr)")
        // Same bytes again: early cut-off spares everything downstream.
        #expect(try workspace.takeExecutions() == ["upper a.txt"])

        let item = try await CLI.run(["run", "p.yaml", "--force", "upper/a.tx"], in: workspace.root)
        #expect(item.status == 2)
        #expect(item.stderr.contains("'upper/a.tx' is not an item of stage 'upper' (did you mean 'upper/a.txt'?)"), "\(item.stderr)")
        let stage = try await CLI.run(["run", "p.yaml", "--force", "uper"], in: workspace.root)
        #expect(stage.status == 2)
        #expect(stage.stderr.contains("'uper' is not a stage of p.yaml (did you mean 'upper'?)"), "\(stage.stderr)")
        #expect(try workspace.executions().isEmpty)
    }

    /// `decode` → `frames` (a map stage) → `total` (a gather) over two good videos and a damaged one.
    static let keepGoingPipeline = """
        version: 1
        name: keep-going
        stages:
          decode:
            uses: decode
            foreach: "data/*.mp4"
          frames:
            uses: exec
            needs: [decode]
            with:
              argv: [cp, "${in.decode}/manifest.json", "${out}/kept.json"]
          total:
            uses: exec
            needs: [frames]
            with:
              gather: true
              argv: [sh, -c, 'cat "$0"/*/kept.json > "$1/all.json"', "${in.frames}", "${out}"]

        """

    @Test func keepGoingFinishesTheGoodVideosAndSaysWhyTheRestDidNotRun() async throws {
        let workspace = try Workspace(sources: ["b-damaged.mp4": "this is not a video\n"])
        defer { workspace.directory.remove() }
        for name in ["a.mp4", "c.mp4"] {
            _ = try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=25", "-frames:v", "5",
                                         "-c:v", "libx264", "-pix_fmt", "yuv420p", workspace.root.appendingPathComponent("data/\(name)").path])
        }
        try workspace.write(pipeline: Self.keepGoingPipeline)

        // Without it, one item at a time: nothing starts after the failure.
        let stopped = try await CLI.run(["run", "p.yaml", "-j", "1"], in: workspace.root)
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("decode/c.mp4: not started: the run stopped after a failure"), "\(stopped.stderr)")

        let going = try await CLI.run(["run", "p.yaml", "-j", "1", "--keep-going"], in: workspace.root)
        #expect(going.status == 1)
        for good in ["a.mp4", "c.mp4"] {
            let kept = try JSONSerialization.jsonObject(with: workspace.output("frames/\(good)/kept.json")) as? [String: Any]
            #expect((kept?["frames"] as? [Any])?.count == 5, "\(good)")
        }
        #expect(going.stderr.contains("1 failed"), "\(going.stderr)")
        #expect(going.stderr.contains("  decode/b-damaged.mp4: "), "\(going.stderr)")
        #expect(going.stderr.contains("  frames/b-damaged.mp4: not run: upstream decode/b-damaged.mp4 failed"), "\(going.stderr)")
        #expect(going.stderr.contains("  total/all: not run: upstream frames/b-damaged.mp4 not run"), "\(going.stderr)")
    }
}
