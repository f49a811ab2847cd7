import Foundation
import Testing
import TestSupport

/// What the commands report must be true, read-only where they only look, and actionable where
/// something is wrong: `status` after skipped failures and failed `--force` attempts, one workdir
/// per pipeline, refused workdirs, and option mistakes.
@Suite(.serialized) struct CommandTruthTests {
    /// `check` (fails on b.txt, `on_error: skip`) then a gather over it.
    static func checkThenGather(log: URL) -> String {
        checkPipeline(log: log) + """

              count:
                uses: exec
                needs: [check]
                with:
                  gather: true
                  argv: [sh, -c, 'find -L "$0" -name ok.txt | wc -l > "$1/count.txt"', "${in.check}", "${out}"]
            """
    }

    @Test func statusShowsAGatherAfterSkippedFailuresAsItsRunLeftIt() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.checkThenGather(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 1)
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines.contains("count/all done"), "\(status.stdout)")
        #expect(status.lines.contains { $0.hasPrefix("check/b.txt failed") }, "\(status.stdout)")
    }

    @Test func statusShowsAFailedForcedAttemptAsFailed() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        let marker = workspace.root.appendingPathComponent("fail-now")
        try workspace.write(pipeline: """
            version: 1
            name: flaky
            stages:
              step:
                uses: exec
                foreach: "data/*.txt"
                with:
                  argv: [sh, -c, 'if [ -e "$0" ]; then echo broken >&2; exit 4; fi; cp "$1" "$2/x.txt"', "\(marker.path)", "${item.path}", "${out}"]
            """)
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        try Data().write(to: marker)
        #expect(try await CLI.run(["run", "p.yaml", "--force", "step"], in: workspace.root).status == 1)
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines.first?.hasPrefix("step/a.txt failed") == true, "\(status.stdout)")
    }

    @Test func lookingCommandsOnANewPipelineCreateNoWorkdir() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.lines.contains("upper/a.txt pending"), "\(status.stdout)")
        for command in [["runs", "p.yaml"], ["cache", "ls", "p.yaml"], ["why", "p.yaml", "upper"], ["outputs", "p.yaml", "upper"]] {
            let result = try await CLI.run(command, in: workspace.root)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate").path))
    }

    @Test func aSecondPipelineCannotTakeOverAnotherPipelinesWorkdir() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        try Data(threeStagePipeline(log: workspace.log).utf8).write(to: workspace.root.appendingPathComponent("q.yaml"))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()

        for command in [["run", "q.yaml"], ["cache", "gc", "q.yaml"], ["cache", "clear", "q.yaml"], ["status", "q.yaml"]] {
            let refused = try await CLI.run(command, in: workspace.root)
            #expect(refused.status == 2, "\(command)")
            #expect(refused.stderr.contains("holds the cache of p.yaml; q.yaml needs one of its own"), "\(refused.stderr)")
            #expect(refused.stderr.contains("workdir: .orchestrate-q"), "\(refused.stderr)")
        }
        // With a workdir of its own, q runs beside p, and p's cache is whole.
        try Data(("workdir: .orchestrate-q\n" + threeStagePipeline(log: workspace.log)).utf8)
            .write(to: workspace.root.appendingPathComponent("q.yaml"))
        #expect(try await CLI.run(["run", "q.yaml"], in: workspace.root).status == 0)
        #expect(try await CLI.run(["cache", "gc", "q.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        #expect(try workspace.takeExecutions().isEmpty, "p.yaml re-ran items")
    }

    @Test func aWorkdirHoldingTheUsersFilesIsRefused() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        // A folder of results the user keeps, with an out/ of their own.
        let userOut = workspace.root.appendingPathComponent("results/out")
        try FileManager.default.createDirectory(at: userOut, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: userOut.appendingPathComponent("keep.txt"))
        try workspace.write(pipeline: "workdir: results\n" + threeStagePipeline(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status != 0)
        #expect(run.stderr.contains("holds files that are not orchestrate's"), "\(run.stderr)")
        #expect(!run.stderr.contains("Code="), "\(run.stderr)")
        #expect(try Data(contentsOf: userOut.appendingPathComponent("keep.txt")) == Data("mine\n".utf8))

        try workspace.write(pipeline: "workdir: p.yaml\n" + threeStagePipeline(log: workspace.log))
        let file = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(file.stderr.contains("is a file; name a folder for `workdir:`"), "\(file.stderr)")
    }

    @Test func messagesNameTheProblemInsteadOfFoundationCodes() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let folder = try await CLI.run(["validate", "data"], in: workspace.root)
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("it is a folder"), "\(folder.stderr)")
        let device = try await CLI.run(["validate", "/dev/null"], in: workspace.root)
        #expect(device.stderr.contains("it is not a regular file"), "\(device.stderr)")

        let reversed = try await CLI.run(["run", "p.yaml", "--from", "total", "--until", "upper"], in: workspace.root)
        #expect(reversed.status == 2)
        #expect(reversed.stderr.contains("did you mean --from upper --until total?"), "\(reversed.stderr)")
        #expect(try workspace.executions().isEmpty)

        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        let cleared = try await CLI.run(["cache", "clear", "p.yaml"], in: workspace.root)
        #expect(cleared.lines.first?.hasPrefix("removed 3 entries") == true, "\(cleared.stdout)")
    }
}

/// The progress display on a real terminal (a pseudo-terminal from util-linux's `script`): bars
/// where they fit, plain lines on a narrow or `TERM=dumb` terminal.
@Suite(.serialized) struct ProgressDisplayTests {
    /// Runs `orchestrate run p.yaml` on a pseudo-terminal with `COLUMNS` and `TERM` set (the
    /// terminal has no size of its own, so `COLUMNS` is its width); returns what the terminal showed.
    static func terminalRun(columns: Int, term: String) async throws -> String {
        let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let command = "env COLUMNS=\(columns) TERM=\(term) '\(CLI.binary.path)' run p.yaml"
        let output = try await ChildProcess.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: workspace.root)
        #expect(output.status == 0, "\(output.stdoutText)")
        return output.stdoutText
    }

    @Test func aWideTerminalGetsBars() async throws {
        let screen = try await Self.terminalRun(columns: 100, term: "xterm")
        #expect(screen.contains("\u{1B}["), "no cursor control: \(screen)")
        #expect(screen.contains("[########################] 2/2"), "\(screen)")
    }

    @Test(arguments: [(32, "xterm"), (100, "dumb")])
    func aNarrowOrDumbTerminalGetsPlainLines(columns: Int, term: String) async throws {
        let screen = try await Self.terminalRun(columns: columns, term: term)
        #expect(!screen.contains("\u{1B}["), "cursor control on a \(columns)-column \(term) terminal: \(screen)")
        #expect(screen.contains("done upper/a.txt"), "\(screen)")
    }
}
