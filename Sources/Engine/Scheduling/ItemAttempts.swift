import Foundation
import PluginAPI

/// The immutable parts of a run that item tasks share.
struct RunEnvironment: Sendable {
    let plan: ExecutionPlan
    let evaluator: ItemEvaluator
    let store: CacheStore
    let executor: any ItemExecutor
    let options: RunOptions
    let observer: RunObserver
    let runID: String
    let staging: StagingArea
}

/// What a finished item task reports to the scheduler.
enum ItemCompletion: Sendable {
    case committed(index: Int, outputDigest: String, ranHere: Bool)
    case failed(index: Int, error: String)
    /// The run was interrupted while the item ran.
    case cancelled(index: Int)
    /// Another live run holds the item's lease: the scheduler tries it again later and meanwhile
    /// gives the slot to another item, so concurrent runs share the work.
    case heldElsewhere(index: Int)
    /// Nothing finished: the scheduler's timer for retrying held items fired.
    case wake
}

/// One item's task: lease its key, run attempts (retrying transient failures with
/// exponential back-off), then commit or record the failure.
struct ItemAttempts: Sendable {
    let index: Int
    let evaluation: ItemEvaluation
    let environment: RunEnvironment

    private var plan: ExecutionPlan { environment.plan }
    private var store: CacheStore { environment.store }
    private var id: ItemID { evaluation.id }

    func run() async -> ItemCompletion {
        guard let key = evaluation.cacheKey, let fields = evaluation.fields else {
            let reason: String
            if case .toRun(let text) = evaluation.verdict { reason = text } else { reason = "no cache key" }
            return .failed(index: index, error: reason)
        }
        do {
            switch try await store.leases.acquire(key, runID: environment.runID, ignoringEntry: evaluation.replacesEntry) {
            case .heldElsewhere:
                return .heldElsewhere(index: index)
            case .committed(let digest):
                try ensureView(key: key)
                return .committed(index: index, outputDigest: digest, ranHere: false)
            case .acquired:
                if evaluation.isForced { try await store.checkpoints.drop(key) }
                return try await attempt(key: key, fields: fields)
            }
        } catch {
            // The item stays without a cache entry; a later run tries again. The release must
            // happen even when this task was cancelled, so it runs in a task of its own.
            let (store, runID) = (store, environment.runID)
            _ = await Task { try? await store.leases.release(key, runID: runID) }.value
            if Self.isCancellation(error) { return .cancelled(index: index) }
            return .failed(index: index, error: "\(error)")
        }
    }

    /// Whether `error` is the run's interruption rather than the item's failure: a stage
    /// stopped by cancellation may throw anything (a killed child reports its signal).
    static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || Task.isCancelled
    }

    /// Another run committed the key; its view may not be published yet if that run died
    /// right after its commit.
    private func ensureView(key: String) throws {
        let view = store.workdir.view(of: id)
        guard !FileManager.default.fileExists(atPath: view.path), let entry = try store.entries.entry(key) else { return }
        let scratch = try environment.staging.makeAttemptDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }  // Scratch space; swept later anyway.
        try OutputView.publish(entry.outputs, at: view, objects: store.objects, scratch: scratch)
    }

    private func attempt(key: String, fields: CacheKeyFields) async throws -> ItemCompletion {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        var attemptNumber = 0
        while true {
            let directory = try environment.staging.makeAttemptDirectory()
            // Scratch space once the attempt ends, unless it failed and was moved to `failed/`;
            // the next run sweeps what a killed run leaves.
            defer { try? FileManager.default.removeItem(at: directory) }
            do {
                environment.observer(.itemStarted(id))
                let job = try makeJob(key: key, attemptDirectory: directory)
                let inputs = InputSnapshot(inputs: Array(job.item.inputs.values))
                let result = try await environment.executor.execute(job)
                if let change = inputs.firstChange(objects: store.objects) { throw try inputChanged(change) }
                let commit = ItemCommit(item: id, cacheKey: key, fields: fields, outputs: result.outputs,
                                        receipts: result.receipts, runID: environment.runID)
                // Finished work is committed even when the run is interrupted meanwhile: the commit
                // runs in a task of its own, which the interruption does not cancel.
                try await Task { [store] in try await store.entries.commit(commit) }.value
                let view = store.workdir.view(of: id)
                try OutputView.publish(result.outputs, at: view, objects: store.objects, scratch: directory)
                return .committed(index: index, outputDigest: commit.outputDigest, ranHere: true)
            } catch {
                if Self.isCancellation(error) { throw CancellationError() }
                // Kept for debugging; `status`, `why` and the run's summary name the newest.
                FailedAttempts(workdir: store.workdir).keep(directory, of: id)
                let message = "\(error)"
                let stageError = error as? StageError
                if stageError?.isTransient == true, attemptNumber < stage.spec.retries {
                    attemptNumber += 1
                    let delay = min(30, environment.options.retryBaseDelay * pow(2, Double(attemptNumber - 1)))
                    environment.observer(.itemRetrying(id, attempt: attemptNumber, error: message, delay: delay))
                    try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                    continue
                }
                try await store.items.recordFailure(item: id, cacheKey: key, fields: fields, error: message, runID: environment.runID)
                return .failed(index: index, error: message)
            }
        }
    }

    /// The item wrote to a committed object through its input links: the object no longer holds
    /// what its name says. Its entries are dropped (their producers run again) and the item fails.
    private func inputChanged(_ change: InputSnapshot.Change) throws -> StageError {
        let producers = try change.objectDigest.map { try store.entries.dropObject($0).items.map(\.description).sorted() } ?? []
        let producerList = producers.joined(separator: ", ")
        return StageError(
            "\(id) changed its input '\(change.input)', a committed output\(producers.isEmpty ? "" : " of \(producerList)"): "
                + "inputs are read-only; write under ${out} instead (the producer runs again next time)",
            code: .failed)
    }

    /// Records a spawned child's process group with the item's lease, so that the next run
    /// kills it if this process dies first.
    private func recordProcessGroup(key: String) -> @Sendable (ProcessGroup) async -> Void {
        { [store, runID = environment.runID] group in
            // Best effort: without the record the item still runs correctly; only a run killed
            // while this child runs would leave it unadopted.
            try? await store.leases.recordProcessGroup(group, cacheKey: key, runID: runID)
        }
    }

    private func makeJob(key: String, attemptDirectory: URL) throws -> ItemJob {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        let inputs = try environment.evaluator.inputs(
            of: index, committed: { evaluation.fields?.inputs[plan.items[$0].id.description] != nil },
            workdir: store.workdir, attemptDirectory: attemptDirectory)
        let stageItem = environment.evaluator.stageItem(index, inputs: inputs)
        let files = AttemptFiles(directory: attemptDirectory)
        let parameters = try environment.evaluator.parameters(index, stageItem: stageItem, outputDirectory: files.output)
        let checkpoints = EngineCheckpointStore(store: store, cacheKey: key, viewDirectory: files.checkpoints)
        return ItemJob(
            id: id, stage: stage.plugin, item: stageItem, parameters: parameters,
            pipelineDirectory: plan.pipeline.directory, pipelineName: plan.pipeline.name, cacheKey: key, attemptDirectory: attemptDirectory,
            timeout: stage.spec.timeout, checkpoints: checkpoints, observer: environment.observer,
            childSpawned: recordProcessGroup(key: key))
    }
}
