import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What `cache gc` or `cache clear` removed.
public struct CacheCleanup: Sendable {
    public var entries: Int
    public var objects: Int
    public var bytes: Int64
}

/// A damaged object found by `cache verify`.
public struct CacheDamage: Sendable {
    public var digest: String
    public var items: [ItemID]
}

/// What `cache gc` removes: `cache gc --dry-run` lists it, `cache gc` deletes exactly it.
public struct CacheGarbage: Sendable {
    /// Entries no item points at any more (superseded by a newer key, or of a removed stage).
    public var entries: [(item: ItemID, cacheKey: String)]
    /// Keys with a committed entry whose checkpoint units are left over (workdirs from before
    /// commits dropped them).
    public var checkpointKeys: [String]
    /// Objects nothing else references, with their sizes.
    public var objects: [(digest: String, size: Int64)]

    public var bytes: Int64 { objects.reduce(0) { $0 + $1.size } }
}

extension CacheStore {
    /// What `collectGarbage()` would remove now.
    public func garbage() throws -> CacheGarbage {
        try wrap("finding garbage") { try pool.read { db in try Self.findGarbage(db) } }
    }

    /// Removes entries no item points at any more, checkpoints of committed keys, and objects
    /// nothing references. Leaves live leases' checkpoints alone.
    public func collectGarbage() throws -> CacheCleanup {
        let garbage = try wrap("collecting garbage") {
            try pool.write { db -> CacheGarbage in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                let garbage = try Self.findGarbage(db)
                for entry in garbage.entries {
                    try db.execute(sql: "DELETE FROM cache_entries WHERE cache_key = ?", arguments: [entry.cacheKey])
                }
                for key in garbage.checkpointKeys { try Self.deleteCheckpoints(db, cacheKey: key) }
                for object in garbage.objects {
                    try db.execute(sql: "DELETE FROM objects WHERE digest = ?", arguments: [object.digest])
                }
                return garbage
            }
        }
        for object in garbage.objects { unlink(objects.url(for: object.digest).path) }
        return CacheCleanup(entries: garbage.entries.count, objects: garbage.objects.count, bytes: garbage.bytes)
    }

    /// The garbage as of `db`: objects count as referenced only by the entries and checkpoints
    /// that stay.
    private static func findGarbage(_ db: Database) throws -> CacheGarbage {
        let entries: [(item: ItemID, cacheKey: String)] = try Row.fetchAll(db, sql: """
            SELECT stage, item_key, cache_key FROM cache_entries WHERE cache_key NOT IN (SELECT cache_key FROM items)
            ORDER BY stage, item_key, cache_key
            """).map { (item: ItemID(stage: $0[0], key: $0[1]), cacheKey: $0[2]) }
        let checkpointKeys = try String.fetchAll(db, sql: """
            SELECT DISTINCT cache_key FROM checkpoints WHERE cache_key IN (SELECT cache_key FROM cache_entries) ORDER BY cache_key
            """)
        let objects: [(digest: String, size: Int64)] = try Row.fetchAll(db, sql: """
            SELECT digest, size FROM objects
            WHERE digest NOT IN (SELECT digest FROM entry_outputs WHERE cache_key IN (SELECT cache_key FROM items))
              AND digest NOT IN (SELECT digest FROM checkpoint_files WHERE cache_key NOT IN (SELECT cache_key FROM cache_entries))
            ORDER BY digest
            """).map { (digest: $0[0], size: $0[1]) }
        return CacheGarbage(entries: entries, checkpointKeys: checkpointKeys, objects: objects)
    }

    /// Re-hashes every object; entries holding a damaged or missing object are dropped (with
    /// their item rows), so the next run recomputes them.
    public func verify() throws -> [CacheDamage] {
        let digests = try wrap("listing objects") {
            try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT digest FROM entry_outputs ORDER BY digest") }
        }
        let damaged = digests.filter { !objects.verify($0) }
        return try damaged.map(dropObject)
    }

    /// Drops a damaged object: the entries holding it (with their item rows, so their producers
    /// run again) and the object itself.
    /// - Returns: the items whose entries were dropped.
    public func dropObject(_ digest: String) throws -> CacheDamage {
        try wrap("dropping the entries of object \(digest)") {
            try pool.write { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                let rows = try Row.fetchAll(db, sql: """
                    SELECT DISTINCT e.cache_key, e.stage, e.item_key FROM entry_outputs o
                    JOIN cache_entries e ON e.cache_key = o.cache_key WHERE o.digest = ?
                    """, arguments: [digest])
                for row in rows {
                    let key: String = row[0]
                    try db.execute(sql: "DELETE FROM items WHERE cache_key = ?", arguments: [key])
                    try db.execute(sql: "DELETE FROM cache_entries WHERE cache_key = ?", arguments: [key])
                }
                try db.execute(sql: "DELETE FROM objects WHERE digest = ?", arguments: [digest])
                unlink(objects.url(for: digest).path)
                return CacheDamage(digest: digest, items: rows.map { ItemID(stage: $0[1], key: $0[2]) })
            }
        }
    }

    /// Forgets the entries, item states and checkpoints of `stage` (or of every stage), then
    /// collects garbage.
    public func clear(stage: String?) throws -> CacheCleanup {
        let entries = try wrap("clearing the cache") {
            try pool.write { db -> Int in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                if let stage {
                    // The progress units of the stage's keys go too: a cleared item computes again.
                    for key in try String.fetchAll(db, sql: """
                        SELECT cache_key FROM items WHERE stage = ? UNION SELECT cache_key FROM cache_entries WHERE stage = ?
                        """, arguments: [stage, stage]) {
                        try Self.deleteCheckpoints(db, cacheKey: key)
                    }
                    try db.execute(sql: "DELETE FROM items WHERE stage = ?", arguments: [stage])
                    try db.execute(sql: "DELETE FROM cache_entries WHERE stage = ?", arguments: [stage])
                    return db.changesCount
                }
                try db.execute(sql: "DELETE FROM items")
                try db.execute(sql: "DELETE FROM cache_entries")
                let entries = db.changesCount  // Of the statement just run: the entries, not the checkpoints.
                try db.execute(sql: "DELETE FROM checkpoint_files")
                try db.execute(sql: "DELETE FROM checkpoints")
                return entries
            }
        }
        let outView = stage.map(workdir.view(ofStage:)) ?? workdir.out
        // The out/ view is derived data: removing it is safe, the next run rebuilds it.
        try? FileManager.default.removeItem(at: outView)
        try FileManager.default.createDirectory(at: workdir.out, withIntermediateDirectories: true)
        var cleanup = try collectGarbage()
        cleanup.entries += entries
        return cleanup
    }

    /// `PRAGMA integrity_check`: `ok` for a sound database.
    public func integrityCheck() throws -> String {
        try wrap("checking integrity") {
            try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
        }
    }
}
