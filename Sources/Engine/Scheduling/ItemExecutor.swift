import Foundation
import JSON
import PluginAPI

/// One attempt of one item, as handed to an executor.
public struct ItemJob: Sendable {
    public var id: ItemID
    public var stage: any Stage
    public var item: StageItem
    /// Resolved for this attempt: item-level interpolations (`${out}`, …) already applied.
    public var parameters: Parameters
    public var pipelineDirectory: URL
    /// The pipeline's `name:` (``PluginAPI/StageContext/pipelineName``).
    public var pipelineName: String
    public var cacheKey: String
    /// The attempt's private folder, laid out by ``files``.
    public var attemptDirectory: URL
    public var timeout: Double?
    /// Durable units tied to `cacheKey` (the coordinator records them).
    public var checkpoints: any CheckpointStore
    public var observer: RunObserver
    /// Told each child process group the attempt spawns (for `exec` and external plugins), right
    /// after the spawn: the coordinator records it with the item's lease, so that the next run
    /// kills it if this process dies first.
    public var childSpawned: @Sendable (ProcessGroup) async -> Void = { _ in }

    var files: AttemptFiles { AttemptFiles(directory: attemptDirectory) }
}

/// What a successful attempt produced: files already moved into the object store.
public struct AttemptResult: Sendable {
    public var outputs: [OutputFile]
    public var receipts: [JSONValue]

    public init(outputs: [OutputFile], receipts: [JSONValue]) {
        self.outputs = outputs
        self.receipts = receipts
    }
}

/// Runs item attempts. The seam between scheduling and execution (docs/architecture.md).
///
/// An executor runs the stage, then moves its outputs into the object store and returns
/// their digests. It never writes SQLite: the coordinator alone commits, so a cluster
/// executor's workers only need the shared object store.
///
/// Implementers must: write nothing outside `job.attemptDirectory` and the object store;
/// honour task cancellation (stop the work, kill child processes); throw ``PluginAPI/StageError``
/// with `code == .timeout` when `job.timeout` passes.
public protocol ItemExecutor: Sendable {
    func execute(_ job: ItemJob) async throws -> AttemptResult
}
