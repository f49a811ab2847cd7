import Foundation
import Labels
import Lightly
import PluginAPI
import Storage

/// What a selection run reads from its two datasources, listed once: the videos of the input
/// datasource and the `.lightly` files (predictions, metadata, embeddings) of the Lightly one.
/// `.lightly/runs/` is listed apart: runs write there, so it never enters a digest. With `tasks`
/// (the tasks the config names), only those tasks' prediction files count, and of `tasks.json`
/// only which of them it lists: another round's task appearing changes nothing this run reads.
struct DatasourceSnapshot: Sendable {
    let input: any BlobStore
    let lightly: any BlobStore
    /// Videos of the input datasource, by key.
    let videos: [ObjectInfo]
    /// `.lightly/` files other than runs (of the predictions, only the tasks of `tasks`).
    let lightlyFiles: [ObjectInfo]
    /// The prediction tasks the run reads; `nil`: every task `tasks.json` lists.
    let tasks: Set<String>?
    /// With `tasks`: those of them `tasks.json` lists, in its order (in the digests instead of its bytes).
    let listedTasks: [String]
    /// `.lightly/runs/` and `.lightly/labels/` files: in no selection's digest (runs write
    /// them), but the browser view shows them (``ViewInputs``).
    let runAndLabelFiles: [ObjectInfo]
    /// Earlier runs: run id → key of its `selected_filenames.txt`.
    let runs: [String: String]
    /// The round ledger (`.lightly/labels/ledger.json`), read only for a round after the first;
    /// its bytes' digest enters the run id and the cache key.
    let ledger: (ledger: RoundLedger, digest: String)?

    /// Lists both datasources; with `readsLedger`, reads the round ledger too. The labels under
    /// `.lightly/labels/` are not listed: they change only what a later round selects, through the
    /// ledger, so importing labels never re-runs an earlier round.
    static func list(
        input: any BlobStore, lightly: any BlobStore, readsLedger: Bool = false, tasks: Set<String>? = nil
    ) async throws -> DatasourceSnapshot {
        let inputObjects = try await mapped { try await input.list(prefix: "") }
        let lightlyObjects = try await mapped { try await lightly.list(prefix: LightlyLayout.root + "/") }
        var runs: [String: String] = [:]
        for object in lightlyObjects {
            guard let (folder, file) = SelectionRunFolder.parse(object.key), file == SelectionRunFolder.selectedFilenames,
                  !folder.isTag  // A tag made in the view is no earlier selection.
            else { continue }
            runs[folder.runID] = object.key
        }
        var ledger: (ledger: RoundLedger, digest: String)?
        if readsLedger, lightlyObjects.contains(where: { $0.key == LabelLayout.ledgerFile }) {
            let data = try await mapped { try await lightly.get(LabelLayout.ledgerFile, range: nil) }
            do {
                ledger = (try LightlyCoding.decode(RoundLedger.self, from: data, file: LabelLayout.ledgerFile), FileDigest.sha256(of: data))
            } catch {
                throw StageError("Lightly datasource \(lightly.location): \(error)", code: .invalidInput)
            }
        }
        var listedTasks: [String] = []
        if let tasks, lightlyObjects.contains(where: { $0.key == LightlyLayout.tasksFile }) {
            do {
                listedTasks = try await LightlyDatasourceReader(source: BlobStoreTree(store: lightly)).readTaskNames().filter(tasks.contains)
            } catch {
                throw StageError("Lightly datasource \(lightly.location): \(error)", code: .invalidInput)
            }
        }
        return DatasourceSnapshot(
            input: input, lightly: lightly,
            videos: inputObjects.filter { isVideo($0.key) },
            lightlyFiles: lightlyObjects.filter {
                !$0.key.hasPrefix(SelectionRunFolder.parent + "/") && !$0.key.hasPrefix(LightlyLayout.root + "/tmp")
                    && !$0.key.hasPrefix(LabelLayout.root + "/") && isRead($0.key, tasks: tasks)
            },
            tasks: tasks, listedTasks: listedTasks,
            runAndLabelFiles: lightlyObjects.filter {
                $0.key.hasPrefix(SelectionRunFolder.parent + "/") || $0.key.hasPrefix(LabelLayout.root + "/")
            },
            runs: runs, ledger: ledger)
    }

    /// Whether a `.lightly` file is one a run reading `tasks` reads: all but other tasks' predictions and `tasks.json`.
    static func isRead(_ key: String, tasks: Set<String>?) -> Bool {
        guard let tasks, key.hasPrefix(LightlyLayout.predictions + "/") else { return true }
        return tasks.contains { key.hasPrefix(LightlyLayout.taskDirectory($0) + "/") }
    }

    static func isVideo(_ key: String) -> Bool {
        LightlyLayout.videoExtensions.contains(FrameName.splitExtension(key).ext.lowercased())
    }

    /// A digest of keys, sizes and ETags (no times, no datasource URLs): the same data listed later,
    /// or in a fresh datasource elsewhere, gives the same digest, so it can name a run.
    var contentDigest: String {
        Self.sha256(lines: listing(withTimes: false))
    }

    /// A digest of the datasource URLs and of keys, sizes, ETags and, for local files, modification
    /// times: the external state in the cache key (docs/cache.md), so changed predictions re-run
    /// the selection.
    var stateDigest: String {
        Self.sha256(lines: ["input\t\(input.location)", "lightly\t\(lightly.location)"] + listing(withTimes: true))
    }

    private func listing(withTimes: Bool) -> [String] {
        func lines(_ role: String, _ store: any BlobStore, _ objects: [ObjectInfo]) -> [String] {
            objects.map { object in
                var fields = [role, object.key, String(object.size), object.etag ?? object.sha256 ?? "-"]
                if withTimes, object.etag == nil, let time = Self.modificationTime(store, object.key) { fields.append(time) }
                return fields.joined(separator: "\t")
            }
        }
        return lines("input", input, videos) + lines("lightly", lightly, lightlyFiles)
            + (tasks == nil ? [] : ["tasks\t" + listedTasks.joined(separator: "\t")])
            + (ledger.map { ["ledger\t\($0.digest)"] } ?? [])
    }

    /// A local file's modification time in nanoseconds; nil for remote objects (their ETag counts).
    static func modificationTime(_ store: any BlobStore, _ key: String) -> String? {
        guard case .file(let root) = store.location else { return nil }
        let path = root.appendingPathComponent(key).path
        // A file removed since listing has no time; its absence changes the next listing anyway.
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return String(Int64((date.timeIntervalSince1970 * 1e9).rounded()))
    }

    static func sha256(lines: [String]) -> String {
        FileDigest.sha256(of: Data(lines.joined(separator: "\n").utf8))
    }

    /// A local file path for a video, downloading remote ones into `scratch`.
    func localVideo(_ key: String, scratch: URL) async throws -> URL {
        if case .file(let root) = input.location { return root.appendingPathComponent(key) }
        let data = try await mapped { try await input.get(key, range: nil) }
        let url = scratch.appendingPathComponent(key)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw StageError("cannot store a copy of '\(input.location.objectURL(key))' in '\(url.path)': \(error.localizedDescription)")
        }
        return url
    }
}
