import GRDB
import PluginAPI

/// Source files' digests memoised by their stat (`stat_memo`), so that an unchanged file is not
/// read again (see ``SourceDigester``).
public struct StatMemoStore: Sendable {
    let database: CacheDatabase

    func load() throws -> [String: SourceDigest] {
        try database.read("reading the stat memo") { db in
            var memo: [String: SourceDigest] = [:]
            let cursor = try StatMemoRecord.fetchCursor(db)
            while let record = try cursor.next() { memo[record.path] = record.memo }
            return memo
        }
    }

    func save(_ entries: [String: SourceDigest]) throws {
        try database.write("saving the stat memo") { db in
            for (path, memo) in entries {
                try StatMemoRecord(path: path, memo: memo).insert(db, onConflict: .replace)
            }
        }
    }
}
