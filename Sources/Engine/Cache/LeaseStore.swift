import Foundation
import GRDB

/// The answer to a lease request.
public enum LeaseOutcome: Sendable, Equatable {
    /// This run computes the item.
    case acquired
    /// Another process committed the key meanwhile: use its entry.
    case committed(outputDigest: String)
    /// A live process holds the key: ask again later.
    case heldElsewhere
}

/// Which run computes which cache key (`leases`), with the process group and cluster job each
/// one runs, so that the next run can clean up after a run that died.
public struct LeaseStore: Sendable {
    let database: CacheDatabase

    /// Leases older than this without a heartbeat are stale even if their pid looks alive
    /// (pid reuse).
    static let expiry: TimeInterval = 60

    /// Claims `cacheKey` for `runID`, taking over a stale lease (dead pid, other boot, or no
    /// heartbeat for ``expiry``). Checks in the same transaction whether the key got committed.
    /// With `ignoringEntry` (a `--force` re-run, receipts that no longer hold) an existing entry does not count.
    /// Taking over the lease of a run that died on this boot kills the process group its child
    /// left running (``ProcessGroup``) before the item runs again.
    public func acquire(
        _ cacheKey: String, runID: String, ignoringEntry: Bool = false, owner: ProcessIdentity = .current
    ) async throws -> LeaseOutcome {
        let now = Date()
        let (outcome, orphan) = try await database.write("leasing \(cacheKey)") { db -> (LeaseOutcome, ProcessGroup?) in
            let committed = EntryRecord.filter { $0.cacheKey == cacheKey }.select(\.outputDigest, as: String.self)
            if !ignoringEntry, let digest = try committed.fetchOne(db) {
                return (.committed(outputDigest: digest), nil)
            }
            var orphan: ProcessGroup?
            if let lease = try LeaseRecord.fetchOne(db, key: cacheKey) {
                let isStale = !lease.holder.isAlive || now.timeIntervalSince(lease.heartbeat) > Self.expiry
                if lease.runID != runID && !isStale { return (.heldElsewhere, nil) }
                orphan = lease.orphanedGroup
            }
            try LeaseRecord(cacheKey: cacheKey, runID: runID, owner: owner, heartbeat: now).insert(db, onConflict: .replace)
            return (.acquired, orphan)
        }
        orphan?.killAll()
        return outcome
    }

    /// Records the process group of the child now running for `cacheKey`.
    public func recordProcessGroup(_ group: ProcessGroup, cacheKey: String, runID: String) async throws {
        try await database.write("recording the process group of \(cacheKey)") { db in
            try LeaseRecord.held(on: cacheKey, by: runID).updateAll(db) {
                [$0.processGroup.set(to: group.id), $0.processStart.set(to: group.leaderStart)]
            }
        }
    }

    /// Kills the children left running by runs that died on this boot (SIGKILL, a crash): every
    /// process group recorded with a lease whose owner is gone. Runs before staging is swept, so
    /// no orphan writes there afterwards. The leases stay, for the next run to take over.
    /// - Returns: the groups that were signalled.
    @discardableResult
    public func killOrphans() throws -> [ProcessGroup] {
        let orphans = try database.write("finding orphaned processes") { db -> [ProcessGroup] in
            var orphans: [ProcessGroup] = []
            for lease in try LeaseRecord.filter({ $0.processGroup != nil }).fetchAll(db) {
                guard let group = lease.orphanedGroup else { continue }
                orphans.append(group)
                var forgotten = lease
                forgotten.processGroup = nil
                forgotten.processStart = nil
                try forgotten.update(db, columns: [LeaseRecord.Columns.processGroup, LeaseRecord.Columns.processStart])
            }
            return orphans
        }
        return orphans.filter { $0.killAll() }
    }

    public func release(_ cacheKey: String, runID: String) async throws {
        try await database.write("releasing \(cacheKey)") { db in
            try LeaseRecord.held(on: cacheKey, by: runID).deleteAll(db)
        }
    }

    /// Keeps this run's leases fresh.
    public func heartbeat(runID: String) async throws {
        let now = Date().timeIntervalSince1970
        try await database.write("refreshing leases") { db in
            try LeaseRecord.filter { $0.runID == runID }.updateAll(db) { $0.heartbeat.set(to: now) }
        }
    }

    // MARK: Cluster jobs

    /// Records the cluster job now running `cacheKey` for this process's lease.
    public func recordClusterJob(_ jobID: String, cacheKey: String, owner: ProcessIdentity = .current) async throws {
        try await database.write("recording the cluster job of \(cacheKey)") { db in
            try LeaseRecord
                .filter { $0.cacheKey == cacheKey && $0.pid == owner.pid && $0.bootID == owner.bootID }
                .updateAll(db) { $0.clusterJob.set(to: jobID) }
        }
    }

    /// Takes the cluster jobs recorded by runs that are gone (SIGKILL, a crash, another boot)
    /// off their leases and returns them, for the caller to cancel. The leases stay, for the
    /// next run to take over.
    public func takeOrphanedClusterJobs() throws -> [String] {
        try database.write("finding orphaned cluster jobs") { db -> [String] in
            var orphans: [String] = []
            for lease in try LeaseRecord.filter({ $0.clusterJob != nil }).fetchAll(db) {
                guard let job = lease.clusterJob, !lease.holder.isAlive else { continue }
                orphans.append(job)
                var taken = lease
                taken.clusterJob = nil
                try taken.update(db, columns: [LeaseRecord.Columns.clusterJob])
            }
            return orphans
        }
    }
}
