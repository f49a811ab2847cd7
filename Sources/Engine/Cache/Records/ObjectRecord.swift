import GRDB

/// A committed object (`objects`): the file `objects/<aa>/<digest>` and its size.
struct ObjectRecord: Codable, CacheTableRecord {
    static let databaseTableName = "objects"

    var digest: String
    var size: Int64

    enum Columns {
        static let digest = Column(CodingKeys.digest)
        static let size = Column(CodingKeys.size)
    }

    /// Records the object of `file` unless it is already there (objects are content-addressed:
    /// the same digest is the same bytes).
    static func insertIfMissing(_ file: OutputFile, _ db: Database) throws {
        try ObjectRecord(digest: file.digest, size: file.size).insert(db, onConflict: .ignore)
    }
}
