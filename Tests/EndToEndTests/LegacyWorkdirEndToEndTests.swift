import Foundation
import Testing
import TestSupport

/// A workdir written by the release at 09579c1 (``LegacyWorkdir``), run by this build.
@Suite struct LegacyWorkdirEndToEndTests {
    @Test func aWorkdirOfTheOldReleaseResumesAndRerunsNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-legacy")
        defer { directory.remove() }
        let workdir = try await LegacyWorkdir.make(in: directory.url)
        let database = workdir.appendingPathComponent("orchestrate.sqlite")
        let log = directory.url.appendingPathComponent("executions.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let itemsBefore = try await sqlite3(database, "SELECT stage, item_key, cache_key, run_id FROM items ORDER BY stage, item_key")
        let entriesBefore = try await sqlite3(database, "SELECT cache_key, output_digest FROM cache_entries ORDER BY cache_key")

        let run = try await CLI.run(["run", "p.yaml"], in: directory.url, environment: ["EXECUTION_LOG": log.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOf: log, encoding: .utf8).isEmpty, "an item ran again")
        // The items still point at the old run's entries; the new run found all four cached.
        #expect(try await sqlite3(database, "SELECT stage, item_key, cache_key, run_id FROM items ORDER BY stage, item_key") == itemsBefore)
        #expect(try await sqlite3(database, "SELECT cache_key, output_digest FROM cache_entries ORDER BY cache_key") == entriesBefore)
        #expect(try await sqlite3(database, "SELECT ran, cached, failed, outcome FROM runs ORDER BY started_at DESC LIMIT 1")
            == "0|4|0|succeeded\n")

        // The views, rebuilt from the old objects, hold what the old run computed.
        let out = workdir.appendingPathComponent("out", isDirectory: true)
        var all = ""
        for (name, text) in LegacyWorkdir.sources.sorted(by: { $0.key < $1.key }) {
            #expect(try String(contentsOf: out.appendingPathComponent("upper/\(name)/up.txt"), encoding: .utf8) == text.uppercased())
            all += text.uppercased()
        }
        #expect(try String(contentsOf: out.appendingPathComponent("total/all/all.txt"), encoding: .utf8) == all)

        let status = try await CLI.run(["status", "p.yaml"], in: directory.url)
        #expect(status.status == 0, "\(status.stderr)")
        let listing = try await CLI.run(["cache", "ls", "p.yaml"], in: directory.url)
        for key in entriesBefore.split(separator: "\n").map({ String($0.prefix(while: { $0 != "|" }).prefix(12)) }) {
            #expect(listing.stdout.contains(key), "cache ls lists no entry \(key)…")
        }
    }
}
