import Foundation
import GRDB
import JSON

/// One `orchestrate run`, as recorded in `runs`.
public struct RunRecord: Sendable {
    public var id: String
    public var pipeline: String
    public var argv: [String]
    public var pid: Int32
    public var startedAt: Date
    public var finishedAt: Date?
    /// `succeeded`, `failed`, or `nil` while running (or killed).
    public var outcome: String?
    public var ran: Int
    public var cached: Int
    public var failed: Int

    init(id: String, pipeline: String, argv: [String], pid: Int32, startedAt: Date) {
        self.id = id
        self.pipeline = pipeline
        self.argv = argv
        self.pid = pid
        self.startedAt = startedAt
        ran = 0
        cached = 0
        failed = 0
    }
}

// Read and written by hand, not through Codable: `argv` is stored as canonical JSON text, and the
// record is public API (GRDB's conformances then need public witnesses, which the internal
// `CacheTableRecord` defaults cannot be).
extension RunRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    public enum Columns {
        static let id = Column("id")
        static let pipeline = Column("pipeline")
        static let argv = Column("argv")
        static let pid = Column("pid")
        static let startedAt = Column("started_at")
        static let finishedAt = Column("finished_at")
        static let outcome = Column("outcome")
        static let ran = Column("ran")
        static let cached = Column("cached")
        static let failed = Column("failed")
    }

    public init(row: Row) {
        id = row[Columns.id]
        pipeline = row[Columns.pipeline]
        let argvJSON: String = row[Columns.argv]
        argv = (try? JSONDecoder().decode([String].self, from: Data(argvJSON.utf8))) ?? []
        pid = row[Columns.pid]
        startedAt = Date(timeIntervalSince1970: row[Columns.startedAt])
        finishedAt = (row[Columns.finishedAt] as Double?).map(Date.init(timeIntervalSince1970:))
        outcome = row[Columns.outcome]
        ran = row[Columns.ran]
        cached = row[Columns.cached]
        failed = row[Columns.failed]
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.pipeline] = pipeline
        container[Columns.argv] = CanonicalJSON.string(.array(argv.map { .string($0) }))
        container[Columns.pid] = pid
        container[Columns.startedAt] = startedAt.timeIntervalSince1970
        container[Columns.finishedAt] = finishedAt?.timeIntervalSince1970
        container[Columns.outcome] = outcome
        container[Columns.ran] = ran
        container[Columns.cached] = cached
        container[Columns.failed] = failed
    }
}
