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

extension CacheStore {
    /// Leases older than this without a heartbeat are stale even if their pid looks alive
    /// (pid reuse).
    static let leaseExpiry: TimeInterval = 60

    /// Claims `cacheKey` for `runID`, taking over a stale lease (dead pid, other boot, or no
    /// heartbeat for ``leaseExpiry``). Checks in the same transaction whether the key got committed.
    /// With `ignoringEntry` (a `--force` re-run, receipts that no longer hold) an existing entry does not count.
    public func acquireLease(
        _ cacheKey: String, runID: String, ignoringEntry: Bool = false, owner: ProcessIdentity = .current
    ) async throws -> LeaseOutcome {
        let now = Date().timeIntervalSince1970
        return try await wrap("leasing \(cacheKey)") {
            try await pool.write { db -> LeaseOutcome in
                if !ignoringEntry, let digest = try String.fetchOne(db, sql: "SELECT output_digest FROM cache_entries WHERE cache_key = ?", arguments: [cacheKey]) {
                    return .committed(outputDigest: digest)
                }
                if let row = try Row.fetchOne(db, sql: "SELECT run_id, pid, boot_id, heartbeat FROM leases WHERE cache_key = ?", arguments: [cacheKey]) {
                    let holder = ProcessIdentity(pid: row["pid"], bootID: row["boot_id"])
                    let heartbeat: Double = row["heartbeat"]
                    let runOfHolder: String = row["run_id"]
                    let isStale = !holder.isAlive || now - heartbeat > Self.leaseExpiry
                    if runOfHolder != runID && !isStale { return .heldElsewhere }
                }
                try db.execute(sql: "INSERT OR REPLACE INTO leases(cache_key, run_id, pid, boot_id, heartbeat) VALUES (?,?,?,?,?)",
                               arguments: [cacheKey, runID, owner.pid, owner.bootID, now])
                return .acquired
            }
        }
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

    /// Past runs, oldest first.
    public func runs() throws -> [RunRecord] {
        try wrap("listing runs") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY started_at, id").map { row in
                    let argvText: String = row["argv"]
                    let argv = (try? JSONDecoder().decode([String].self, from: Data(argvText.utf8))) ?? []
                    let finished: Double? = row["finished_at"]
                    return RunRecord(
                        id: row["id"], pipeline: row["pipeline"], argv: argv, pid: row["pid"],
                        startedAt: Date(timeIntervalSince1970: row["started_at"]),
                        finishedAt: finished.map(Date.init(timeIntervalSince1970:)), outcome: row["outcome"],
                        ran: row["ran"], cached: row["cached"], failed: row["failed"])
                }
            }
        }
    }
}

