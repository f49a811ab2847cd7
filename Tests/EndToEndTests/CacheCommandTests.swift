import Foundation
import Testing
import TestSupport

/// `orchestrate cache ls|show|verify|gc|clear` on the three-stage exec pipeline.
@Suite struct CacheCommandTests {
    static let sources = ["a.txt": "apple\n", "b.txt": "banana\n"]

    /// A workspace whose pipeline has run once.
    private func ranWorkspace() async throws -> Workspace {
        let workspace = try Workspace(sources: Self.sources)
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 0, "\(run.stderr)")
        _ = try workspace.takeExecutions()
        return workspace
    }

    private func objectFiles(_ workspace: Workspace) async throws -> Set<String> {
        let objects = workspace.root.appendingPathComponent(".orchestrate/objects")
        var names = Set<String>()
        for folder in try FileManager.default.contentsOfDirectory(atPath: objects.path) {
            for name in try FileManager.default.contentsOfDirectory(atPath: objects.appendingPathComponent(folder).path) {
                names.insert(name)
            }
        }
        return names
    }

    @Test func lsListsEveryEntryAndMarksSupersededOnes() async throws {
        let workspace = try await ranWorkspace()
        defer { workspace.directory.remove() }
        let listing = try await CLI.run(["cache", "ls", "p.yaml"], in: workspace.root)
        #expect(listing.status == 0)
        #expect(listing.lines.count == 5, "\(listing.stdout)")
        let upper = listing.lines.filter { $0.hasPrefix("upper/a.txt  ") }
        #expect(upper.count == 1)
        // ITEM  KEY(16 hex)  N files  BYTES bytes  ISO-8601 time
        let fields = upper.first?.components(separatedBy: "  ") ?? []
        #expect(fields.count == 5, "\(upper)")
        #expect(fields.dropFirst().first?.count == 16)
        #expect(fields.dropFirst(2).first == "1 files")
        #expect(fields.dropFirst(3).first == "6 bytes")  // "APPLE\n"
        #expect(!listing.stdout.contains("(superseded)"))

        // A changed `double` command writes other bytes: its old entries are superseded.
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log).replacingOccurrences(
            of: #"cat "$1/up.txt" "$1/up.txt""#, with: #"cat "$1/up.txt" "$1/up.txt" "$1/up.txt""#))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        let stage = try await CLI.run(["cache", "ls", "p.yaml", "double"], in: workspace.root)
        #expect(stage.lines.count == 4, "\(stage.stdout)")
        #expect(stage.lines.allSatisfy { $0.hasPrefix("double/") })
        #expect(stage.lines.filter { $0.hasSuffix("  (superseded)") }.count == 2, "\(stage.stdout)")
    }

    @Test func showPrintsAnEntrysKeyFieldsAndOutputs() async throws {
        let workspace = try await ranWorkspace()
        defer { workspace.directory.remove() }
        let show = try await CLI.run(["cache", "show", "p.yaml", "double/b.txt"], in: workspace.root)
        #expect(show.status == 0, "\(show.stderr)")
        let content = "BANANA\nBANANA\n"
        #expect(show.lines.first == "item double/b.txt")
        #expect(show.lines.contains("plugin exec 1"))
        #expect(show.lines.contains("  item = b.txt"), "\(show.stdout)")
        #expect(show.lines.contains { $0.hasPrefix("  inputs.upper/b.txt = ") }, "\(show.stdout)")
        #expect(show.lines.contains("outputs:"))
        #expect(show.lines.last == "  double.txt  \(content.utf8.count) bytes  \(sha256(content))", "\(show.stdout)")

        // The same entry by a prefix of its key.
        let key = try #require(show.lines.first { $0.hasPrefix("key ") }?.dropFirst(4))
        let byKey = try await CLI.run(["cache", "show", "p.yaml", String(key.prefix(10))], in: workspace.root)
        #expect(byKey.stdout == show.stdout)
        let missing = try await CLI.run(["cache", "show", "p.yaml", "double/zzz.txt"], in: workspace.root)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: no cache entry for 'double/zzz.txt'\n")
    }

    @Test func verifyDropsTheEntryOfACorruptedObjectAndOnlyItsItemRunsAgain() async throws {
        let workspace = try await ranWorkspace()
        defer { workspace.directory.remove() }
        let intact = try await CLI.run(["cache", "verify", "p.yaml"], in: workspace.root)
        #expect(intact.status == 0)
        #expect(intact.lines == ["all objects intact"])

        let digest = sha256("APPLE\n")
        let object = workspace.root.appendingPathComponent(".orchestrate/objects/\(digest.prefix(2))/\(digest)")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: object.path)
        try Data("APPLF\n".utf8).write(to: object)
        let damaged = try await CLI.run(["cache", "verify", "p.yaml"], in: workspace.root)
        #expect(damaged.status == 1)
        #expect(damaged.lines == ["damaged \(digest): upper/a.txt", "1 damaged objects; their items will run again"])

        let rerun = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        // The item recomputes identical bytes: nothing downstream runs again.
        #expect(try workspace.takeExecutions() == ["upper a.txt"])
        #expect(try workspace.output("upper/a.txt/up.txt") == Data("APPLE\n".utf8))
        #expect(try await CLI.run(["cache", "verify", "p.yaml"], in: workspace.root).lines == ["all objects intact"])
    }

    @Test func gcRemovesSupersededEntriesAndOnlyUnreferencedObjects() async throws {
        let workspace = try await ranWorkspace()
        defer { workspace.directory.remove() }
        let nothing = try await CLI.run(["cache", "gc", "p.yaml"], in: workspace.root)
        #expect(nothing.lines == ["removed 0 entries, 0 objects, 0 bytes"])
        let before = try await objectFiles(workspace)
        #expect(before.count == 5)

        // `double` now writes three copies: its two old outputs become unreferenced.
        try workspace.write(pipeline: threeStagePipeline(log: workspace.log).replacingOccurrences(
            of: #"cat "$1/up.txt" "$1/up.txt""#, with: #"cat "$1/up.txt" "$1/up.txt" "$1/up.txt""#))
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        _ = try workspace.takeExecutions()
        let old = [sha256("APPLE\nAPPLE\n"), sha256("BANANA\nBANANA\n"), sha256("APPLE\nAPPLE\nBANANA\nBANANA\n")]
        let gc = try await CLI.run(["cache", "gc", "p.yaml"], in: workspace.root)
        #expect(gc.status == 0)
        #expect(gc.lines == ["removed 3 entries, 3 objects, \(12 + 14 + 26) bytes"], "\(gc.stdout)")
        let after = try await objectFiles(workspace)
        #expect(after.isDisjoint(with: old))
        #expect(after.isSuperset(of: before.subtracting(old)))
        #expect(after.count == 5)
        // Everything current is still intact and cached.
        #expect(try await CLI.run(["cache", "verify", "p.yaml"], in: workspace.root).status == 0)
        #expect(try await CLI.run(["run", "p.yaml"], in: workspace.root).status == 0)
        #expect(try workspace.takeExecutions().isEmpty)
    }

    @Test func clearOfOneStageRerunsOnlyThatStage() async throws {
        let workspace = try await ranWorkspace()
        defer { workspace.directory.remove() }
        let clear = try await CLI.run(["cache", "clear", "p.yaml", "double"], in: workspace.root)
        #expect(clear.status == 0)
        #expect(clear.lines == ["removed 2 entries, 2 objects, 26 bytes"], "\(clear.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.outDirectory.appendingPathComponent("double").path))
        let status = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        // `total` reads `double`'s outputs: until they exist again its key is unknown.
        #expect(status.lines == ["upper/a.txt done", "upper/b.txt done", "double/a.txt pending",
                                 "double/b.txt pending", "total/all pending"], "\(status.stdout)")

        let rerun = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Set(try workspace.takeExecutions()) == ["double a.txt", "double b.txt"])
        #expect(try workspace.output("double/b.txt/double.txt") == Data("BANANA\nBANANA\n".utf8))
        let after = try await CLI.run(["status", "p.yaml"], in: workspace.root)
        #expect(after.lines.last == "total/all cached", "\(after.stdout)")

        let unknown = try await CLI.run(["cache", "clear", "p.yaml", "dubble"], in: workspace.root)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("'dubble' is not a stage of p.yaml"), "\(unknown.stderr)")
    }
}
