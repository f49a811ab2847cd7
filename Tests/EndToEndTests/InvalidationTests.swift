import Foundation
import Testing
import TestSupport

@Suite struct InvalidationTests {
    func pipeline(_ log: URL, letter: String, firstExtra: String = "v1") -> String {
        """
        version: 1
        name: invalidation
        params:
          letter: \(letter)
        stages:
          copy:
            uses: exec
            foreach: "data/*.txt"
            with:
              argv: [sh, -c, 'echo "copy $3" >> "$0"; cp "$1" "$2/copy.txt"', "\(log.path)", "${item.path}", "${out}", "${item.name}", "\(firstExtra)"]
          mask:
            uses: exec
            needs: [copy]
            with:
              argv: [sh, -c, 'echo "mask $3" >> "$0"; sed "s/$4/X/g" "$1/copy.txt" > "$2/masked.txt"', "\(log.path)", "${in.copy}", "${out}", "${item.name}", "${params.letter}"]
          count:
            uses: exec
            needs: [mask]
            with:
              argv: [sh, -c, 'echo "count $3" >> "$0"; wc -c < "$1/masked.txt" > "$2/count.txt"', "\(log.path)", "${in.mask}", "${out}", "${item.name}"]
        """
    }

    @Test func changesRerunOnlyWhatTheyAffect() async throws {
        let workspace = try Workspace(sources: ["a.txt": "apple", "b.txt": "banana", "c.txt": "cherry"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: pipeline(workspace.log, letter: "p"))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        #expect(try workspace.executions().count == 9)

        // A middle-stage parameter: all of `mask` re-runs; `count` only where masked.txt changed.
        try Data().write(to: workspace.log)
        try workspace.write(pipeline: pipeline(workspace.log, letter: "r"))
        let why = try await CLI.run(["why", "p.yaml", "mask/b.txt"], in: workspace.root)
        #expect(why.stdout.contains("params.argv:"), "\(why.stdout)\(why.stderr)")
        #expect(why.stdout.contains("\"p\"] → ") && why.stdout.contains("\"r\"]"), "\(why.stdout)")
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        // apple→aXXle? no: "p" masked before, "r" now: apple changes, banana does not, cherry changes.
        #expect(Set(try workspace.executions()) == ["mask a.txt", "mask b.txt", "mask c.txt", "count a.txt", "count c.txt"])

        // Touching a source without changing its bytes re-runs nothing.
        try Data().write(to: workspace.log)
        let source = workspace.root.appendingPathComponent("data/a.txt")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: source.path)
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        #expect(try workspace.executions().isEmpty)

        // An upstream re-run that yields identical bytes re-runs nothing downstream.
        try workspace.write(pipeline: pipeline(workspace.log, letter: "r", firstExtra: "v2"))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        #expect(Set(try workspace.executions()) == ["copy a.txt", "copy b.txt", "copy c.txt"])
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines.contains("copy/a.txt done") && status.lines.contains("count/a.txt cached"), "\(status.stdout)")
    }

    @Test func skippedFailureCompletesTheRestAndIsRetriedAlone() async throws {
        let workspace = try Workspace(sources: ["a.txt": "a", "b.txt": "b", "c.txt": "c"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: checkPipeline(log: workspace.log))
        let first = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(first.status == 1)
        #expect(first.stderr.contains("check/b.txt"), "\(first.stderr)")
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(status.lines == [
            "check/a.txt done",
            "check/b.txt failed 'sh' exited with status 3: corrupt input b.txt" + (try workspace.attemptFolderSuffix("check/b.txt")),
            "check/c.txt done",
        ])
        try Data().write(to: workspace.log)
        let second = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(second.status == 1)
        #expect(try workspace.executions() == ["check b.txt"])
        let outputs = try await CLI.run(["outputs", "p.yaml", "check"], in: workspace.root)
        let base = workspace.root.appendingPathComponent(".orchestrate/out").path
        #expect(outputs.lines == ["\(base)/check/a.txt/ok.txt", "\(base)/check/c.txt/ok.txt"])
    }
}
