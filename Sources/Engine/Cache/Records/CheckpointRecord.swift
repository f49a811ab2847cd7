import Foundation
import GRDB

/// A committed progress unit of an attempt at a cache key (`checkpoints`); its files are
/// ``CheckpointFileRecord``s.
struct CheckpointRecord: Codable, CacheTableRecord {
    static let databaseTableName = "checkpoints"

    var cacheKey: String
    var sequence: Int
    var cursor: Int
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", sequence = "seq", cursor, createdAt = "created_at"
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let sequence = Column(CodingKeys.sequence)
        static let cursor = Column(CodingKeys.cursor)
    }

    /// Drops every unit of `cacheKey` with its files (no foreign key ties them, so both tables).
    static func deleteAll(of cacheKey: String, _ db: Database) throws {
        try CheckpointFileRecord.filter { $0.cacheKey == cacheKey }.deleteAll(db)
        try filter { $0.cacheKey == cacheKey }.deleteAll(db)
    }
}
