import Foundation
import Testing
import TestSupport

/// A failed attempt's folder is kept in `WORKDIR/failed/STAGE/KEY/` for debugging (docs/cache.md):
/// its partial outputs and log, the path printed by the run, `status` and `why`; the last three
/// per item; `cache gc` removes them; cancelled and killed attempts are not failures.
@Suite(.serialized) struct FailedAttemptTests {
    /// ``checkPipeline(log:)`` whose items first write a partial output, `part.txt`: `check/b.txt`
    /// then fails (status 3, stderr `corrupt input b.txt`).
    static func pipeline(log: URL) -> String {
        checkPipeline(log: log).replacingOccurrences(of: #"if [ "$3" = b.txt ]"#, with: #"echo "partial $3" > "$2/part.txt"; if [ "$3" = b.txt ]"#)
    }

    /// The folder named by the `attempt folder: PATH` line of `text`.
    static func attemptFolder(in text: String) throws -> URL {
        let line = try #require(text.split(separator: "\n").first { $0.contains("attempt folder: ") }, "no attempt folder in: \(text)")
        let path = try #require(line.components(separatedBy: "attempt folder: ").last)
        return URL(fileURLWithPath: path.hasSuffix(")") ? String(path.dropLast()) : path, isDirectory: true)
    }

    @Test func failedExecAttemptLeavesItsFolderWithLogAndPartialOutputs() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a", "b.txt": "b"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.pipeline(log: workspace.log))

        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 1, "\(run.stderr)")
        let folder = try Self.attemptFolder(in: run.stderr)
        let failedRoot = workspace.root.appendingPathComponent(".orchestrate/failed/check/b.txt").standardizedFileURL.path
        #expect(folder.deletingLastPathComponent().standardizedFileURL.path == failedRoot)
        #expect(try String(contentsOf: folder.appendingPathComponent("out/part.txt"), encoding: .utf8) == "partial b.txt\n")
        #expect(try String(contentsOf: folder.appendingPathComponent("scratch/exec.log"), encoding: .utf8) == "corrupt input b.txt\n")
        #expect(workspace.failedAttempts("check/a.txt").isEmpty, "a succeeded: nothing kept")

        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        let line = try #require(status.lines.first { $0.hasPrefix("check/b.txt failed") }, "\(status.stdout)")
        #expect(line.hasSuffix("(attempt folder: \(folder.path))"), "\(line)")
        let json = try await CLI.run(["status", "p.yaml", "--json"], in: workspace.root)
        #expect(json.stdout.contains("\"attempt_folder\":\"\(folder.path)\""), "\(json.stdout)")

        let why = try await CLI.run(["why", "p.yaml", "check/b.txt"], in: workspace.root)
        #expect(why.lines.contains("  attempt folder: \(folder.path)"), "\(why.stdout)")
        let whyDone = try await CLI.run(["why", "p.yaml", "check/a.txt"], in: workspace.root)
        #expect(!whyDone.stdout.contains("attempt folder"), "\(whyDone.stdout)")
    }

    @Test func onlyTheLastThreeFailedAttemptsAreKeptAndGcRemovesThem() async throws {
        let workspace = try Workspace(sources: ["b.txt": "b"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.pipeline(log: workspace.log))

        var printed: [URL] = []
        for _ in 0..<5 {
            let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
            #expect(run.status == 1, "\(run.stderr)")
            printed.append(try Self.attemptFolder(in: run.stderr))
        }
        #expect(Set(printed.map(\.path)).count == 5, "each run's attempt has its own folder")
        #expect(workspace.failedAttempts("check/b.txt").map(\.lastPathComponent) == printed.suffix(3).map(\.lastPathComponent))
        for old in printed.prefix(2) { #expect(!FileManager.default.fileExists(atPath: old.path)) }

        let gc = try await CLI.run(["cache", "gc", "p.yaml"], in: workspace.root)
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(gc.lines.count == 2 && gc.lines[1].hasPrefix("removed 3 failed attempt folders, "), "\(gc.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate/failed").path))
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines == ["check/b.txt failed 'sh' exited with status 3: corrupt input b.txt"], "\(status.stdout)")
        let again = try await CLI.run(["cache", "gc", "p.yaml"], in: workspace.root)
        #expect(again.lines.count == 1, "nothing kept, nothing counted: \(again.stdout)")
    }

    /// SIGINT cancels the attempt (not a failure: its folder is removed); SIGKILL leaves the folder
    /// in staging for the next run to sweep, never in `failed/`.
    @Test func interruptedAndKilledAttemptsAreNotKeptAsFailures() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a"])
        defer { workspace.directory.remove() }
        let slow = """
            version: 1
            name: slow
            stages:
              wait:
                uses: exec
                foreach: "data/*.txt"
                with:
                  argv: [sh, -c, 'echo "wait $1" >> "$0"; echo partial > "$2/part.txt"; sleep $3', "\(workspace.log.path)", "${item.name}", "${out}", "SECONDS"]
            """
        try workspace.write(pipeline: slow.replacingOccurrences(of: "SECONDS", with: "30"))
        for signal in [SIGINT, SIGKILL] {
            let before = try workspace.executions().count
            let started = try CLI.start(["run", "p.yaml"], in: workspace.root)
            let deadline = Date(timeIntervalSinceNow: 60)
            while try workspace.executions().count == before, Date() < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            try await Task.sleep(nanoseconds: 200_000_000)
            started.send(signal)
            let result = try await CLI.finish(started)
            #expect(signal == SIGKILL || result.status == 130, "\(result.stderr)")
            #expect(!result.stderr.contains("attempt folder"), "\(result.stderr)")
            #expect(workspace.failedAttempts("wait/a.txt").isEmpty, "signal \(signal): a stopped attempt is no failure")
        }
        try workspace.write(pipeline: slow.replacingOccurrences(of: "SECONDS", with: "0"))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate/failed").path))
        let staging = workspace.root.appendingPathComponent(".orchestrate/staging")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty, "the killed run's folder is swept")
    }
}
