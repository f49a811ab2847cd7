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
        // The child notes its pid, sleeps, then writes a marker and its output. The sleep outlasts
        // the next run's start-up (a debug build on a loaded machine), and the next child, which
        // starts later, writes its marker after the orphan would have written its own.
        try workspace.write(pipeline: """
            version: 1
            name: orphans
            stages:
              slow:
                uses: exec
                foreach: "data/*.txt"
                with:
                  argv: [sh, -c, 'echo $$ >> "$0"; sleep 8; echo $$ >> "$1"; cp "$2" "$3/copy.txt"', "\(started.path)", "\(markers.path)", "${item.path}", "${out}"]
            """)
        let database = workspace.root.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        let first = try CLI.start(["run", "p.yaml"], in: workspace.root)
        // Wait until the child runs and its lease records its process group (generously: a
        // niced test on a loaded machine may wait long for the CPU).
        let deadline = Date(timeIntervalSinceNow: 300)
        while Date() < deadline {
            if try lines(started).count == 1,
               try sqlite3(database, "SELECT count(*) FROM leases WHERE process_group IS NOT NULL").hasPrefix("1") { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let orphan = try #require(try lines(started).first.flatMap { Int32($0) }, "the child never started")
        kill(first.0.processIdentifier, SIGKILL)
        _ = try CLI.finish(first)
        let probe = kill(orphan, 0)
        let probeErrno = errno
        #expect(isRunning(orphan), "the child should outlive the killed run: kill \(probe) errno \(probeErrno) stat \(String(describing: try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8)))")

        let second = try CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!isRunning(orphan), "the orphan \(orphan) still runs")
        let children = try lines(started)
        #expect(children.count == 2)
        // Only the new child got to write its marker; the orphan (which slept first) never did.
        let written = try lines(markers)
        #expect(written == [children[1]], "children \(children)")
        #expect(try workspace.output("slow/a.txt/copy.txt") == Data("apple\n".utf8))
        let staging = workspace.root.appendingPathComponent(".orchestrate/staging")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty, "the killed run's staging is kept")
    }
}
