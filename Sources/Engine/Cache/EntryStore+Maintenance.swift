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

// Entries cascade to their outputs and receipts: GRDB opens every connection with foreign keys on
// (`Configuration.foreignKeysEnabled`).
extension EntryStore {
    /// What `collectGarbage()` would remove now.
    public func garbage() throws -> CacheGarbage {
        try database.read("finding garbage") { db in try Self.findGarbage(db) }
    }

    /// Removes entries no item points at any more, checkpoints of committed keys, and objects
    /// nothing references. Leaves live leases' checkpoints alone.
    public func collectGarbage() throws -> CacheCleanup {
        let garbage = try database.write("collecting garbage") { db -> CacheGarbage in
            let garbage = try Self.findGarbage(db)
            // One statement per row, as a list of keys could pass SQLite's limit on bound arguments.
            for entry in garbage.entries { try EntryRecord.deleteOne(db, key: entry.cacheKey) }
            for key in garbage.checkpointKeys { try CheckpointRecord.deleteAll(of: key, db) }
            for object in garbage.objects { try ObjectRecord.deleteOne(db, key: object.digest) }
            return garbage
        }
        for object in garbage.objects { unlink(objects.url(for: object.digest).path) }
        return CacheCleanup(entries: garbage.entries.count, objects: garbage.objects.count, bytes: garbage.bytes)
    }

    /// The garbage as of `db`: objects count as referenced only by the entries and checkpoints
    /// that stay.
    private static func findGarbage(_ db: Database) throws -> CacheGarbage {
        let itemKeys = ItemRecord.select(\.cacheKey, as: String.self)
        let entryKeys = EntryRecord.keys(of: EntryRecord.all())
        let entries = try EntryRecord
            .filter { !itemKeys.contains($0.cacheKey) }
            .order { [$0.stage, $0.itemKey, $0.cacheKey] }
            .fetchAll(db)
            .map { (item: $0.item, cacheKey: $0.cacheKey) }
        let checkpointKeys = try CheckpointRecord
            .filter { entryKeys.contains($0.cacheKey) }
            .order(\.cacheKey)
            .select(\.cacheKey, as: String.self).distinct()
            .fetchAll(db)
        let keptOutputs = EntryOutputRecord.filter { itemKeys.contains($0.cacheKey) }.select(\.digest)
        let keptUnitFiles = CheckpointFileRecord.filter { !entryKeys.contains($0.cacheKey) }.select(\.digest)
        let objects = try ObjectRecord
            .filter { !keptOutputs.contains($0.digest) && !keptUnitFiles.contains($0.digest) }
            .order(\.digest)
            .fetchAll(db)
            .map { (digest: $0.digest, size: $0.size) }
        return CacheGarbage(entries: entries, checkpointKeys: checkpointKeys, objects: objects)
    }

    /// Re-hashes every object; entries holding a damaged or missing object are dropped (with
    /// their item rows), so the next run recomputes them.
    public func verify() throws -> [CacheDamage] {
        let digests = try database.read("listing objects") { db in
            try EntryOutputRecord.order(\.digest).select(\.digest, as: String.self).distinct().fetchAll(db)
        }
        let damaged = digests.filter { !objects.verify($0) }
        return try damaged.map(dropObject)
    }

    /// Drops a damaged object: the entries holding it (with their item rows, so their producers
    /// run again) and the object itself.
    /// - Returns: the items whose entries were dropped.
    public func dropObject(_ digest: String) throws -> CacheDamage {
        try database.write("dropping the entries of object \(digest)") { db in
            let holders = EntryOutputRecord.filter { $0.digest == digest }.select(\.cacheKey)
            let entries = try EntryRecord.filter { holders.contains($0.cacheKey) }.fetchAll(db)
            for entry in entries {
                try ItemRecord.filter { $0.cacheKey == entry.cacheKey }.deleteAll(db)
                try entry.delete(db)
            }
            try ObjectRecord.deleteOne(db, key: digest)
            unlink(objects.url(for: digest).path)
            return CacheDamage(digest: digest, items: entries.map(\.item))
        }
    }

    /// Forgets the entries, item states and checkpoints of `stage` (or of every stage), then
    /// collects garbage.
    public func clear(stage: String?) throws -> CacheCleanup {
        let entries = try database.write("clearing the cache") { db -> Int in
            guard let stage else {
                try ItemRecord.deleteAll(db)
                let entries = try EntryRecord.deleteAll(db)
                try CheckpointFileRecord.deleteAll(db)
                try CheckpointRecord.deleteAll(db)
                return entries
            }
            // The progress units of the stage's keys go too: a cleared item computes again.
            let items = ItemRecord.filter { $0.stage == stage }
            let stageEntries = EntryRecord.filter { $0.stage == stage }
            let keys = try Set(items.select(\.cacheKey, as: String.self).fetchAll(db))
                .union(EntryRecord.keys(of: stageEntries).fetchAll(db))
            for key in keys { try CheckpointRecord.deleteAll(of: key, db) }
            try items.deleteAll(db)
            return try stageEntries.deleteAll(db)
        }
        let outView = stage.map(database.workdir.view(ofStage:)) ?? database.workdir.out
        // The out/ view is derived data: removing it is safe, the next run rebuilds it.
        try? FileManager.default.removeItem(at: outView)
        try FileManager.default.createDirectory(at: database.workdir.out, withIntermediateDirectories: true)
        var cleanup = try collectGarbage()
        cleanup.entries += entries
        return cleanup
    }
}
