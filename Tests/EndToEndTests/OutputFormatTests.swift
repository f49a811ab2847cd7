import Foundation
import Testing
import TestSupport

/// The formats scripts rely on: `--json` event lines, `status` and `outputs` lines,
/// and the exit codes 0/1/2.
@Suite struct OutputFormatTests {
    /// Sources in a sub-folder too, so a key with a `/` shows up as a folder of `out/`.
    static let sources = ["a.txt": "apple\n", "b.txt": "banana\n"]

    private func nestedWorkspace() async throws -> Workspace {
        let workspace = try Workspace(sources: Self.sources)
        let nested = workspace.root.appendingPathComponent("data/sub")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try Data("cherry\n".utf8).write(to: nested.appendingPathComponent("c.txt"))
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log).replacingOccurrences(of: "data/*.txt", with: "data/**/*.txt"))
        return workspace
    }

    private func parseEvents(_ result: CLI.Result) async throws -> [[String: Any]] {
        try result.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func jsonEventsArePlannedThenEachItemStartedAndFinishedThenTheSummary() async throws {
        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml", "--json", "-j", "2"], in: workspace.root)
        #expect(run.status == 0, "\(run.stderr)")
        let events = try await parseEvents(run)
        #expect(events.first?["event"] as? String == "planned")
        let planned = events.first?["stages"] as? [[String: Any]] ?? []
        #expect(planned.map { $0["stage"] as? String } == ["upper", "double", "total"])
        #expect(planned.map { $0["items"] as? Int } == [2, 2, 1])

        let items = ["upper/a.txt", "upper/b.txt", "double/a.txt", "double/b.txt", "total/all"]
        func position(_ event: String, _ item: String) -> Int? {
            events.firstIndex { $0["event"] as? String == event && $0["item"] as? String == item }
        }
        for item in items {
            let started = try #require(position("started", item), "no started event for \(item)")
            let finished = try #require(position("finished", item), "no finished event for \(item)")
            #expect(started < finished)
            #expect(events[finished]["outcome"] as? String == "done")
        }
        // An item starts only after the items it reads have finished.
        #expect(try #require(position("finished", "upper/a.txt")) < #require(position("started", "double/a.txt")))
        #expect(try #require(position("finished", "double/b.txt")) < #require(position("started", "total/all")))

        let summary = try #require(events.last)
        #expect(summary["event"] as? String == "summary")
        #expect((summary["run"] as? String)?.isEmpty == false)
        #expect(summary["done"] as? Int == 5 && summary["cached"] as? Int == 0)
        #expect(summary["failed"] as? Int == 0 && summary["skipped"] as? Int == 0)
        #expect(events.count == 1 + 2 * items.count + 1, "\(run.stdout)")

        let again = try await parseEvents(try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root))
        #expect(again.filter { $0["event"] as? String == "started" }.isEmpty)
        let outcomes: [String?] = again.filter { $0["event"] as? String == "finished" }.map { $0["outcome"] as? String }
        #expect(outcomes == Array(repeating: "cached", count: 5))
        #expect(again.last?["cached"] as? Int == 5)
    }

    @Test func jsonEventsCarryTheErrorOfAFailedItemAndTheReasonOfSkippedOnes() async throws {
        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log).replacingOccurrences(
            of: #"tr a-z A-Z < "$1" > "$2/up.txt""#, with: #"[ "$3" = b.txt ] && { echo "no b" >&2; exit 5; }; tr a-z A-Z < "$1" > "$2/up.txt""#)
            .replacingOccurrences(of: "  upper:\n    uses: exec\n", with: "  upper:\n    uses: exec\n    on_error: skip\n"))
        let run = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root)
        #expect(run.status == 1)
        let finished = try await parseEvents(run).filter { $0["event"] as? String == "finished" }
        let failed = try #require(finished.first { $0["item"] as? String == "upper/b.txt" })
        #expect(failed["outcome"] as? String == "failed")
        #expect(failed["error"] as? String == "'sh' exited with status 5: no b")
        let skipped = try #require(finished.first { $0["item"] as? String == "double/b.txt" })
        #expect(skipped["outcome"] as? String == "skipped")
        #expect(skipped["reason"] as? String == "upstream upper/b.txt failed")
        let summary = try await #require(try parseEvents(run).last)
        #expect(summary["done"] as? Int == 2 && summary["failed"] as? Int == 1 && summary["skipped"] as? Int == 2)
        #expect(finished.first { $0["item"] as? String == "total/all" }?["reason"] as? String == "upstream double/b.txt not run")
    }

    @Test func statusPrintsOneLinePerItemWithTheErrorOfAFailedOne() async throws {
        let workspace = try await nestedWorkspace()
        defer { workspace.directory.remove() }
        let before = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(before.status == 0)
        #expect(before.lines == ["upper/a.txt pending", "upper/b.txt pending", "upper/sub/c.txt pending",
                                 "double/a.txt pending", "double/b.txt pending", "double/sub/c.txt pending", "total/all pending"])
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        // A second line of stderr in the error: status keeps one line per item.
        try workspace.write(pipeline: try String(contentsOf: workspace.root.appendingPathComponent("p.yaml"), encoding: .utf8)
            .replacingOccurrences(of: #"cat "$1/up.txt" "$1/up.txt""#,
                                  with: #"[ "$3" = b.txt ] && { printf "first\nsecond\n" >&2; exit 6; }; cat "$1/up.txt" "$1/up.txt""#)
            .replacingOccurrences(of: "  double:\n    uses: exec\n", with: "  double:\n    uses: exec\n    on_error: skip\n"))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 1)
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.status == 0)
        #expect(status.lines == [
            "upper/a.txt cached", "upper/b.txt cached", "upper/sub/c.txt cached",
            "double/a.txt done",
            "double/b.txt failed 'sh' exited with status 6: first | second" + (try workspace.attemptFolderSuffix("double/b.txt")),
            "double/sub/c.txt done",
            // The run gathered what succeeded and committed it: status says so (the next run
            // retries double/b.txt, and `total` runs again only if that changes what it gathers).
            "total/all done",
        ], "\(status.stdout)")
        let json = try await parseEvents(try await CLI.run(["status", "p.yaml", "--json"], in: workspace.root))
        let failed = try #require(json.first { $0["item"] as? String == "double/b.txt" })
        #expect(failed["stage"] as? String == "double" && failed["key"] as? String == "b.txt")
        #expect(failed["state"] as? String == "failed")
        #expect(failed["error"] as? String == "'sh' exited with status 6: first\nsecond")
        #expect(json.first { $0["item"] as? String == "total/all" }?["error"] == nil)
        #expect(try String(decoding: workspace.output("total/all/all.txt"), as: UTF8.self) == "APPLE\nAPPLE\nCHERRY\nCHERRY\n")
    }

    @Test func outputsPrintsAbsolutePathsUnderTheOutView() async throws {
        let workspace = try await nestedWorkspace()
        defer { workspace.directory.remove() }
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        let out = workspace.outDirectory.path
        let stage = try await CLI.run(["outputs", "p.yaml", "double"], in: workspace.root)
        #expect(stage.status == 0)
        #expect(stage.lines == ["\(out)/double/a.txt/double.txt", "\(out)/double/b.txt/double.txt",
                                "\(out)/double/sub/c.txt/double.txt"])
        #expect(try String(contentsOfFile: stage.lines[2], encoding: .utf8) == "CHERRY\nCHERRY\n")

        let item = try await CLI.run(["outputs", "p.yaml", "double/sub/c.txt", "--json"], in: workspace.root)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(item.stdout.utf8)) as? [[String: Any]])
        #expect(listed.count == 1)
        let content = Data("CHERRY\nCHERRY\n".utf8)
        #expect(listed.first?["item"] as? String == "double/sub/c.txt")
        #expect(listed.first?["path"] as? String == "\(out)/double/sub/c.txt/double.txt")
        #expect(listed.first?["size"] as? Int == content.count)
        #expect(listed.first?["digest"] as? String == sha256(content))

        let unknown = try await CLI.run(["outputs", "p.yaml", "dubble"], in: workspace.root)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean 'double'") || unknown.stderr.contains("'dubble' is not a stage"), "\(unknown.stderr)")
    }

    static let exitCases: [([String], Int32)] = [
        (["run", "p.yaml"], 0),
        (["run", "bad.yaml"], 2),
        (["validate", "p.yaml"], 0),
        (["validate", "bad.yaml"], 2),
        (["status", "bad.yaml"], 2),
        (["run", "p.yaml", "--jobs", "0"], 2),
        (["run", "p.yaml", "--bogus"], 2),
        (["run"], 2),
        (["run", "p.yaml", "--from", "nope"], 2),
        (["frobnicate"], 2),
        (["run", "fails.yaml"], 1),
        (["--help"], 0),
    ]

    @Test(arguments: exitCases)
    func exitCodesAreZeroOneOrTwo(arguments: [String], expected: Int32) async throws {
        let workspace = try Workspace(sources: Self.sources)
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        try Data("version: 1\nname: bad\nstages:\n  a:\n    uses: exec\n    wiht: {argv: [true]}\n".utf8)
            .write(to: workspace.root.appendingPathComponent("bad.yaml"))
        try Data("version: 1\nname: fails\nstages:\n  a:\n    uses: exec\n    with: {argv: [\"false\"]}\n".utf8)
            .write(to: workspace.root.appendingPathComponent("fails.yaml"))
        let result = try await CLI.run(arguments, in: workspace.root)
        #expect(result.status == expected, "\(arguments): \(result.stderr)")
        if expected == 2 { #expect(!result.stderr.isEmpty) }
    }
}
