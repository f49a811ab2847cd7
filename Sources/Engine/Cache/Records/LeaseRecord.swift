import Foundation
import GRDB

/// A run's claim on a cache key while it computes the key (`leases`), with what the next run
/// needs to clean up after it if it dies: its child's process group and its cluster job.
struct LeaseRecord: Codable, CacheTableRecord {
    static let databaseTableName = "leases"

    var cacheKey: String
    var runID: String
    var pid: Int32
    var bootID: String
    var heartbeat: Date
    var processGroup: Int32?
    var processStart: Int64?
    var clusterJob: String?

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", runID = "run_id", pid, bootID = "boot_id", heartbeat
        case processGroup = "process_group", processStart = "process_start", clusterJob = "cluster_job"
    }

    enum Columns {
        static let cacheKey = Column(CodingKeys.cacheKey)
        static let runID = Column(CodingKeys.runID)
        static let pid = Column(CodingKeys.pid)
        static let bootID = Column(CodingKeys.bootID)
        static let heartbeat = Column(CodingKeys.heartbeat)
        static let processGroup = Column(CodingKeys.processGroup)
        static let processStart = Column(CodingKeys.processStart)
        static let clusterJob = Column(CodingKeys.clusterJob)
    }

    init(cacheKey: String, runID: String, owner: ProcessIdentity, heartbeat: Date) {
        self.cacheKey = cacheKey
        self.runID = runID
        pid = owner.pid
        bootID = owner.bootID
        self.heartbeat = heartbeat
    }

    var holder: ProcessIdentity { ProcessIdentity(pid: pid, bootID: bootID) }

    /// The process group this lease recorded, when its owner died on this boot (on another
    /// boot, the group died with it).
    var orphanedGroup: ProcessGroup? {
        guard holder.bootID == ProcessIdentity.current.bootID, !holder.isAlive,
              let processGroup, let processStart else { return nil }
        return ProcessGroup(id: processGroup, leaderStart: processStart)
    }

    /// The lease on `cacheKey` if `runID` holds it: what a commit, a failure or a release drops.
    static func held(on cacheKey: String, by runID: String) -> QueryInterfaceRequest<LeaseRecord> {
        filter { $0.cacheKey == cacheKey && $0.runID == runID }
    }
}
