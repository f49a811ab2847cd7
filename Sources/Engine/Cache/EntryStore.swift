import Foundation
import GRDB
import JSON

/// The committed cache entries (`cache_entries`, with their `entry_outputs` and `receipts`) and
/// the objects they hold (`objects`): what a run plans from and what it commits.
public struct EntryStore: Sendable {
    let database: CacheDatabase
    let objects: ObjectStore

    /// Every entry's output digest and objects: the in-memory index a run plans from.
    public func index() throws -> EntryIndex {
        try database.read("reading cache entries") { db in
            var index = EntryIndex()
            let digests = try Row.fetchCursor(db, EntryRecord.select { [$0.cacheKey, $0.outputDigest] })
            while let row = try digests.next() {
                index.digests[row[EntryRecord.Columns.cacheKey]] = row[EntryRecord.Columns.outputDigest]
            }
            let outputs = try EntryOutputRecord.fetchCursor(db)
            while let output = try outputs.next() {
                index.objects[output.cacheKey, default: []].append(output.file)
            }
            return index
        }
    }

    /// The entry with its outputs and receipts, or `nil`.
    public func entry(_ cacheKey: String) throws -> CacheEntry? {
        try database.read("reading cache entry \(cacheKey)") { db in
            try Self.fetchEntries(db, EntryRecord.filter { $0.cacheKey == cacheKey }).first
        }
    }

    /// Entries, optionally of one stage, oldest first.
    public func all(stage: String? = nil) throws -> [CacheEntry] {
        try database.read("listing cache entries") { db in
            let all = EntryRecord.all()
            return try Self.fetchEntries(db, stage.map { stage in all.filter { $0.stage == stage } } ?? all)
        }
    }

    /// Entries with an output file called `name` (at any depth), oldest first.
    public func all(withOutputNamed name: String) throws -> [CacheEntry] {
        try database.read("listing cache entries with '\(name)'") { db in
            let keys = EntryOutputRecord
                .filter { $0.path == name || $0.path.like("%/" + name) }
                .select(\.cacheKey, as: String.self)
            return try Self.fetchEntries(db, EntryRecord.filter { keys.contains($0.cacheKey) })
        }
    }

    /// Three queries whatever the number of entries (`cache ls`, `outputs` and `status` list
    /// thousands): the entries, then all their outputs, then all their receipts. Not
    /// `including(all:)`: its prefetch binds every entry's key as an argument, and SQLite refuses
    /// more than 32,766 of them; a subquery (`cache_key IN (SELECT …)`) has no such limit.
    private static func fetchEntries(_ db: Database, _ selection: QueryInterfaceRequest<EntryRecord>) throws -> [CacheEntry] {
        let records = try selection.order(\.createdAt).fetchAll(db)
        let keys = EntryRecord.keys(of: selection)
        let outputRows = EntryOutputRecord.filter { keys.contains($0.cacheKey) }.order { [$0.cacheKey, $0.path] }
        var outputs: [String: [OutputFile]] = [:]
        for output in try outputRows.fetchAll(db) {
            outputs[output.cacheKey, default: []].append(output.file)
        }
        let receiptRows = ReceiptRecord.filter { keys.contains($0.cacheKey) }.order { [$0.cacheKey, $0.sequence] }
        var receipts: [String: [JSONValue]] = [:]
        for receipt in try receiptRows.fetchAll(db) {
            if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(receipt.json.utf8)) {
                receipts[receipt.cacheKey, default: []].append(value)
            }
        }
        return records.map { CacheEntry($0, outputs: outputs[$0.cacheKey] ?? [], receipts: receipts[$0.cacheKey] ?? []) }
    }

    /// Commits a successful attempt: objects, cache entry, outputs, receipts and item status in
    /// ONE transaction, and releases the item's lease. The objects must already be in the store.
    public func commit(_ commit: ItemCommit) async throws {
        let now = Date()
        let fieldsJSON = commit.fields.canonicalJSON
        let entry = EntryRecord(
            cacheKey: commit.cacheKey, stage: commit.item.stage, itemKey: commit.item.key,
            plugin: commit.fields.plugin, version: commit.fields.version, fields: fieldsJSON,
            outputDigest: commit.outputDigest, runID: commit.runID, createdAt: now, lastHitAt: now)
        let receipts = commit.receipts.enumerated().map { index, receipt in
            ReceiptRecord(cacheKey: commit.cacheKey, sequence: index, json: CanonicalJSON.string(receipt))
        }
        let item = ItemRecord(id: commit.item, state: .done, cacheKey: commit.cacheKey, fieldsJSON: fieldsJSON,
                              runID: commit.runID, ran: true, updatedAt: now)
        try await database.write("committing \(commit.item)") { db in
            for file in commit.outputs { try ObjectRecord.insertIfMissing(file, db) }
            try EntryOutputRecord.filter { $0.cacheKey == commit.cacheKey }.deleteAll(db)
            try ReceiptRecord.filter { $0.cacheKey == commit.cacheKey }.deleteAll(db)
            try entry.insert(db, onConflict: .replace)
            for file in commit.outputs { try EntryOutputRecord(cacheKey: commit.cacheKey, file: file).insert(db) }
            for receipt in receipts { try receipt.insert(db) }
            try item.insert(db, onConflict: .replace)
            // The entry supersedes the attempt's progress units: a later `--force` of the key
            // must compute again, not resume (their objects go at the next `cache gc`).
            try CheckpointRecord.deleteAll(of: commit.cacheKey, db)
            try LeaseRecord.held(on: commit.cacheKey, by: commit.runID).deleteAll(db)
        }
    }
}
