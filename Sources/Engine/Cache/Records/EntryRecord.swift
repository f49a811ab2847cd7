import Foundation
import GRDB

/// A committed cache entry (`cache_entries`); its files are ``EntryOutputRecord``s and its
/// receipts ``ReceiptRecord``s, both deleted with it (`ON DELETE CASCADE`).
struct EntryRecord: Codable, CacheTableRecord {
    static let databaseTableName = "cache_entries"

    var cacheKey: String
    var stage: String
    var itemKey: String
    var plugin: String
    var version: String
    /// The key's fields, canonical JSON.
    var fields: String
    var outputDigest: String
    var runID: String
    var createdAt: Date
    var lastHitAt: Date

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", stage, itemKey = "item_key", plugin, version, fields
        case outputDigest = "output_digest", runID = "run_id", createdAt = "created_at", lastHitAt = "last_hit_at"
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let stage = Column(CodingKeys.stage)
        static let itemKey = Column(CodingKeys.itemKey)
        static let outputDigest = Column(CodingKeys.outputDigest)
        static let runID = Column(CodingKeys.runID)
        static let createdAt = Column(CodingKeys.createdAt)
        static let lastHitAt = Column(CodingKeys.lastHitAt)
    }

    var item: ItemID { ItemID(stage: stage, key: itemKey) }

    /// The keys of the entries `request` selects, as a subquery (`cache_key IN (…)`).
    static func keys(of request: QueryInterfaceRequest<EntryRecord>) -> QueryInterfaceRequest<String> {
        request.select(Columns.cacheKey, as: String.self)
    }
}
