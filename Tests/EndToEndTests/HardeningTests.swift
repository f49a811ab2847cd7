import Foundation
import Testing
import TestSupport

/// The engine's promises where a user meets them: interrupts, concurrent runs, committed objects
/// that items or people tamper with, and views that open as what they are.
@Suite(.serialized) struct HardeningTests {
    /// `n` sources `NN.txt`, and a one-stage pipeline whose items log `start KEY TIME` and
    /// `end KEY TIME` (seconds, from `date +%s.%N`) around `sleep SECONDS`.
    static func sleepingWorkspace(items: Int, seconds: String) throws -> Workspace {
        let sources = Dictionary(uniqueKeysWithValues: (0..<items).map { (String(format: "%02d.txt", $0), "item \($0)\n") })
        let workspace = try Workspace(sources: sources)
        try workspace.write(pipeline: """
            version: 1
            name: sleepers
            stages:
              nap:
                uses: exec
                foreach: "data/*.txt"
                with:
                  argv: [sh, -c, 'echo "start $1 $(date +%s.%N)" >> "$0"; sleep \(seconds); cp "$2" "$3/copy.txt"; echo "end $1 $(date +%s.%N)" >> "$0"', "\(workspace.log.path)", "${item.name}", "${item.path}", "${out}"]
            """)
        return workspace
    }

    /// (start, end) times of each executed item, from the log of ``sleepingWorkspace(items:seconds:)``.
    static func intervals(_ workspace: Workspace) throws -> [String: (start: Double, end: Double?)] {
        var intervals: [String: (start: Double, end: Double?)] = [:]
        for line in try workspace.executions() {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 3, let time = Double(fields[2]) else { continue }
            if fields[0] == "start" { intervals[fields[1]] = (time, nil) } else { intervals[fields[1]]?.end = time }
        }
        return intervals
    }

    // MARK: - An interrupt is not a failure

    @Test func sigintCancelsRunningItemsAndReportsTheRestAsNotRun() async throws {
        let workspace = try Self.sleepingWorkspace(items: 6, seconds: "30")
        defer { workspace.directory.remove() }
        let started = try CLI.start(["run", "p.yaml", "-j", "2", "--json"], in: workspace.root)
        let deadline = ContinuousClock.now + .seconds(60)
        while try Self.intervals(workspace).count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        started.send(SIGINT)
        let result = try await CLI.finish(started)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("interrupted: committed items are kept"))
        #expect(!result.stderr.contains("CancellationError"), "\(result.stderr)")

        let events = result.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let finished = events.filter { $0["event"] as? String == "finished" }
        #expect(finished.filter { $0["outcome"] as? String == "cancelled" }.count == 2)
        let notRun = finished.filter { $0["outcome"] as? String == "skipped" }
        #expect(notRun.count == 4)
        #expect(notRun.allSatisfy { $0["reason"] as? String == "not run (interrupted)" })
        #expect(!finished.contains { $0["outcome"] as? String == "failed" })
        let summary = try #require(events.last)
        #expect(summary["event"] as? String == "summary")
        #expect(summary["interrupted"] as? Bool == true)
        #expect(summary["cancelled"] as? Int == 2)

