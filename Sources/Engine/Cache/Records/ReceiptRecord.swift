import GRDB

/// One receipt of a cache entry (`receipts`): canonical JSON, in the order the stage gave them.
struct ReceiptRecord: Codable, CacheTableRecord {
    static let databaseTableName = "receipts"

    var cacheKey: String
    var sequence: Int
    var json: String

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", sequence = "seq", json
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let sequence = Column(CodingKeys.sequence)
    }
}
