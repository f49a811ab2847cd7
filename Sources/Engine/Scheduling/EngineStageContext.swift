import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization

/// The ``StageContext`` the engine hands a stage for one attempt.
final class EngineStageContext: StageContext {
    let parameters: Parameters
    let outputDirectory: URL
    let scratchDirectory: URL
    let pipelineDirectory: URL
    let pipelineName: String
    let stageName: String
    let logger: Logger
    let checkpoints: any CheckpointStore
    private let childSpawned: @Sendable (ProcessGroup) async -> Void
    private let id: ItemID
    private let observer: RunObserver
    private let receipts = Mutex<[JSONValue]>([])

    init(job: ItemJob) {
        parameters = job.parameters
        outputDirectory = job.files.output
        scratchDirectory = job.files.scratch
        pipelineDirectory = job.pipelineDirectory
        pipelineName = job.pipelineName
        stageName = job.id.stage
        id = job.id
        observer = job.observer
        checkpoints = job.checkpoints
        childSpawned = job.childSpawned
        var logger = Logger(label: "orchestrate.stage.\(job.id.stage)")
        logger[metadataKey: "item"] = "\(job.id)"
        self.logger = logger
    }

    func reportProgress(completed: Int, total: Int?, unit: String) {
        observer(.itemProgress(id, completed: completed, total: total, unit: unit))
    }

    func recordReceipt(_ receipt: JSONValue) {
        receipts.withLock { $0.append(receipt) }
    }

    var recordedReceipts: [JSONValue] { receipts.withLock { $0 } }

    func childProcessGroupStarted(leader: Int32) async {
        // No /proc entry: the child is already gone, and there is no group left to kill.
        guard let group = ProcessGroup.led(by: leader) else { return }
        await childSpawned(group)
    }
}

/// Checkpoint units as committed objects plus rows tied to the item's cache key.
struct EngineCheckpointStore: CheckpointStore {
    let store: CacheStore
    let cacheKey: String
    /// Where `committedUnits()` lays out read-only views of the units.
    let viewDirectory: URL

    func committedUnits() async throws -> [CheckpointUnit] {
        try store.checkpointUnits(cacheKey).map { unit in
            let directory = viewDirectory.appendingPathComponent("\(unit.sequence)", isDirectory: true)
            try OutputView.link(unit.files, into: directory, objects: store.objects)
            return CheckpointUnit(sequence: unit.sequence, cursor: unit.cursor, directory: directory)
        }
    }

    @discardableResult
    func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
        // Ingest a copy: the stage keeps its directory as it was.
        let copy = viewDirectory.appendingPathComponent("incoming-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: viewDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: directory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }  // Emptied by the ingest; scratch space.
        let files = try OutputView.ingest(directory: copy, into: store.objects)
        let sequence = try await store.commitCheckpoint(cacheKey, cursor: cursor, files: files)
        let view = viewDirectory.appendingPathComponent("\(sequence)", isDirectory: true)
        try OutputView.link(files, into: view, objects: store.objects)
        return CheckpointUnit(sequence: sequence, cursor: cursor, directory: view)
    }
}
