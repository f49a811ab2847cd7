import Foundation
import Testing
import TestSupport

/// `run --from`, `--until`, `--force` and `--dry-run` on the three-stage exec pipeline
/// (`upper` per source → `double` per item → `total` gathering them).
@Suite struct RunOptionTests {
    static let sources = ["a.txt": "apple\n", "b.txt": "banana\n"]

    private func workspace(sleep: String = "0") async throws -> Workspace {
        let workspace = try Workspace(sources: Self.sources)
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: sleep))
        return workspace
    }

    @Test func untilRunsTheStageAndItsUpstreamOnly() async throws {
        let workspace = try await workspace()
        defer { workspace.directory.remove() }
        let run = try await CLI.run(["run", "p.yaml", "--until", "double"], in: workspace.root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Set(try workspace.takeExecutions()) == ["upper a.txt", "upper b.txt", "double a.txt", "double b.txt"])
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines == [
            "upper/a.txt done", "upper/b.txt done", "double/a.txt done", "double/b.txt done", "total/all pending",
        ])
    }

    @Test func fromRunsTheStageAndItsDownstreamFromCachedUpstream() async throws {
        let workspace = try await workspace()
        defer { workspace.directory.remove() }
        #expect(try await CLI.run(["run", "p.yaml", "--until", "upper"], in: workspace.root).status == 0)
        #expect(Set(try workspace.takeExecutions()) == ["upper a.txt", "upper b.txt"])

        let from = try await CLI.run(["run", "p.yaml", "--from", "double"], in: workspace.root)
        #expect(from.status == 0, "\(from.stderr)")
        #expect(Set(try workspace.takeExecutions()) == ["double a.txt", "double b.txt", "total all"])
        #expect(try String(decoding: workspace.output("total/all/all.txt"), as: UTF8.self) == "APPLE\nAPPLE\nBANANA\nBANANA\n")
    }

    /// An upstream item that would have to run is left alone by `--from`, and blocks its dependants.
    @Test func fromLeavesAnOutdatedUpstreamAloneAndBlocksItsDependants() async throws {
        let workspace = try await workspace()
        defer { workspace.directory.remove() }
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()
        // A changed `upper` command (same output bytes): `upper` is outdated, the rest is cached.
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "0.0"))

        let plan = try await CLI.run(["run", "p.yaml", "--from", "double", "--dry-run"], in: workspace.root)
        #expect(plan.status == 0)
        #expect(plan.lines == [
            "upper/a.txt blocked (outside --from/--until)",
            "upper/b.txt blocked (outside --from/--until)",
            "double/a.txt blocked (upstream upper/a.txt not run)",
            "double/b.txt blocked (upstream upper/b.txt not run)",
            "total/all blocked (upstream double/a.txt not run)",
        ], "\(plan.stdout)")
        let from = try await CLI.run(["run", "p.yaml", "--from", "double"], in: workspace.root)
        #expect(from.status == 0, "\(from.stderr)")
        #expect(try workspace.takeExecutions().isEmpty)

        // `--until upper` runs the outdated stage and leaves everything downstream alone.
        let until = try await CLI.run(["run", "p.yaml", "--until", "upper"], in: workspace.root)
        #expect(until.status == 0, "\(until.stderr)")
        #expect(Set(try workspace.takeExecutions()) == ["upper a.txt", "upper b.txt"])
    }

    @Test func dryRunListsEveryItemWithItsReasonAndRunsNothing() async throws {
        let workspace = try await workspace()
        defer { workspace.directory.remove() }
        let fresh = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(fresh.status == 0)
        #expect(fresh.lines == [
            "upper/a.txt to-run (never run)",
            "upper/b.txt to-run (never run)",
            "double/a.txt to-run (upstream upper/a.txt will run)",
            "double/b.txt to-run (upstream upper/b.txt will run)",
            "total/all to-run (upstream double/a.txt will run)",
        ], "\(fresh.stdout)")
        #expect(try workspace.executions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: workspace.outDirectory.appendingPathComponent("upper").path))

        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()
        let cached = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(cached.lines == ["upper/a.txt cached", "upper/b.txt cached", "double/a.txt cached",
                                 "double/b.txt cached", "total/all cached"], "\(cached.stdout)")

        try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "1"))
        let changed = try await CLI.run(["run", "p.yaml", "--dry-run", "--force", "total"], in: workspace.root)
        #expect(changed.lines.count == 5, "\(changed.stdout)")
        #expect(changed.lines.first?.hasPrefix("upper/a.txt to-run (changed: params.argv [") == true, "\(changed.stdout)")
        #expect(changed.lines.first?.hasSuffix("])") == true, "\(changed.stdout)")
        #expect(changed.lines.last == "total/all to-run (upstream double/a.txt will run)")
        #expect(try workspace.executions().isEmpty)
        let runs = try await CLI.run(["runs", "p.yaml"], in: workspace.root)
        #expect(runs.lines.count == 1, "a dry run is not a run: \(runs.stdout)")
    }

    @Test func dryRunNamesForcedAndFailedItems() async throws {
        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: checkPipeline(log: workspace.log))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 1)
        let plan = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(plan.lines == ["check/a.txt cached", "check/b.txt to-run (failed last time: 'sh' exited with status 3: corrupt input b.txt)"],
                "\(plan.stdout)")
        let forced = try await CLI.run(["run", "p.yaml", "--dry-run", "--force", "check"], in: workspace.root)
        #expect(forced.lines == ["check/a.txt to-run (forced with --force check)", "check/b.txt to-run (forced with --force check)"],
                "\(forced.stdout)")
    }

    /// `--force` re-runs the stage; downstream items whose inputs kept their bytes stay cached.
    @Test func forceRerunsTheStageAndEarlyCutOffSparesDownstream() async throws {
        let workspace = try await workspace()
        defer { workspace.directory.remove() }
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()
        let forced = try await CLI.run(["run", "p.yaml", "--force", "upper"], in: workspace.root)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(Set(try workspace.takeExecutions()) == ["upper a.txt", "upper b.txt"])
        #expect(forced.stderr.split(separator: "\n").contains("2 done, 3 cached, 0 failed"), "\(forced.stderr)")
        let again = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(again.status == 0)
        #expect(try workspace.takeExecutions().isEmpty)
    }
}
