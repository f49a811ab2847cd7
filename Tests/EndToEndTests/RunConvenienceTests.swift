import Foundation
import Testing
import TestSupport

/// The live display shows progress inside a running item, on a real pseudo-terminal (util-linux's
/// `script`), tidy at 80 and at 50 columns.
@Suite(.serialized) struct ItemProgressDisplayTests {
    /// One item of an external plugin that reports 12 frames, a quarter of a second apart.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace(sources: ["clip.txt": "x\n"])
        let folder = workspace.root.appendingPathComponent("plugins/slow-frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("id: slow-frames\nversion: \"1\"\nsummary: Reports frames slowly.\nargv: [./run.sh]\n".utf8)
            .write(to: folder.appendingPathComponent("plugin.yaml"))
        let program = folder.appendingPathComponent("run.sh")
        try Data("""
            #!/bin/sh
            cat > /dev/null
            i=0
            while [ $i -lt 12 ]; do
              sleep 0.25
              i=$((i + 1))
              echo "{\\"progress\\": {\\"completed\\": $i, \\"total\\": 12, \\"unit\\": \\"frames\\"}}"
            done
            echo '{"outputs": []}'

            """.utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        try workspace.write(pipeline: """
            version: 1
            name: progress
            stages:
              frames:
                uses: slow-frames
                foreach: "data/*.txt"

            """)
        return workspace
    }

    /// What the terminal showed, line by line, with the cursor controls taken out.
    static func terminalRun(columns: Int) async throws -> [String] {
        let workspace = try Self.workspace()
        defer { workspace.directory.remove() }
        let command = "env COLUMNS=\(columns) LINES=24 TERM=xterm '\(CLI.binary.path)' run p.yaml"
        let output = try await ChildProcess.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: workspace.root)
        #expect(output.status == 0, "\(output.stdoutText)")
        let plain = output.stdoutText
            .replacingOccurrences(of: "\u{1B}\\[[0-9]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "")
        return plain.split(separator: "\n").map(String.init)
    }

    @Test(arguments: [80, 50])
    func aFrameCounterMovesForASingleLongItem(columns: Int) async throws {
        let lines = try await Self.terminalRun(columns: columns)
        let counters = Set(lines.compactMap { line -> Int? in
            guard line.hasPrefix("  clip.txt  "), let range = line.range(of: #"[0-9]+/12 frames"#, options: .regularExpression) else { return nil }
            return Int(line[range].prefix { $0 != "/" })
        })
        #expect(counters.count >= 3, "the frame counter did not move: \(lines)")
        #expect(counters.allSatisfy { (1...12).contains($0) }, "\(counters)")
        #expect(lines.contains { $0.hasPrefix("  clip.txt  ") && $0.contains(" left") }, "no time left shown: \(lines)")
        // The live lines (the summary after them is plain text, which may wrap).
        for line in lines where line.hasPrefix("frames [") || line.hasPrefix("  clip.txt") {
            #expect(line.count < columns, "wider than the \(columns)-column terminal: '\(line)'")
        }
    }
}

/// The small conveniences of the command line: `--version`, `-n`, where the outputs are, what
/// `cache gc` would remove, a workdir that cannot be made, the outputs' URLs.
@Suite(.serialized) struct RunConvenienceTests {
    @Test func versionAndShortDryRun() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let version = try await CLI.run(["--version"], in: workspace.root)
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")

        let short = try await CLI.run(["run", "p.yaml", "-n"], in: workspace.root)
        let long = try await CLI.run(["run", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(short.status == 0 && short.stdout == long.stdout)
        #expect(short.lines.contains("upper/a.txt to-run (never run)"), "\(short.stdout)")
        #expect(try workspace.executions().isEmpty)
    }

    @Test func runEndsWithWhereTheFinalOutputsAre() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 0, "\(run.stderr)")
        let view = workspace.outDirectory.appendingPathComponent("total/all").standardizedFileURL.path
        #expect(run.stderr.contains("outputs:\n  total: \(view)/ (all.txt)"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: view + "/all.txt"))
        // Only the final stage: `upper` and `double` feed it.
        #expect(!run.stderr.contains("  upper: "), "\(run.stderr)")
    }

    @Test func cacheGCDryRunListsExactlyWhatGCRemoves() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        try Data("changed\n".utf8).write(to: workspace.root.appendingPathComponent("data/a.txt"))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)

        let preview = try await CLI.run(["cache", "gc", "p.yaml", "--dry-run"], in: workspace.root)
        #expect(preview.status == 0, "\(preview.stderr)")
        let entries = preview.lines.filter { $0.hasPrefix("entry ") }
        let objects = preview.lines.filter { $0.hasPrefix("object ") }
        #expect(entries.map { $0.split(separator: " ")[1] } == ["double/a.txt", "total/all", "upper/a.txt"], "\(preview.stdout)")
        #expect(!objects.isEmpty)
        for line in objects {
            let digest = String(line.split(separator: " ")[1])
            #expect(FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate/objects/\(digest.prefix(2))/\(digest)").path))
        }
        let summary = "\(entries.count) entries, \(objects.count) objects"
        #expect(preview.lines.last?.hasPrefix("would remove \(summary)") == true, "\(preview.stdout)")
        #expect(try await CLI.run(["cache", "gc", "p.yaml", "-n"], in: workspace.root).stdout == preview.stdout)

        let collected = try await CLI.run(["cache", "gc", "p.yaml"], in: workspace.root)
        #expect(collected.stdout.hasPrefix("removed \(summary)"), "\(collected.stdout)")
        for line in objects {
            let digest = String(line.split(separator: " ")[1])
            #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate/objects/\(digest.prefix(2))/\(digest)").path))
        }
        #expect(try await CLI.run(["cache", "gc", "p.yaml", "--dry-run"], in: workspace.root).stdout == "would remove 0 entries, 0 objects, 0 bytes\n")
    }

    @Test(arguments: ["/proc/orchestrate-workdir", "/dev/null/workdir"])
    func aWorkdirThatCannotBeMadeIsOnePlainSentence(workdir: String) async throws {
        let workspace = try Workspace(sources: ["a.txt": "a\n"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: "workdir: \(workdir)\n" + threeStagePipeline(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("error: cannot create the workdir '\(workdir)': "), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("Code="), "\(run.stderr)")
        #expect(try workspace.executions().isEmpty)
    }
}
