import Foundation
import GRDB

extension CacheStore {
    /// Records the cluster job now running `cacheKey` for this process's lease.
    public func recordClusterJob(_ jobID: String, cacheKey: String, owner: ProcessIdentity = .current) async throws {
        try await wrap("recording the cluster job of \(cacheKey)") {
            try await pool.write { db in
                try db.execute(sql: "UPDATE leases SET cluster_job = ? WHERE cache_key = ? AND pid = ? AND boot_id = ?",
                               arguments: [jobID, cacheKey, owner.pid, owner.bootID])
            }
        }
    }

    /// Takes the cluster jobs recorded by runs that are gone (SIGKILL, a crash, another boot)
    /// off their leases and returns them, for the caller to cancel. The leases stay, for the
    /// next run to take over.
    public func takeOrphanedClusterJobs() throws -> [String] {
        try wrap("finding orphaned cluster jobs") {
            try pool.write { db -> [String] in
                var orphans: [String] = []
                for row in try Row.fetchAll(db, sql: "SELECT cache_key, pid, boot_id, cluster_job FROM leases WHERE cluster_job IS NOT NULL") {
                    guard !ProcessIdentity(pid: row["pid"], bootID: row["boot_id"]).isAlive else { continue }
                    orphans.append(row["cluster_job"])
                    try db.execute(sql: "UPDATE leases SET cluster_job = NULL WHERE cache_key = ?", arguments: [row["cache_key"] as String])
                }
                return orphans
            }
        }
    }
}
