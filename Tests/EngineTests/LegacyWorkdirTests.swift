@testable import Engine
import ContentHash
import Foundation
import JSON
import Testing
import TestSupport

/// The cache's record types read what the release at 09579c1 wrote with raw SQL: its workdir as is
/// (``LegacyWorkdir``), and rows of the tables that run left empty, inserted with that release's
/// statements.
@Suite struct LegacyWorkdirTests {
    @Test func theRecordsReadEveryTableOfTheOldWorkdir() async throws {
        let directory = try TemporaryDirectory(prefix: "legacy-workdir")
        defer { directory.remove() }
        let workdir = try await LegacyWorkdir.make(in: directory.url)
        let store = try CacheStore(workdir: workdir)

        let runs = try store.items.runs()
        let run = try #require(runs.first)
        #expect(runs.count == 1)
        #expect(run.outcome == "succeeded" && run.finishedAt != nil && run.finishedAt! >= run.startedAt)
        #expect((run.ran, run.cached, run.failed) == (4, 0, 0))
        #expect(run.argv.dropFirst().elementsEqual(["run", "p.yaml"]))

        let items = try store.items.all()
        let expected = LegacyWorkdir.sources.keys.map { ItemID(stage: "upper", key: $0) } + [ItemID(stage: "total", key: "all")]
        #expect(Set(items.keys) == Set(expected))
        let entries = try store.entries.all()
        let index = try store.entries.index()
        #expect(entries.count == 4)
        for entry in entries {
            let item = try #require(items[entry.item])
            #expect(item.state == .done && item.ran && item.runID == run.id && item.cacheKey == entry.cacheKey)
            // The stored fields hash back to the key, and the outputs to the entry's digest.
            let fields = try #require(item.fields)
            #expect(fields.digest == entry.cacheKey && entry.fields == fields && fields.plugin == "exec")
            #expect(OutputFile.manifestDigest(entry.outputs) == entry.outputDigest)
            #expect(index[entry.cacheKey] == entry.outputDigest && index.damagedOutput(entry.cacheKey, in: store.objects) == nil)
            #expect(entry.receipts.isEmpty && entry.runID == run.id && entry.createdAt >= run.startedAt)
        }
        for (name, text) in LegacyWorkdir.sources {
            let entry = try #require(entries.first { $0.item == ItemID(stage: "upper", key: name) })
            let upper = Data(text.uppercased().utf8)
            #expect(entry.outputs == [OutputFile(path: "up.txt", digest: ContentHash.sha256(of: upper), size: Int64(upper.count))])
        }

        let memo = try store.statMemo.load()
        #expect(Set(memo.values.map(\.sha256)) == Set(LegacyWorkdir.sources.values.map { ContentHash.sha256(of: Data($0.utf8)) }))
        #expect(try store.items.claim(for: "p.yaml", readOnly: true) == nil)
        #expect(try store.items.claim(for: "other.yaml", readOnly: true) == "p.yaml")
        #expect(try store.entries.garbage().entries.isEmpty)
    }

    /// Leases, checkpoint units and receipts as 09579c1's `CacheStore` inserted them (its SQL,
    /// verbatim), read and updated through the records.
    @Test func theRecordsReadLeasesUnitsAndReceiptsAsTheOldStoreWroteThem() async throws {
        let directory = try TemporaryDirectory(prefix: "legacy-rows")
        defer { directory.remove() }
        let workdir = try await LegacyWorkdir.make(in: directory.url)
        let store = try CacheStore(workdir: workdir)
        let entry = try #require(try store.entries.all().first { $0.item.stage == "total" })
        let now = Date().timeIntervalSince1970
        let deadPID = Int32(Int32.max - 1)
        try await ChildProcess.checked("/usr/bin/sqlite3", [workdir.appendingPathComponent("orchestrate.sqlite").path, """
            INSERT INTO receipts(cache_key, seq, json) VALUES ('\(entry.cacheKey)', 0, '{"uploaded":"a"}');
            INSERT INTO receipts(cache_key, seq, json) VALUES ('\(entry.cacheKey)', 1, '{"uploaded":"b"}');
            INSERT OR REPLACE INTO leases(cache_key, run_id, pid, boot_id, heartbeat) VALUES ('k1', 'r1', \(deadPID), 'other-boot', \(now));
            UPDATE leases SET process_group = 4242, process_start = 17 WHERE cache_key = 'k1' AND run_id = 'r1';
            UPDATE leases SET cluster_job = '981' WHERE cache_key = 'k1' AND pid = \(deadPID) AND boot_id = 'other-boot';
            INSERT INTO checkpoints(cache_key, seq, cursor, created_at) VALUES ('k1', 0, 10, \(now));
            INSERT OR IGNORE INTO objects(digest, size) VALUES ('\(entry.outputs[0].digest)', \(entry.outputs[0].size));
            INSERT INTO checkpoint_files(cache_key, seq, path, digest) VALUES ('k1', 0, 'part.txt', '\(entry.outputs[0].digest)');
            INSERT INTO checkpoints(cache_key, seq, cursor, created_at) VALUES ('k1', 1, 25, \(now));
            INSERT INTO checkpoint_files(cache_key, seq, path, digest) VALUES ('k1', 1, 'gone.txt', 'no-such-object');
            """])

        #expect(try store.entries.entry(entry.cacheKey)?.receipts == [.object(["uploaded": .string("a")]), .object(["uploaded": .string("b")])])
        let units = try store.checkpoints.units("k1")
        #expect(units.map(\.sequence) == [0, 1] && units.map(\.cursor) == [10, 25])
        #expect(units.map(\.files) == [[OutputFile(path: "part.txt", digest: entry.outputs[0].digest, size: entry.outputs[0].size)],
                                       [OutputFile(path: "gone.txt", digest: "no-such-object", size: 0)]])
        #expect(try store.checkpoints.progress("k1")! == (units: 2, cursor: 25))
        #expect(try store.checkpoints.progress("k2") == nil)
        // The lease's owner is gone (another boot): its cluster job is taken once, its process
        // group is not this boot's to kill, and the lease is stale, so a run takes it over.
        #expect(try store.leases.takeOrphanedClusterJobs() == ["981"])
        #expect(try store.leases.takeOrphanedClusterJobs().isEmpty)
        #expect(try store.leases.killOrphans().isEmpty)
        #expect(try await store.leases.acquire("k1", runID: "r2") == .acquired)
        #expect(try await store.leases.acquire("k1", runID: "r3") == .heldElsewhere)
        #expect(try await store.leases.acquire(entry.cacheKey, runID: "r3") == .committed(outputDigest: entry.outputDigest))
        try await store.checkpoints.drop("k1")
        #expect(try store.checkpoints.units("k1").isEmpty)
    }
}
