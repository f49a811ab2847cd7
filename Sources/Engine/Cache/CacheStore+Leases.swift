import Foundation
import GRDB
import JSON

/// The answer to a lease request.
public enum LeaseOutcome: Sendable, Equatable {
    /// This run computes the item.
    case acquired
    /// Another process committed the key meanwhile: use its entry.
    case committed(outputDigest: String)
    /// A live process holds the key: ask again later.
    case heldElsewhere
}

extension CacheStore {
    /// Leases older than this without a heartbeat are stale even if their pid looks alive
    /// (pid reuse).
    static let leaseExpiry: TimeInterval = 60

    /// Claims `cacheKey` for `runID`, taking over a stale lease (dead pid, other boot, or no
    /// heartbeat for ``leaseExpiry``). Checks in the same transaction whether the key got committed.
    /// With `ignoringEntry` (a `--force` re-run, receipts that no longer hold) an existing entry does not count.
    /// Taking over the lease of a run that died on this boot kills the process group its child
    /// left running (``ProcessGroup``) before the item runs again.
    public func acquireLease(
        _ cacheKey: String, runID: String, ignoringEntry: Bool = false, owner: ProcessIdentity = .current
    ) async throws -> LeaseOutcome {
        let now = Date().timeIntervalSince1970
        let (outcome, orphan) = try await wrap("leasing \(cacheKey)") {
            try await pool.write { db -> (LeaseOutcome, ProcessGroup?) in
                if !ignoringEntry, let digest = try String.fetchOne(db, sql: "SELECT output_digest FROM cache_entries WHERE cache_key = ?", arguments: [cacheKey]) {
                    return (.committed(outputDigest: digest), nil)
                }
                var orphan: ProcessGroup?
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE cache_key = ?", arguments: [cacheKey]) {
                    let holder = ProcessIdentity(pid: row["pid"], bootID: row["boot_id"])
                    let heartbeat: Double = row["heartbeat"]
                    let runOfHolder: String = row["run_id"]
                    let isStale = !holder.isAlive || now - heartbeat > Self.leaseExpiry
                    if runOfHolder != runID && !isStale { return (.heldElsewhere, nil) }
                    orphan = Self.orphanedGroup(row)
                }
                try db.execute(sql: "INSERT OR REPLACE INTO leases(cache_key, run_id, pid, boot_id, heartbeat) VALUES (?,?,?,?,?)",
                               arguments: [cacheKey, runID, owner.pid, owner.bootID, now])
                return (.acquired, orphan)
            }
        }
        orphan?.killAll()
        return outcome
    }

    /// Records the process group of the child now running for `cacheKey`.
    public func recordProcessGroup(_ group: ProcessGroup, cacheKey: String, runID: String) async throws {
        try await wrap("recording the process group of \(cacheKey)") {
            try await pool.write { db in
                try db.execute(sql: "UPDATE leases SET process_group = ?, process_start = ? WHERE cache_key = ? AND run_id = ?",
                               arguments: [group.id, group.leaderStart, cacheKey, runID])
            }
        }
    }

    /// Kills the children left running by runs that died on this boot (SIGKILL, a crash): every
    /// process group recorded with a lease whose owner is gone. Runs before staging is swept, so
    /// no orphan writes there afterwards. The leases stay, for the next run to take over.
    /// - Returns: the groups that were signalled.
    @discardableResult
    public func killOrphans() throws -> [ProcessGroup] {
        let orphans = try wrap("finding orphaned processes") {
            try pool.write { db -> [ProcessGroup] in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM leases WHERE process_group IS NOT NULL")
                var orphans: [ProcessGroup] = []
                for row in rows {
                    guard let group = Self.orphanedGroup(row) else { continue }
                    orphans.append(group)
                    try db.execute(sql: "UPDATE leases SET process_group = NULL, process_start = NULL WHERE cache_key = ?",
                                   arguments: [row["cache_key"] as String])
                }
                return orphans
            }
        }
        return orphans.filter { $0.killAll() }
    }

    /// The process group a lease row recorded, when the lease's owner died on this boot (on
    /// another boot, the group died with it).
    private static func orphanedGroup(_ row: Row) -> ProcessGroup? {
        let holder = ProcessIdentity(pid: row["pid"], bootID: row["boot_id"])
        guard holder.bootID == ProcessIdentity.current.bootID, !holder.isAlive,
              let id: Int32 = row["process_group"], let start: Int64 = row["process_start"] else { return nil }
        return ProcessGroup(id: id, leaderStart: start)
    }

    public func releaseLease(_ cacheKey: String, runID: String) async throws {
        try await wrap("releasing \(cacheKey)") {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM leases WHERE cache_key = ? AND run_id = ?", arguments: [cacheKey, runID])
            }
        }
    }

    /// Keeps this run's leases fresh.
    public func heartbeat(runID: String) async throws {
        let now = Date().timeIntervalSince1970
        try await wrap("refreshing leases") {
            try await pool.write { db in
                try db.execute(sql: "UPDATE leases SET heartbeat = ? WHERE run_id = ?", arguments: [now, runID])
            }
        }
    }

    // MARK: Owner

    /// Makes this workdir the cache of the pipeline file `pipeline` (its file name), unless it
    /// already is another's. Item states and `out/STAGE/KEY` views are keyed by stage and item
    /// only, so two pipelines in one workdir would overwrite each other's: one workdir, one pipeline.
    /// A read-only store never claims.
    /// - Returns: the file name of the pipeline that owns the workdir when it is another one, else nil.
    public func claim(for pipeline: String, readOnly: Bool) throws -> String? {
        try wrap("reading the workdir's owner") {
            let owner = try pool.read { db in try String.fetchOne(db, sql: "SELECT pipeline FROM owner") }
            if let owner { return owner == pipeline ? nil : owner }
            guard !readOnly else { return nil }
            return try pool.write { db -> String? in
                // Checked again inside the write: two runs may claim a new workdir at once.
                if let owner = try String.fetchOne(db, sql: "SELECT pipeline FROM owner") { return owner == pipeline ? nil : owner }
                try db.execute(sql: "INSERT INTO owner(pipeline) VALUES (?)", arguments: [pipeline])
                return nil
            }
        }
    }

    // MARK: Runs

    public func beginRun(id: String, pipeline: String, argv: [String]) throws {
        let argvText = CanonicalJSON.string(.array(argv.map { .string($0) }))
        try wrap("recording run \(id)") {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO runs(id, pipeline, argv, pid, started_at) VALUES (?,?,?,?,?)",
                               arguments: [id, pipeline, argvText, ProcessIdentity.current.pid, Date().timeIntervalSince1970])
            }
        }
    }

    public func finishRun(id: String, outcome: String, ran: Int, cached: Int, failed: Int) throws {
        try wrap("finishing run \(id)") {
            try pool.write { db in
                try db.execute(sql: "UPDATE runs SET finished_at = ?, outcome = ?, ran = ?, cached = ?, failed = ? WHERE id = ?",
                               arguments: [Date().timeIntervalSince1970, outcome, ran, cached, failed, id])
                try db.execute(sql: "DELETE FROM leases WHERE run_id = ?", arguments: [id])
            }
        }
    }

    /// Past runs, oldest first. A run that never finished (killed, or still going) has no
    /// counts of its own: its items are counted from what it committed (entries and item states).
    public func runs() throws -> [RunRecord] {
        try wrap("listing runs") {
            try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.*,
                      (SELECT COUNT(*) FROM cache_entries e WHERE e.run_id = r.id) AS committed_ran,
                      (SELECT COUNT(*) FROM items i WHERE i.run_id = r.id AND i.state = 'done' AND i.ran = 0) AS committed_cached,
                      (SELECT COUNT(*) FROM items i WHERE i.run_id = r.id AND i.state = 'failed') AS committed_failed
                    FROM runs r ORDER BY started_at, id
                    """).map { row in
                    let argvText: String = row["argv"]
                    let argv = (try? JSONDecoder().decode([String].self, from: Data(argvText.utf8))) ?? []
                    let finished: Double? = row["finished_at"]
                    let prefix = finished == nil ? "committed_" : ""
                    return RunRecord(
                        id: row["id"], pipeline: row["pipeline"], argv: argv, pid: row["pid"],
                        startedAt: Date(timeIntervalSince1970: row["started_at"]),
                        finishedAt: finished.map(Date.init(timeIntervalSince1970:)), outcome: row["outcome"],
                        ran: row[prefix + "ran"], cached: row[prefix + "cached"], failed: row[prefix + "failed"])
                }
            }
        }
    }
}

