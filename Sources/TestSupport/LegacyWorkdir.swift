import Foundation

/// A pipeline folder whose workdir was written by the release at commit 09579c1, before the cache's
/// tables had record types: `p.yaml` (an `upper` stage over `data/*.txt` and a `total` gather, each
/// command logging `STAGE KEY` to `$EXECUTION_LOG`), its sources, and in `.orchestrate/` the database
/// loaded from the `sqlite3 .dump` that release's run left, with its objects. Newer code must read
/// it, resume it, and re-run nothing.
public enum LegacyWorkdir {
    /// `Tests/Fixtures/Workdir-09579c1`: what `make(in:)` copies.
    public static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/Workdir-09579c1", isDirectory: true)

    /// The sources of the fixture, by file name under `data/`.
    public static let sources = ["a.txt": "first clip\n", "b.txt": "second clip\n", "c.txt": "third clip\n"]

    /// Lays the fixture out in `root`: `p.yaml`, `data/`, and `.orchestrate/` with the database and
    /// its objects. Returns the workdir.
    /// - Throws: when a file cannot be copied or `sqlite3` cannot load the dump.
    @discardableResult
    public static func make(in root: URL) async throws -> URL {
        let files = FileManager.default
        try files.copyItem(at: fixture.appendingPathComponent("p.yaml"), to: root.appendingPathComponent("p.yaml"))
        let data = root.appendingPathComponent("data", isDirectory: true)
        try files.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in sources { try Data(text.utf8).write(to: data.appendingPathComponent(name)) }
        let workdir = root.appendingPathComponent(".orchestrate", isDirectory: true)
        try files.createDirectory(at: workdir, withIntermediateDirectories: true)
        try files.copyItem(at: fixture.appendingPathComponent("objects"), to: workdir.appendingPathComponent("objects"))
        let database = workdir.appendingPathComponent("orchestrate.sqlite")
        try await ChildProcess.checked(
            "/usr/bin/sqlite3", [database.path, ".read '\(fixture.appendingPathComponent("orchestrate.sql").path)'"])
        return workdir
    }
}
