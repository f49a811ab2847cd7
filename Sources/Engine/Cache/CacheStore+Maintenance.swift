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

extension CacheStore {
    /// Removes entries no item points at any more, checkpoints of committed keys, and objects
    /// nothing references. Leaves live leases' checkpoints alone.
    public func collectGarbage() throws -> CacheCleanup {
        let (entries, orphans) = try wrap("collecting garbage") {
            try pool.write { db -> (Int, [(String, Int64)]) in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.execute(sql: "DELETE FROM cache_entries WHERE cache_key NOT IN (SELECT cache_key FROM items)")
                let entries = db.changesCount
                try db.execute(sql: "DELETE FROM checkpoint_files WHERE cache_key IN (SELECT cache_key FROM cache_entries)")
                try db.execute(sql: "DELETE FROM checkpoints WHERE cache_key IN (SELECT cache_key FROM cache_entries)")
                let orphans = try Row.fetchAll(db, sql: """
                    SELECT digest, size FROM objects WHERE digest NOT IN (SELECT digest FROM entry_outputs)
                      AND digest NOT IN (SELECT digest FROM checkpoint_files)
                    """).map { ($0[0] as String, $0[1] as Int64) }
                for (digest, _) in orphans { try db.execute(sql: "DELETE FROM objects WHERE digest = ?", arguments: [digest]) }
                return (entries, orphans)
            }
        }
        for (digest, _) in orphans { unlink(objects.url(for: digest).path) }
        return CacheCleanup(entries: entries, objects: orphans.count, bytes: orphans.reduce(0) { $0 + $1.1 })
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

    /// Forgets the entries and item states of `stage` (or of every stage), then collects garbage.
    public func clear(stage: String?) throws -> CacheCleanup {
        let entries = try wrap("clearing the cache") {
            try pool.write { db -> Int in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                if let stage {
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
