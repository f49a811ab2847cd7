import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ResumeTests {
    static let sources: [String: String] = Dictionary(uniqueKeysWithValues: (0..<24).map {
        (String(format: "item%02d.txt", $0), "content of item \($0)\n")
    })

    /// SIGKILLs `orchestrate run` at random moments, then finishes with a clean run: outputs match
    /// an uninterrupted run byte for byte, and no item whose commit completed ever ran again.
    @Test func killedRunsResumeWithoutRedoingCommittedItems() async throws {
        let reference = try Workspace(sources: Self.sources)
        defer { reference.directory.remove() }
        try reference.write(pipeline: threeStagePipeline(log: reference.log))
        #expect(try await CLI.run(["run", "p.yaml", "-j", "4"], in: reference.root).status == 0)

        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "0.2"))
        var committedCounts: [String: Int] = [:]  // execution-log line → count when its commit was seen
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 10 {
            // Kill at a random moment after this run has started executing items.
            let before = try workspace.executions().count
            let started = try CLI.start(["run", "p.yaml", "-j", "2"], in: workspace.root)
            // (`isRunning` can read false just after launch on Linux, so wait on the log, bounded.)
            let deadline = Date(timeIntervalSinceNow: 60)
            while try workspace.executions().count == before, Date() < deadline {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            let delay = UInt64.random(in: 0...250_000_000, using: &generator)
            try await Task.sleep(nanoseconds: delay)
            guard started.isRunning else {
                _ = try await CLI.finish(started)
                break  // The pipeline completed before enough kills: reported below.
            }
            started.send(SIGKILL)
            kills += 1
            _ = try await CLI.finish(started)
            for item in try await workspace.committedItemsInDatabase() {
                let parts = item.split(separator: "/", maxSplits: 1)
                let line = "\(parts[0]) \(parts[1])"
                let count = try workspace.count(line)
                if let seen = committedCounts[line] {
                    #expect(count == seen, "\(item) ran again after its commit")
                } else {
                    committedCounts[line] = count
                }
            }
        }
        #expect(kills >= 10, "only \(kills) runs could be killed before the pipeline completed")
        let final = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(final.status == 0, "\(final.stderr)")
        for (line, count) in committedCounts {
            #expect(try workspace.count(line) == count, "\(line) ran again after its commit")
        }
        for name in Self.sources.keys {
            #expect(try workspace.output("double/\(name)/double.txt") == reference.output("double/\(name)/double.txt"))
        }
        #expect(try workspace.output("total/all/all.txt") == reference.output("total/all/all.txt"))
        #expect(try !reference.output("total/all/all.txt").isEmpty)
    }

    @Test func concurrentRunsShareTheWorkAndComputeEachItemOnce() async throws {
        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "0.05"))
        let first = try CLI.start(["run", "p.yaml", "-j", "3"], in: workspace.root)
        let second = try CLI.start(["run", "p.yaml", "-j", "3"], in: workspace.root)
        let results = [try await CLI.finish(first), try await CLI.finish(second)]
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        let executions = try workspace.executions()
        #expect(executions.count == 24 * 2 + 1)
        #expect(Set(executions).count == executions.count, "an item ran twice")
        let answer = try await sqlite3(workspace.root.appendingPathComponent(".orchestrate/orchestrate.sqlite"), "PRAGMA integrity_check")
        #expect(answer.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}
