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
    private let resume: ResumeNotice

    init(job: ItemJob) {
        parameters = job.parameters
        outputDirectory = job.files.output
        scratchDirectory = job.files.scratch
        pipelineDirectory = job.pipelineDirectory
        pipelineName = job.pipelineName
        stageName = job.id.stage
        id = job.id
        observer = job.observer
        let resume = ResumeNotice()
        self.resume = resume
        checkpoints = ResumeNotice.Watching(base: job.checkpoints, notice: resume)
        childSpawned = job.childSpawned
        var logger = Logger(label: "orchestrate.stage.\(job.id.stage)")
        logger[metadataKey: "item"] = "\(job.id)"
        self.logger = logger
    }

    func reportProgress(completed: Int, total: Int?, unit: String) {
        observer(.itemProgress(id, completed: completed, total: total, unit: unit))
        if let line = resume.take(completed: completed, total: total, unit: unit) { logger.info("\(line)") }
    }

    /// Logs that the attempt resumed, if the stage read checkpoint units and has not said so
    /// through a progress report: called when the stage returns.
    func announcePendingResume() {
        if let line = resume.take(completed: nil, total: nil, unit: nil) { logger.info("\(line)") }
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
        try store.checkpoints.units(cacheKey).map { unit in
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
        let sequence = try await store.checkpoints.commit(cacheKey, cursor: cursor, files: files)
        let view = viewDirectory.appendingPathComponent("\(sequence)", isDirectory: true)
        try OutputView.link(files, into: view, objects: store.objects)
        return CheckpointUnit(sequence: sequence, cursor: cursor, directory: view)
    }
}

/// Makes a resumed attempt say so in the item's log, once, whatever the stage: when it reads
/// checkpoint units of an earlier attempt, its next progress report becomes
/// `resumed after 20 of 36 frames` (or, with nothing to count yet, `resumed from 3 checkpoint
/// units of an earlier attempt`), so no later line reads as if all the work was done now.
final class ResumeNotice: Sendable {
    private enum State { case fresh, resumed(units: Int), announced }
    private let state = Mutex(State.fresh)

    /// The line to log now, if the attempt resumed and has not said so yet; a `completed` of nil
    /// (the stage returned without reporting progress) or 0 gives the unit count instead.
    func take(completed: Int?, total: Int?, unit: String?) -> String? {
        state.withLock { state in
            guard case .resumed(let units) = state else { return nil }
            state = .announced
            guard let completed, completed > 0, let unit else {
                return "resumed from \(units) checkpoint unit\(units == 1 ? "" : "s") of an earlier attempt"
            }
            return "resumed after \(completed)\(total.map { " of \($0)" } ?? "") \(unit)"
        }
    }

    fileprivate func unitsRead(_ count: Int) {
        state.withLock { state in
            if case .fresh = state, count > 0 { state = .resumed(units: count) }
        }
    }

    /// The attempt's ``CheckpointStore``, telling the notice what the stage read.
    struct Watching: CheckpointStore {
        let base: any CheckpointStore
        let notice: ResumeNotice

        func committedUnits() async throws -> [CheckpointUnit] {
            let units = try await base.committedUnits()
            notice.unitsRead(units.count)
            return units
        }

        @discardableResult
        func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
            try await base.commit(cursor: cursor, directory: directory)
        }
    }
}
