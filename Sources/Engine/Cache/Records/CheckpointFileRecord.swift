import GRDB

/// One file of a progress unit (`checkpoint_files`); its size is its object's.
struct CheckpointFileRecord: Codable, CacheTableRecord {
    static let databaseTableName = "checkpoint_files"

    var cacheKey: String
    var sequence: Int
    var path: String
    var digest: String

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", sequence = "seq", path, digest
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let sequence = Column(CodingKeys.sequence)
        static let path = Column(CodingKeys.path)
        static let digest = Column(CodingKeys.digest)
    }

    /// The file's object. The schema declares no foreign key here, so the association names its column.
    static let object = belongsTo(ObjectRecord.self, key: "object", using: ForeignKey([Columns.digest]))
}
