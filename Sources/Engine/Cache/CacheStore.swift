import Foundation
import GRDB
import PluginAPI

/// The workdir's SQLite database (`orchestrate.sqlite`, WAL mode), as one store per concern over
/// one database writer: ``entries`` (cache entries and their objects), ``items`` (item states,
/// runs, the workdir's owner), ``leases``, ``checkpoints`` (progress units) and ``statMemo``.
///
/// One `DatabasePool` per process: readers (`status`, `cache ls`) never wait for a run,
/// and writes from several processes serialise through SQLite's lock with a busy timeout.
public final class CacheStore: Sendable {
    public let workdir: Workdir
    public let objects: ObjectStore
    public let entries: EntryStore
    public let items: ItemStore
    public let leases: LeaseStore
    public let checkpoints: CheckpointUnitStore
    public let statMemo: StatMemoStore

    /// Opens (creating when needed) the workdir and its database, migrating the schema.
    ///
    /// With `readOnly`, a workdir without a database is not created: the store is empty and
    /// in memory (commands that only look, such as `status`, leave the disk as it was).
    /// - Throws: ``CacheError`` with code `database` or `io`.
    public convenience init(workdir root: URL, readOnly: Bool = false) throws {
        let workdir = Workdir(root)
        try self.init(workdir: workdir, writer: Self.openDatabase(of: workdir, readOnly: readOnly))
    }

    private init(workdir: Workdir, writer: any DatabaseWriter) {
        self.workdir = workdir
        objects = ObjectStore(root: workdir.objects)
        let database = CacheDatabase(writer: writer, workdir: workdir)
        entries = EntryStore(database: database, objects: objects)
        items = ItemStore(database: database)
        leases = LeaseStore(database: database)
        checkpoints = CheckpointUnitStore(database: database)
        statMemo = StatMemoStore(database: database)
    }

    /// The workdir's database, migrated: a `DatabasePool` on its file, or for a read-only look at
    /// a workdir that does not exist yet, an empty in-memory database (so `status` never creates one).
    private static func openDatabase(of workdir: Workdir, readOnly: Bool) throws -> any DatabaseWriter {
        let databasePath = workdir.database.path
        if readOnly && !FileManager.default.fileExists(atPath: databasePath) {
            do {
                let empty = try DatabaseQueue()
                try migrator.migrate(empty)
                return empty
            } catch {
                throw CacheError("cannot open an empty cache", code: .database, cause: error)
            }
        }
        try checkWorkdir(workdir.root)
        do {
            try FileManager.default.createDirectory(at: workdir.root, withIntermediateDirectories: true)
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
            return try whileLocking(workdir.openLock) {
                // Under the lock: a process creating this workdir right now is done with it.
                try checkWorkdirEntries(workdir.root)
                for folder in workdir.folders {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                }
                let pool = try DatabasePool(path: databasePath, configuration: configuration)
                try migrator.migrate(pool)
                return pool
            }
        } catch let error as CacheError {
            throw error
        } catch {
            throw CacheError("cannot open the cache in '\(workdir.root.path)'", code: .database, cause: error)
        }
    }

    /// Refuses a workdir that is a file or that cannot be created or written, creating it when
    /// it is not there yet. (What it holds is checked under the open lock: `checkWorkdirEntries`.)
    static func checkWorkdir(_ workdir: URL) throws {
        let path = workdir.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            try createFolder(workdir)
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw CacheError("the workdir '\(path)' is a file; name a folder for `workdir:`", code: .io)
        }
        guard access(path, W_OK) == 0 else {
            throw CacheError("cannot write to the workdir '\(path)': \(String(cString: strerror(errno)).lowercased())", code: .io)
        }
    }

    /// Creates `folder` and its missing parents, failing with the system's reason in words
    /// (`cannot create the workdir '/proc/x': no such file or directory`), not a Foundation code.
    private static func createFolder(_ folder: URL) throws {
        var missing: [String] = []
        var current = folder.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path), current.path != "/" {
            missing.append(current.path)
            current = current.deletingLastPathComponent()
        }
        for path in missing.reversed() where mkdir(path, 0o755) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno)).lowercased()
            throw CacheError("cannot create the workdir '\(folder.path)': \(reason)", code: .io)
        }
    }

    /// Refuses a workdir holding anything that is not orchestrate's: `cache clear` and the views
    /// replace `out/`, and nothing of the user's may be in the way. Runs under the open lock.
    private static func checkWorkdirEntries(_ workdir: URL) throws {
        let path = workdir.path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        // A folder without a database is no workdir yet: it must be empty but for the lock (an
        // `out/` in it is the user's).
        let isWorkdir = entries.contains("orchestrate.sqlite")
        let foreign = entries.filter { isWorkdir ? !Workdir.entries.contains($0) : $0 != "open.lock" }.sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
            throw CacheError(
                "the workdir '\(path)' holds files that are not orchestrate's (\(shown)); a workdir must be a new or "
                    + "empty folder of its own (the default is .orchestrate beside the pipeline)", code: .io)
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
        migrator.registerMigration("v3-owner") { db in
            // The pipeline file whose cache this is (see `claim(for:)`); empty until one claims it.
            try db.execute(sql: "CREATE TABLE owner(pipeline TEXT NOT NULL)")
        }
        migrator.registerMigration("v4-lease-cluster-jobs") { db in
            // The cluster job an item runs as, so the next run can cancel a dead driver's jobs.
            try db.execute(sql: "ALTER TABLE leases ADD COLUMN cluster_job TEXT")
        }
        return migrator
    }
}