        let runs = try await CLI.run(["runs", "p.yaml"], in: workspace.root)
        #expect(runs.stdout.contains("interrupted"), "\(runs.stdout)")
        // Nothing was recorded as a failure: status shows the cancelled items as pending.
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(!status.stdout.contains("failed"), "\(status.stdout)")
    }

    // MARK: - Concurrent runs share the work

    @Test func threeConcurrentRunsUseEveryRunsSlots() async throws {
        let workspace = try Self.sleepingWorkspace(items: 18, seconds: "1")
        defer { workspace.directory.remove() }
        let runs = try (0..<3).map { _ in try CLI.start(["run", "p.yaml", "-j", "3"], in: workspace.root) }
        for run in runs {
            let result = try await CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let intervals = try Self.intervals(workspace)
        let executions = try workspace.executions().count
        #expect(intervals.count == 18)
        #expect(executions == 36, "every item runs exactly once: \(executions / 2) executions")
        // The most items running at one instant, over all three runs: more than one run's 3 slots.
        let starts = intervals.values.map(\.start)
        let mostAtOnce = starts.map { instant in
            intervals.values.filter { $0.start <= instant && ($0.end ?? .infinity) > instant }.count
        }.max() ?? 0
        #expect(mostAtOnce > 3, "at most \(mostAtOnce) items ran at once: the runs did not share the work")
    }

    // MARK: - Committed objects are immutable

    static let appendingPipeline = """
        version: 1
        name: tamper
        stages:
          make:
            uses: exec
            foreach: "data/*.txt"
            with:
              argv: [sh, -c, 'echo "make $2" >> "$0"; cp "$1" "$3/made.txt"', "LOG", "${item.path}", "${item.name}", "${out}"]
          tamper:
            uses: exec
            needs: [make]
            with:
              argv: [sh, -c, 'chmod u+w "$0/made.txt"; echo extra >> "$0/made.txt"; cp "$0/made.txt" "$1/seen.txt"', "${in.make}", "${out}"]
        """

    @Test func anItemThatWritesToItsInputFailsAndTheProducerRunsAgain() async throws {
        let workspace = try Workspace(sources: ["a.txt": "original\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.appendingPipeline.replacingOccurrences(of: "LOG", with: workspace.log.path))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 1)
        #expect(run.stderr.contains("tamper/a.txt changed its input"), "\(run.stderr)")
        #expect(run.stderr.contains("made.txt"), "\(run.stderr)")
        #expect(run.stderr.contains("make/a.txt"), "the message names the producer: \(run.stderr)")
        #expect(try workspace.takeExecutions() == ["make a.txt"])

        // The damaged output is not trusted: the producer runs again and its output is whole.
        let dry = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(dry.stdout.contains("make/a.txt to-run"), "\(dry.stdout)")
        _ = try await CLI.run(["run", "p.yaml", "--until", "make"], in: workspace.root)
        #expect(try workspace.takeExecutions() == ["make a.txt"])
        #expect(try workspace.output("make/a.txt/made.txt") == Data("original\n".utf8))
        let verify = try await CLI.run(["cache", "verify", "p.yaml"], in: workspace.root)
        #expect(verify.lines == ["all objects intact"], "\(verify.stdout)")
    }

    @Test func aCachedEntryWhoseObjectWasDeletedRunsItsProducerAgain() async throws {
        let workspace = try Workspace(sources: ["a.txt": "apple\n", "b.txt": "banana\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()

        let objects = workspace.root.appendingPathComponent(".orchestrate/objects")
        let digest = sha256("APPLE\n")
        try FileManager.default.removeItem(at: objects.appendingPathComponent("\(digest.prefix(2))/\(digest)"))
        let dry = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(dry.lines.contains { $0.hasPrefix("upper/a.txt to-run (output object missing: 'up.txt'") }, "\(dry.stdout)")

        let rerun = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        // Same bytes again: early cut-off spares everything downstream.
        #expect(try workspace.takeExecutions() == ["upper a.txt"])
        #expect(FileManager.default.fileExists(atPath: objects.appendingPathComponent("\(digest.prefix(2))/\(digest)").path))
    }

    // MARK: - Outputs open as what they are

    @Test func viewsAreFilesWithTheirOwnNamesAndSurviveMovingTheWorkdir() async throws {
        let workspace = try Workspace(sources: ["a.txt": "apple\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        let view = workspace.outDirectory.appendingPathComponent("upper/a.txt/up.txt")
        let values = try view.resourceValues(forKeys: [.isSymbolicLinkKey, .isRegularFileKey])
        #expect(values.isSymbolicLink == false)
        #expect(values.isRegularFile == true)
        #expect(view.resolvingSymlinksInPath().lastPathComponent == "up.txt")

        let moved = try TemporaryDirectory(prefix: "moved")
        defer { moved.remove() }
        let copy = moved.url.appendingPathComponent("workdir")
        try FileManager.default.moveItem(at: workspace.root.appendingPathComponent(".orchestrate"), to: copy)
        #expect(try Data(contentsOf: copy.appendingPathComponent("out/upper/a.txt/up.txt")) == Data("APPLE\n".utf8))
        #expect(try Data(contentsOf: copy.appendingPathComponent("out/total/all/all.txt")) == Data("APPLE\nAPPLE\n".utf8))
    }
}
