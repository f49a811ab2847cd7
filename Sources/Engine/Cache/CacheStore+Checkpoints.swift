import Foundation
import GRDB

extension CacheStore {
    /// Units committed under `cacheKey`, oldest first, with their files.
    public func checkpointUnits(_ cacheKey: String) throws -> [(sequence: Int, cursor: Int, files: [OutputFile])] {
        try wrap("reading checkpoints of \(cacheKey)") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, cursor FROM checkpoints WHERE cache_key = ? ORDER BY seq", arguments: [cacheKey])
                    .map { row in
                        let sequence: Int = row[0]
                        let files = try Row.fetchAll(db, sql: """
                            SELECT f.path, f.digest, COALESCE(o.size, 0) FROM checkpoint_files f
                            LEFT JOIN objects o ON o.digest = f.digest WHERE f.cache_key = ? AND f.seq = ? ORDER BY f.path
                            """, arguments: [cacheKey, sequence])
                            .map { OutputFile(path: $0[0], digest: $0[1], size: $0[2]) }
                        return (sequence, row[1], files)
                    }
            }
        }
    }

    /// Records a unit whose files are already in the object store; returns its sequence number.
    public func commitCheckpoint(_ cacheKey: String, cursor: Int, files: [OutputFile]) async throws -> Int {
        let now = Date().timeIntervalSince1970
        return try await wrap("committing a checkpoint of \(cacheKey)") {
            try await pool.write { db in
                let sequence = (try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM checkpoints WHERE cache_key = ?", arguments: [cacheKey]) ?? -1) + 1
                try db.execute(sql: "INSERT INTO checkpoints(cache_key, seq, cursor, created_at) VALUES (?,?,?,?)",
                               arguments: [cacheKey, sequence, cursor, now])
                for file in files {
                    try db.execute(sql: "INSERT OR IGNORE INTO objects(digest, size) VALUES (?, ?)", arguments: [file.digest, file.size])
                    try db.execute(sql: "INSERT INTO checkpoint_files(cache_key, seq, path, digest) VALUES (?,?,?,?)",
                                   arguments: [cacheKey, sequence, file.path, file.digest])
                }
                return sequence
            }
        }
    }

    /// Drops the units committed under `cacheKey`, so the next attempt starts from scratch (a
    /// `--force`d item); their objects go at the next `cache gc`.
    public func dropCheckpoints(_ cacheKey: String) async throws {
        try await wrap("dropping the checkpoints of \(cacheKey)") {
            try await pool.write { db in try Self.deleteCheckpoints(db, cacheKey: cacheKey) }
        }
    }

    /// The progress of the last attempts at `cacheKey`: its units and the highest cursor, or
    /// `nil` when none is committed.
    public func checkpointProgress(_ cacheKey: String) throws -> (units: Int, cursor: Int)? {
        try wrap("reading checkpoints of \(cacheKey)") {
            try pool.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), MAX(cursor) FROM checkpoints WHERE cache_key = ?", arguments: [cacheKey])
                let units: Int = row?[0] ?? 0
                let cursor: Int? = row?[1]
                guard units > 0, let cursor else { return nil }
                return (units, cursor)
            }
        }
    }

    static func deleteCheckpoints(_ db: Database, cacheKey: String) throws {
        try db.execute(sql: "DELETE FROM checkpoint_files WHERE cache_key = ?", arguments: [cacheKey])
        try db.execute(sql: "DELETE FROM checkpoints WHERE cache_key = ?", arguments: [cacheKey])
    }
}
