import Foundation
import Lightly
import PluginAPI
import Storage

/// `.lightly/predictions/tasks.json` as `upload` keeps it: an index that every upload into the
/// datasource shares (the rounds of a pipeline, other pipelines), not an object one stage owns.
/// An upload merges its plan's tasks into it: the tasks already listed whose `<task>/schema.json`
/// is still in the datasource stay, in their order, and the plan's missing ones follow. So a task
/// whose files a stage pruned leaves the index, unless another record still claims its schema.
///
/// Not locked: after writing, the index is read back and merged again while the plan's tasks are
/// missing (another upload wrote it in between), a bounded number of times. A merge that lands
/// after our read-back can still drop our tasks; the stage's receipt (the tasks it needs) then
/// fails `verify`, and the next run merges them in again.
struct TasksIndex: Sendable {
    let store: any BlobStore

    /// How often a merge is tried before the stage fails (transiently).
    static let attempts = 4

    /// The listed tasks, in order; `nil` when the datasource has no `tasks.json`.
    /// - Throws: ``StageError`` naming the datasource when the file is not a list of task names.
    func read() async throws -> [String]? {
        guard try await mapped({ try await store.head(LightlyLayout.tasksFile) }) != nil else { return nil }
        do {
            return try await LightlyDatasourceReader(source: BlobStoreTree(store: store)).readTaskNames()
        } catch let error as LightlyError {
            throw StageError(
                "datasource \(store.location): \(error.description); fix or remove it to let upload write a new one",
                code: .invalidInput)
        }
    }

    /// Whether the stored index lists every one of `tasks` (others may be listed too).
    func lists(_ tasks: [String]) async throws -> Bool {
        guard let stored = try await read() else { return tasks.isEmpty }
        return Set(tasks).isSubset(of: stored)
    }

    /// Merges `tasks` into the stored index (see the type's doc); writes only when that changes
    /// the list, and nothing when there is no index and no task. Returns the object it wrote.
    func merge(_ tasks: [String]) async throws -> ObjectInfo? {
        for _ in 0..<Self.attempts {
            try Task.checkCancellation()
            let stored = try await read()
            var merged: [String] = []
            for task in stored ?? [] where !merged.contains(task) {
                guard !tasks.contains(task) else {
                    merged.append(task)
                    continue
                }
                if try await mapped({ try await store.head(LightlyLayout.schemaFile(task: task)) }) != nil { merged.append(task) }
            }
            for task in tasks where !merged.contains(task) { merged.append(task) }
            if merged == (stored ?? []) { return nil }
            let data = try LightlyCoding.encode(merged)
            let written = try await mapped { try await store.put(LightlyLayout.tasksFile, data: data) }
            // Another upload may have written between our read and our write: read back.
            if try await lists(tasks) { return written }
        }
        throw StageError.transient(
            "datasource \(store.location): \(LightlyLayout.tasksFile) lost the tasks \(tasks.map { "'\($0)'" }.joined(separator: ", ")) \(Self.attempts) times: other uploads keep rewriting it; run them one after the other")
    }
}
