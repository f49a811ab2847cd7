import Foundation
import Testing
import TestSupport

/// A SIGKILLed run leaves its `exec` children running; the next run kills them before it runs
/// their items again, and never uses what they wrote.
@Suite struct OrphanTests {
    /// Whether `pid` is a running process (a zombie, which PID 1 here may never reap, is not).
    private func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        // Unreadable: the process is gone.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: nameEnd)...].split(separator: " ").first != "Z"
    }

    private func lines(_ file: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func nextRunKillsTheOrphanOfAKilledRunAndDiscardsItsWork() async throws {
        let workspace = try Workspace(sources: ["a.txt": "apple\n"])
        defer { workspace.directory.remove() }
        let started = workspace.root.appendingPathComponent("started.txt")
        let markers = workspace.root.appendingPathComponent("markers.txt")
        let go = workspace.root.appendingPathComponent("go")
        let database = workspace.root.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        // The child waits until its lease records its process group, then notes its pid; the
        // first one then waits for `go` (at most 10 minutes), as long as the test needs however
        // slow the machine. Then it writes a marker and its output.
        try workspace.write(pipeline: """
            version: 1
            name: orphans
            stages:
              slow:
                uses: exec
                foreach: "data/*.txt"
                with:
                  argv: [sh, -c, 'until sqlite3 "$5" "SELECT count(*) FROM leases WHERE process_group IS NOT NULL" | grep -q 1; do sleep 0.1; done; first=$(wc -l < "$0"); echo $$ >> "$0"; if [ "$first" -eq 0 ]; then i=0; while [ ! -e "$4" ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i+1)); done; fi; echo $$ >> "$1"; cp "$2" "$3/copy.txt"', "\(started.path)", "\(markers.path)", "${item.path}", "${out}", "\(go.path)", "\(database.path)"]
            """)
        _ = FileManager.default.createFile(atPath: started.path, contents: nil)
        // Whatever happens, let a surviving orphan finish.
        defer { _ = FileManager.default.createFile(atPath: go.path, contents: nil) }
        let first = try CLI.start(["run", "p.yaml"], in: workspace.root)
        // Wait for the child (generously: a niced test on a loaded machine may wait long for the
        // CPU). The test spawns nothing meanwhile, as in ResumeTests: with `sqlite3` children of
        // its own exiting around the kill, Foundation once never reaped the killed run.
        let deadline = Date(timeIntervalSinceNow: 300)
        while try lines(started).isEmpty, Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let orphan = try #require(try lines(started).first.flatMap { Int32($0) }, "the child never started")
        first.send(SIGKILL)
        _ = try await CLI.finish(first)
        #expect(isRunning(orphan), "the child should outlive the killed run")

        let second = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!isRunning(orphan), "the orphan \(orphan) still runs")
        let children = try lines(started)
        #expect(children.count == 2)
        #expect(try workspace.output("slow/a.txt/copy.txt") == Data("apple\n".utf8))
        let staging = workspace.root.appendingPathComponent(".orchestrate/staging")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty, "the killed run's staging is kept")
        // Released now, a surviving orphan would write its marker within moments.
        _ = FileManager.default.createFile(atPath: go.path, contents: nil)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try lines(markers) == Array(children.dropFirst()), "the orphan wrote after the next run began")
    }
}
