import Foundation
import GRDB
import JSON
import PluginAPI

extension CacheStore {
    static func decodeFields(_ text: String?) -> CacheKeyFields? {
        guard let text, let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return nil  // A row written by a newer schema: treated as "no previous key".
        }
        return try? CacheKeyFields(json: json)
    }

    private static func itemRecord(_ row: Row) -> ItemRecord {
        ItemRecord(
            id: ItemID(stage: row["stage"], key: row["item_key"]),
            state: ItemRecord.State(rawValue: row["state"]) ?? .failed,
            cacheKey: row["cache_key"], fieldsJSON: row["fields"], error: row["error"],
            runID: row["run_id"], ran: row["ran"], updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    /// Every item row, by item.
    public func items() throws -> [ItemID: ItemRecord] {
        try wrap("reading items") {
            try pool.read { db in
                var records: [ItemID: ItemRecord] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM items") {
                    let record = Self.itemRecord(row)
                    records[record.id] = record
                }
                return records
            }
        }
    }

    /// Every entry's output digest and objects: the in-memory index a run plans from.
    public func entryIndex() throws -> EntryIndex {
        try wrap("reading cache entries") {
            try pool.read { db in
                var index = EntryIndex()
                for row in try Row.fetchAll(db, sql: "SELECT cache_key, output_digest FROM cache_entries") {
                    index.digests[row[0]] = row[1]
                }
                for row in try Row.fetchAll(db, sql: "SELECT cache_key, path, digest, size FROM entry_outputs") {
                    index.objects[row[0], default: []].append(OutputFile(path: row[1], digest: row[2], size: row[3]))
                }
                return index
            }
        }
    }

    /// The entry with its outputs and receipts, or `nil`.
    public func entry(_ cacheKey: String) throws -> CacheEntry? {
        try wrap("reading cache entry \(cacheKey)") {
            try pool.read { db in try Self.fetchEntries(db, whereSQL: "cache_key = ?", arguments: [cacheKey]).first }
        }
    }

    /// Entries, optionally of one stage, oldest first.
    public func entries(stage: String? = nil) throws -> [CacheEntry] {
        try wrap("listing cache entries") {
            try pool.read { db in
                if let stage { return try Self.fetchEntries(db, whereSQL: "stage = ?", arguments: [stage]) }
                return try Self.fetchEntries(db, whereSQL: "1", arguments: [])
            }
        }
    }

    /// Entries with an output file called `name` (at any depth), oldest first.
    public func entries(withOutputNamed name: String) throws -> [CacheEntry] {
        try wrap("listing cache entries with '\(name)'") {
            try pool.read { db in
                try Self.fetchEntries(
                    db, whereSQL: "cache_key IN (SELECT cache_key FROM entry_outputs WHERE path = ? OR path LIKE ?)",
                    arguments: [name, "%/" + name])
            }
        }
    }

    /// Three queries whatever the number of entries (`cache ls`, `outputs` and `status` list
    /// thousands): the entries, then all their outputs, then all their receipts.
    private static func fetchEntries(_ db: Database, whereSQL: String, arguments: StatementArguments) throws -> [CacheEntry] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM cache_entries WHERE \(whereSQL) ORDER BY created_at", arguments: arguments)
        let selected = "SELECT cache_key FROM cache_entries WHERE \(whereSQL)"
        var outputs: [String: [OutputFile]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT cache_key, path, digest, size FROM entry_outputs WHERE cache_key IN (\(selected)) ORDER BY cache_key, path", arguments: arguments) {
            outputs[row[0], default: []].append(OutputFile(path: row[1], digest: row[2], size: row[3]))
        }
        var receipts: [String: [JSONValue]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT cache_key, json FROM receipts WHERE cache_key IN (\(selected)) ORDER BY cache_key, seq", arguments: arguments) {
            let text: String = row[1]
            if let receipt = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { receipts[row[0], default: []].append(receipt) }
        }
        return rows.map { row in
            let key: String = row["cache_key"]
            return CacheEntry(
                cacheKey: key, item: ItemID(stage: row["stage"], key: row["item_key"]),
                plugin: row["plugin"], version: row["version"], fieldsJSON: row["fields"],
                outputDigest: row["output_digest"], runID: row["run_id"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                lastHitAt: Date(timeIntervalSince1970: row["last_hit_at"]),
                outputs: outputs[key] ?? [], receipts: receipts[key] ?? [])
        }
    }

    /// Commits a successful attempt: objects, cache entry, outputs, receipts and item status in
    /// ONE transaction, and releases the item's lease. The objects must already be in the store.
    public func commit(_ commit: ItemCommit) async throws {
        let now = Date().timeIntervalSince1970
        let fieldsJSON = commit.fields.canonicalJSON
        let receiptTexts = commit.receipts.map(CanonicalJSON.string)
        try await wrap("committing \(commit.item)") {
            try await pool.write { db in
                for file in commit.outputs {
                    try db.execute(sql: "INSERT OR IGNORE INTO objects(digest, size) VALUES (?, ?)",
                                   arguments: [file.digest, file.size])
                }
                try db.execute(sql: "DELETE FROM entry_outputs WHERE cache_key = ?", arguments: [commit.cacheKey])
                try db.execute(sql: "DELETE FROM receipts WHERE cache_key = ?", arguments: [commit.cacheKey])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO cache_entries
                      (cache_key, stage, item_key, plugin, version, fields, output_digest, run_id, created_at, last_hit_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    """, arguments: [commit.cacheKey, commit.item.stage, commit.item.key, commit.fields.plugin,
                                     commit.fields.version, fieldsJSON, commit.outputDigest, commit.runID, now, now])
                for file in commit.outputs {
                    try db.execute(sql: "INSERT INTO entry_outputs(cache_key, path, digest, size) VALUES (?,?,?,?)",
                                   arguments: [commit.cacheKey, file.path, file.digest, file.size])
                }
                for (index, text) in receiptTexts.enumerated() {
                    try db.execute(sql: "INSERT INTO receipts(cache_key, seq, json) VALUES (?,?,?)",
                                   arguments: [commit.cacheKey, index, text])
                }
                try Self.upsertItem(db, item: commit.item, state: .done, cacheKey: commit.cacheKey,
                                    fieldsJSON: fieldsJSON, error: nil, runID: commit.runID, ran: true, now: now)
                // The entry supersedes the attempt's progress units: a later `--force` of the key
                // must compute again, not resume (their objects go at the next `cache gc`).
                try Self.deleteCheckpoints(db, cacheKey: commit.cacheKey)
                try db.execute(sql: "DELETE FROM leases WHERE cache_key = ? AND run_id = ?",
                               arguments: [commit.cacheKey, commit.runID])
            }
        }
    }

    /// Records a final failure: item status only, never a cache entry.
    public func recordFailure(item: ItemID, cacheKey: String, fields: CacheKeyFields, error: String, runID: String) async throws {
        let now = Date().timeIntervalSince1970
        let fieldsJSON = fields.canonicalJSON
        try await wrap("recording the failure of \(item)") {
            try await pool.write { db in
                try Self.upsertItem(db, item: item, state: .failed, cacheKey: cacheKey, fieldsJSON: fieldsJSON,
                                    error: error, runID: runID, ran: true, now: now)
                try db.execute(sql: "DELETE FROM leases WHERE cache_key = ? AND run_id = ?", arguments: [cacheKey, runID])
            }
        }
    }

    /// Points items at the cache entries they now resolve to (a hit on another key than last time).
    public func recordHits(_ hits: [(item: ItemID, cacheKey: String, fields: CacheKeyFields)], runID: String) async throws {
        guard !hits.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        let rows = hits.map { ($0.item, $0.cacheKey, $0.fields.canonicalJSON) }
        try await wrap("recording cache hits") {
            try await pool.write { db in
                for (item, key, fieldsJSON) in rows {
                    try Self.upsertItem(db, item: item, state: .done, cacheKey: key, fieldsJSON: fieldsJSON,
                                        error: nil, runID: runID, ran: false, now: now)
                    try db.execute(sql: "UPDATE cache_entries SET last_hit_at = ? WHERE cache_key = ?", arguments: [now, key])
                }
            }
        }
    }

    private static func upsertItem(
        _ db: Database, item: ItemID, state: ItemRecord.State, cacheKey: String, fieldsJSON: String,
        error: String?, runID: String, ran: Bool, now: Double
    ) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO items(stage, item_key, state, cache_key, fields, error, run_id, ran, updated_at)
            VALUES (?,?,?,?,?,?,?,?,?)
            """, arguments: [item.stage, item.key, state.rawValue, cacheKey, fieldsJSON, error, runID, ran, now])
    }
}
