import Foundation
import GRDB
import PluginAPI

/// The workdir's SQLite database (`orchestrate.sqlite`, WAL mode): cache entries, item
/// status, runs, leases, checkpoints, receipts and the stat memo.
///
/// One `DatabasePool` per process: readers (`status`, `cache ls`) never wait for a run,
/// and writes from several processes serialise through SQLite's lock with a busy timeout.
public final class CacheStore: Sendable {
    public let workdir: URL
    public let objects: ObjectStore
    let pool: DatabasePool

    public var databaseURL: URL { workdir.appendingPathComponent("orchestrate.sqlite") }
    public let stagingDirectory: URL
    public let outDirectory: URL

    /// Opens (creating when needed) the workdir and its database, migrating the schema.
    /// - Throws: ``CacheError`` with code `database` or `io`.
    public init(workdir: URL) throws {
        self.workdir = workdir.standardizedFileURL
        objects = ObjectStore(root: self.workdir.appendingPathComponent("objects", isDirectory: true))
        stagingDirectory = self.workdir.appendingPathComponent("staging", isDirectory: true)
        outDirectory = self.workdir.appendingPathComponent("out", isDirectory: true)
        do {
            for folder in ["objects", "staging", "out"] {
                try FileManager.default.createDirectory(
                    at: self.workdir.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(60)
            configuration.prepareDatabase { db in
                // WAL with NORMAL sync survives any process crash; only a power loss can
                // drop the last transactions, never corrupt the file.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            // Two processes opening a new workdir together race to switch it to WAL and to create
            // the tables: open and migrate under an exclusive lock on a file beside the database
            // (the kernel releases it if this process dies).
            let databasePath = self.workdir.appendingPathComponent("orchestrate.sqlite").path
            pool = try Self.whileLocking(self.workdir.appendingPathComponent("open.lock")) {
                let pool = try DatabasePool(path: databasePath, configuration: configuration)
                try Self.migrator.migrate(pool)
                return pool
            }
        } catch let error as CacheError {
            throw error
        } catch {
            throw CacheError("cannot open the cache in '\(workdir.path)'", code: .database, cause: error)
        }
    }

    private static func whileLocking<T>(_ lockFile: URL, _ body: () throws -> T) throws -> T {
        let descriptor = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CacheError("cannot open '\(lockFile.path)': \(String(cString: strerror(errno)))", code: .io)
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw CacheError("cannot lock '\(lockFile.path)': \(String(cString: strerror(errno)))", code: .io)
            }
        }
        return try body()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs(
                    id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, argv TEXT NOT NULL, pid INTEGER NOT NULL,
                    started_at REAL NOT NULL, finished_at REAL, outcome TEXT,
                    ran INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE objects(digest TEXT PRIMARY KEY, size INTEGER NOT NULL);
                CREATE TABLE cache_entries(
                    cache_key TEXT PRIMARY KEY, stage TEXT NOT NULL, item_key TEXT NOT NULL,
                    plugin TEXT NOT NULL, version TEXT NOT NULL, fields TEXT NOT NULL,
                    output_digest TEXT NOT NULL, run_id TEXT NOT NULL, created_at REAL NOT NULL,
                    last_hit_at REAL NOT NULL);
                CREATE TABLE entry_outputs(
                    cache_key TEXT NOT NULL REFERENCES cache_entries(cache_key) ON DELETE CASCADE,
                    path TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL,
                    PRIMARY KEY(cache_key, path));
                CREATE INDEX entry_outputs_digest ON entry_outputs(digest);
                CREATE TABLE receipts(
                    cache_key TEXT NOT NULL REFERENCES cache_entries(cache_key) ON DELETE CASCADE,
                    seq INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY(cache_key, seq));
                CREATE TABLE items(
                    stage TEXT NOT NULL, item_key TEXT NOT NULL, state TEXT NOT NULL,
                    cache_key TEXT NOT NULL, fields TEXT NOT NULL, error TEXT,
                    run_id TEXT NOT NULL, ran INTEGER NOT NULL, updated_at REAL NOT NULL,
                    PRIMARY KEY(stage, item_key));
                CREATE TABLE stat_memo(
                    path TEXT PRIMARY KEY, dev INTEGER NOT NULL, ino INTEGER NOT NULL,
                    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL);
                CREATE TABLE leases(
                    cache_key TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL,
                    boot_id TEXT NOT NULL, heartbeat REAL NOT NULL);
                CREATE TABLE checkpoints(
                    cache_key TEXT NOT NULL, seq INTEGER NOT NULL, cursor INTEGER NOT NULL,
                    created_at REAL NOT NULL, PRIMARY KEY(cache_key, seq));
                CREATE TABLE checkpoint_files(
                    cache_key TEXT NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL,
                    digest TEXT NOT NULL, PRIMARY KEY(cache_key, seq, path));
                """)
        }
        migrator.registerMigration("v2-lease-process-groups") { db in
            // The process group of the child an item runs, so the next run can kill an orphan.
            try db.execute(sql: """
                ALTER TABLE leases ADD COLUMN process_group INTEGER;
                ALTER TABLE leases ADD COLUMN process_start INTEGER;
                """)
        }
        migrator.registerMigration("v3-lease-cluster-jobs") { db in
            // The cluster job an item runs as, so the next run can cancel a dead driver's jobs.
            try db.execute(sql: "ALTER TABLE leases ADD COLUMN cluster_job TEXT")
        }
        return migrator
    }

    func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CacheError { throw error } catch {
            throw CacheError("cache database error while \(what) in '\(workdir.path)'", code: .database, cause: error)
        }
    }

    func wrap<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as CacheError { throw error } catch {
            throw CacheError("cache database error while \(what) in '\(workdir.path)'", code: .database, cause: error)
        }
    }

    // MARK: Stat memo

    func loadStatMemo() throws -> [String: SourceDigest] {
        try wrap("reading the stat memo") {
            try pool.read { db in
                var memo: [String: SourceDigest] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT path, dev, ino, size, mtime_ns, digest FROM stat_memo") {
                    memo[row[0]] = SourceDigest(
                        sha256: row[5],
                        stat: FileStat(device: row[1], inode: row[2], size: row[3], mtimeNanoseconds: row[4]))
                }
                return memo
            }
        }
    }

    func saveStatMemo(_ entries: [String: SourceDigest]) throws {
        try wrap("saving the stat memo") {
            try pool.write { db in
                for (path, memo) in entries {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO stat_memo(path, dev, ino, size, mtime_ns, digest) VALUES (?,?,?,?,?,?)",
                        arguments: [path, memo.stat.device, memo.stat.inode, memo.stat.size,
                                    memo.stat.mtimeNanoseconds, memo.sha256])
                }
            }
        }
    }
}
