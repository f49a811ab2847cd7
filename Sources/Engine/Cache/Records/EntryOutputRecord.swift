import GRDB

/// One file of a cache entry (`entry_outputs`).
struct EntryOutputRecord: Encodable, CacheTableRecord {
    static let databaseTableName = "entry_outputs"

    var cacheKey: String
    var path: String
    var digest: String
    var size: Int64

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", path, digest, size
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let path = Column(CodingKeys.path)
        static let digest = Column(CodingKeys.digest)
        static let size = Column(CodingKeys.size)
    }

    init(cacheKey: String, file: OutputFile) {
        self.cacheKey = cacheKey
        path = file.path
        digest = file.digest
        size = file.size
    }

    // Decoded by hand, not through `Decodable`: a no-op run reads every row of this table
    // (10,000 and more), and GRDB's Codable decoder costs several times a column read.
    init(row: Row) {
        cacheKey = row[Columns.cacheKey]
        path = row[Columns.path]
        digest = row[Columns.digest]
        size = row[Columns.size]
    }

    var file: OutputFile { OutputFile(path: path, digest: digest, size: size) }
}
