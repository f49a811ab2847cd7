import Foundation
import GRDB

/// The last recorded state of an item (`items`).
public struct ItemRecord: Sendable {
    public enum State: String, Sendable { case done, failed }

    public var id: ItemID
    public var state: State
    /// The cache key of the last attempt or hit.
    public var cacheKey: String
    /// The key's fields as stored (canonical JSON); decoded only when asked for, because a run
    /// reads every item's record and needs the fields only of items whose key changed.
    var fieldsJSON: String?
    /// The key's fields, or `nil` when the stored form cannot be read (a newer schema).
    public var fields: CacheKeyFields? { CacheKeyFields(storedJSON: fieldsJSON) }
    public var error: String?
    public var runID: String
    /// Whether `runID` computed the item (`true`) or reused a cache entry.
    public var ran: Bool
    public var updatedAt: Date

    init(id: ItemID, state: State, cacheKey: String, fieldsJSON: String, error: String? = nil,
         runID: String, ran: Bool, updatedAt: Date) {
        self.id = id
        self.state = state
        self.cacheKey = cacheKey
        self.fieldsJSON = fieldsJSON
        self.error = error
        self.runID = runID
        self.ran = ran
        self.updatedAt = updatedAt
    }
}

// Read and written by hand, not through Codable: the item's ID spans two columns, every run reads
// every row of this table, and the record is public API (see RunRecord).
extension ItemRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "items"

    public enum Columns {
        static let stage = Column("stage")
        static let itemKey = Column("item_key")
        static let state = Column("state")
        static let cacheKey = Column("cache_key")
        static let fields = Column("fields")
        static let error = Column("error")
        static let runID = Column("run_id")
        static let ran = Column("ran")
        static let updatedAt = Column("updated_at")
    }

    public init(row: Row) {
        id = ItemID(stage: row[Columns.stage], key: row[Columns.itemKey])
        state = State(rawValue: row[Columns.state]) ?? .failed
        cacheKey = row[Columns.cacheKey]
        fieldsJSON = row[Columns.fields]
        error = row[Columns.error]
        runID = row[Columns.runID]
        ran = row[Columns.ran]
        updatedAt = Date(timeIntervalSince1970: row[Columns.updatedAt])
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.stage] = id.stage
        container[Columns.itemKey] = id.key
        container[Columns.state] = state.rawValue
        container[Columns.cacheKey] = cacheKey
        container[Columns.fields] = fieldsJSON
        container[Columns.error] = error
        container[Columns.runID] = runID
        container[Columns.ran] = ran
        container[Columns.updatedAt] = updatedAt.timeIntervalSince1970
    }
}
