import Foundation


/// Where things live in a workdir: the database, the object store, the staging area and the
/// `out/` views. Every path under a workdir is named here, once.
///
/// ```text
/// WORKDIR/orchestrate.sqlite   the cache (one process's driver writes it; docs/cache.md)
/// WORKDIR/objects/             committed outputs, by content digest
/// WORKDIR/staging/PID@BOOT/    running processes' attempt folders (laid out by AttemptFiles)
/// WORKDIR/failed/STAGE/KEY/    the last failed attempts' folders of each item (FailedAttempts)
/// WORKDIR/out/STAGE/KEY/       hard-link views of committed items
/// WORKDIR/view/                the browser view of the latest selection run (`orchestrate view`)
/// ```
public struct Workdir: Sendable, Hashable {
    public let root: URL
    private let outPath: String

    public init(_ root: URL) {
        self.root = root.standardizedFileURL
        outPath = self.root.appendingPathComponent("out").path
    }

    public var database: URL { root.appendingPathComponent("orchestrate.sqlite") }
    public var objects: URL { root.appendingPathComponent("objects", isDirectory: true) }
    public var staging: URL { root.appendingPathComponent("staging", isDirectory: true) }
    /// Failed attempts' folders kept for debugging: `failed/`.
    public var failed: URL { root.appendingPathComponent("failed", isDirectory: true) }
    /// The views of every stage: `out/`.
    public var out: URL { root.appendingPathComponent("out", isDirectory: true) }

    /// The browser view of the latest selection run: `view/` (`orchestrate view`).
    public var browserView: URL { root.appendingPathComponent("view", isDirectory: true) }

    /// One stage's view: `out/STAGE`, a folder per committed item.
    public func view(ofStage stage: String) -> URL {
        out.appendingPathComponent(stage, isDirectory: true)
    }

    /// One item's committed outputs: `out/STAGE/KEY`.
    public func view(of item: ItemID) -> URL {
        view(ofStage: item.stage).appendingPathComponent(item.key, isDirectory: true)
    }

    /// ``view(of:)`` as a path string, for loops over every item of a run (a URL per item costs
    /// more than the rest of a cache hit).
    public func viewPath(of item: ItemID) -> String {
        outPath + "/" + item.stage + "/" + item.key
    }

    /// What a workdir may hold: the database (with its WAL files and lock), the object store,
    /// staging, failed attempts and the views.
    static let entries: Set<String> = [
        "orchestrate.sqlite", "orchestrate.sqlite-wal", "orchestrate.sqlite-shm", "orchestrate.sqlite-journal",
        "open.lock", "objects", "staging", "failed", "out", "view",
    ]

    /// The folders a new workdir gets.
    var folders: [URL] { [objects, staging, out] }
    var openLock: URL { root.appendingPathComponent("open.lock") }
}
