import GRDB

/// The pipeline file whose cache the workdir is (`owner`, one row once claimed).
struct OwnerRecord: Codable, CacheTableRecord {
    static let databaseTableName = "owner"

    var pipeline: String
}
