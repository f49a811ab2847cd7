import Foundation
import GRDB

/// Each item's last state (`items`), the runs that produced them (`runs`) and the pipeline the
/// workdir belongs to (`owner`).
public struct ItemStore: Sendable {
    let database: CacheDatabase

    /// Every item's record, by item.
    public func all() throws -> [ItemID: ItemRecord] {
        try database.read("reading items") { db in
            var records: [ItemID: ItemRecord] = [:]
            let cursor = try ItemRecord.fetchCursor(db)
            while let record = try cursor.next() { records[record.id] = record }
            return records
        }
    }

    /// Records a final failure: item status only, never a cache entry.
    public func recordFailure(item: ItemID, cacheKey: String, fields: CacheKeyFields, error: String, runID: String) async throws {
        let record = ItemRecord(id: item, state: .failed, cacheKey: cacheKey, fieldsJSON: fields.canonicalJSON,
                                error: error, runID: runID, ran: true, updatedAt: Date())
        try await database.write("recording the failure of \(item)") { db in
            try record.insert(db, onConflict: .replace)
            try LeaseRecord.held(on: cacheKey, by: runID).deleteAll(db)
        }
    }

    /// Points items at the cache entries they now resolve to (a hit on another key than last time).
    public func recordHits(_ hits: [(item: ItemID, cacheKey: String, fields: CacheKeyFields)], runID: String) async throws {
        guard !hits.isEmpty else { return }
        let now = Date()
        let records = hits.map {
            ItemRecord(id: $0.item, state: .done, cacheKey: $0.cacheKey, fieldsJSON: $0.fields.canonicalJSON,
                       runID: runID, ran: false, updatedAt: now)
        }
        try await database.write("recording cache hits") { db in
            for record in records {
                try record.insert(db, onConflict: .replace)
                try EntryRecord.filter { $0.cacheKey == record.cacheKey }.updateAll(db) { $0.lastHitAt.set(to: now) }
            }
        }
    }

    // MARK: Runs

    public func beginRun(id: String, pipeline: String, argv: [String]) throws {
        let run = RunRecord(id: id, pipeline: pipeline, argv: argv, pid: ProcessIdentity.current.pid, startedAt: Date())
        try database.write("recording run \(id)") { db in try run.insert(db) }
    }

    public func finishRun(id: String, outcome: String, ran: Int, cached: Int, failed: Int) throws {
        let now = Date().timeIntervalSince1970
        try database.write("finishing run \(id)") { db in
            try RunRecord.filter { $0.id == id }.updateAll(db) {
                [$0.finishedAt.set(to: now), $0.outcome.set(to: outcome), $0.ran.set(to: ran),
                 $0.cached.set(to: cached), $0.failed.set(to: failed)]
            }
            try LeaseRecord.filter { $0.runID == id }.deleteAll(db)
        }
    }

    /// Past runs, oldest first. A run that never finished (killed, or still going) has no
    /// counts of its own: its items are counted from what it committed (entries and item states).
    public func runs() throws -> [RunRecord] {
        try database.read("listing runs") { db in
            try RunRecord.order { [$0.startedAt, $0.id] }.fetchAll(db).map { run in
                guard run.finishedAt == nil else { return run }
                var counted = run
                let items = ItemRecord.filter { $0.runID == run.id }
                counted.ran = try EntryRecord.filter { $0.runID == run.id }.fetchCount(db)
                counted.cached = try items.filter { $0.state == ItemRecord.State.done.rawValue && $0.ran == false }.fetchCount(db)
                counted.failed = try items.filter { $0.state == ItemRecord.State.failed.rawValue }.fetchCount(db)
                return counted
            }
        }
    }

    // MARK: Owner

    /// Makes this workdir the cache of the pipeline file `pipeline` (its file name), unless it
    /// already is another's. Item states and `out/STAGE/KEY` views are keyed by stage and item
    /// only, so two pipelines in one workdir would overwrite each other's: one workdir, one pipeline.
    /// A read-only store never claims.
    /// - Returns: the file name of the pipeline that owns the workdir when it is another one, else nil.
    public func claim(for pipeline: String, readOnly: Bool) throws -> String? {
        let owner = try database.read("reading the workdir's owner") { db in try OwnerRecord.fetchOne(db) }
        if let owner { return owner.pipeline == pipeline ? nil : owner.pipeline }
        guard !readOnly else { return nil }
        return try database.write("reading the workdir's owner") { db -> String? in
            // Checked again inside the write: two runs may claim a new workdir at once.
            if let owner = try OwnerRecord.fetchOne(db) { return owner.pipeline == pipeline ? nil : owner.pipeline }
            try OwnerRecord(pipeline: pipeline).insert(db)
            return nil
        }
    }
}
