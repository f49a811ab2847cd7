import Foundation

/// The folders of failed attempts, kept for debugging: `WORKDIR/failed/STAGE/KEY/ATTEMPT`,
/// holding what the attempt left (its `out/` so far, `scratch/` with a child's log, and on Slurm
/// `job.json`, `slurm.log` and `result.json`; see ``AttemptFiles``). The newest ``keptPerItem``
/// of each item stay; `cache gc` removes them all.
///
/// Only attempts that failed are kept: a cancelled attempt is removed, and the folder of a run
/// that was killed stays in `staging/` until the next run sweeps it.
public struct FailedAttempts: Sendable {
    /// How many failed attempts of one item are kept.
    public static let keptPerItem = 3

    let workdir: Workdir

    public init(workdir: Workdir) {
        self.workdir = workdir
    }

    /// The folder holding the kept attempts of `item`: `failed/STAGE/KEY` (a key's `/` is a folder).
    public func folder(of item: ItemID) -> URL {
        workdir.failed.appendingPathComponent(item.stage, isDirectory: true)
            .appendingPathComponent(item.key, isDirectory: true)
    }

    /// Moves a failed attempt's folder under ``folder(of:)``, named by the time it failed so that
    /// names sort oldest first, then drops the oldest beyond ``keptPerItem``.
    /// - Returns: the folder's new path; nil when it could not be moved (it is then removed with
    ///   the rest of staging, as before: keeping it is for debugging, never needed for a run).
    @discardableResult
    func keep(_ attempt: URL, of item: ItemID, failedAt date: Date = Date()) -> URL? {
        let parent = folder(of: item)
        let destination = parent.appendingPathComponent(Self.name(failedAt: date, attempt: attempt), isDirectory: true)
        do {
            // Views of committed checkpoint units are hard links to objects: committed already,
            // and not the attempt's own files.
            try? FileManager.default.removeItem(at: AttemptFiles(directory: attempt).checkpoints)  // Absent for most stages.
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: attempt, to: destination)
        } catch {
            return nil
        }
        prune(parent)
        return destination
    }

    /// The newest kept attempt of `item`, nil when none is kept.
    public func newest(of item: ItemID) -> URL? {
        let parent = folder(of: item)
        // No folder: nothing kept for this item.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).filter(Self.isAttemptName)
        return names.max().map { parent.appendingPathComponent($0, isDirectory: true) }
    }

    /// Every kept attempt's folder, sorted by path: what ``removeAll()`` would remove.
    public func all() -> [URL] {
        let enumerator = FileManager.default.enumerator(at: workdir.failed, includingPropertiesForKeys: nil)
        var folders: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            guard Self.isAttemptName(url.lastPathComponent) else { continue }
            folders.append(url)
            enumerator?.skipDescendants()
        }
        return folders.sorted { $0.path < $1.path }
    }

    /// Removes every kept attempt.
    /// - Returns: how many attempt folders there were and their bytes.
    /// - Throws: ``CacheError`` when `failed/` cannot be removed.
    public func removeAll() throws -> (folders: Int, bytes: Int64) {
        let root = workdir.failed
        guard FileManager.default.fileExists(atPath: root.path) else { return (0, 0) }
        var folders = 0
        var bytes: Int64 = 0
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isSymbolicLinkKey])
        while let url = enumerator?.nextObject() as? URL {
            let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isSymbolicLinkKey])  // Gone meanwhile: not counted.
            if values?.isSymbolicLink != true { bytes += Int64(values?.fileSize ?? 0) }
            if Self.isAttemptName(url.lastPathComponent) { folders += 1 }
        }
        do {
            try FileManager.default.removeItem(at: root)
        } catch {
            throw CacheError("cannot remove the failed attempts in '\(root.path)'", code: .io, cause: error)
        }
        return (folders, bytes)
    }

    /// Keeps the newest ``keptPerItem`` attempts in `parent`.
    private func prune(_ parent: URL) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).filter(Self.isAttemptName)
        for name in names.sorted().dropLast(Self.keptPerItem) {
            // Best effort: an attempt left over is removed by the next prune or by `cache gc`.
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name, isDirectory: true))
        }
    }

    /// `20261207-124512.123-1a2b3c4d`: the UTC time it failed, then the start of its staging
    /// folder's UUID (two attempts failing within a millisecond keep both).
    static func name(failedAt date: Date, attempt: URL) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss.SSS"
        return formatter.string(from: date) + "-" + attempt.lastPathComponent.prefix(8)
    }

    static func isAttemptName(_ name: String) -> Bool {
        name.count >= 20 && name.prefix(8).allSatisfy(\.isNumber) && name.dropFirst(8).first == "-"
    }
}
