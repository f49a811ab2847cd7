import Foundation
import PluginAPI

/// Runs item attempts as Slurm batch jobs: by default the attempts of a stage that start
/// together as one job array, one attempt per task (see docs/cluster.md).
///
/// The driver (this process) writes the attempt's `job.json` into the staging folder, which
/// every node must see; the job runs `orchestrate worker` there, which runs the stage and writes
/// `result.json` and then `exit-status`. The driver then checks every output against the
/// worker's digests while moving it into the object store, and the scheduler commits as for a
/// local item. Workers never open the database.
public struct SlurmExecutor: ItemExecutor {
    /// What a job needs to know about its stage.
    public struct StageSettings: Sendable {
        public var uses: String
        public var resources: ClusterResources

        public init(uses: String, resources: ClusterResources) {
            self.uses = uses
            self.resources = resources
        }
    }

    let store: CacheStore
    let stages: [String: StageSettings]
    let queue: SlurmQueue
    let arrays: SlurmArrays

    /// - Parameters:
    ///   - stages: every stage this executor may run, by name.
    ///   - workerCommand: by default this executable's `worker` subcommand; it must be at the same
    ///     path on every node.
    public init(store: CacheStore, stages: [String: StageSettings], workerCommand: [String]? = nil) {
        self.store = store
        self.stages = stages
        queue = SlurmQueue(client: SlurmClient(directory: store.workdir.root))
        arrays = SlurmArrays(
            queue: queue, workerCommand: workerCommand ?? [Bundle.main.executablePath ?? CommandLine.arguments[0], "worker"])
    }

    /// Settings for every stage of `pipeline`.
    public static func settings(of pipeline: Pipeline) -> [String: StageSettings] {
        Dictionary(uniqueKeysWithValues: pipeline.stages.map { ($0.name, StageSettings(uses: $0.uses, resources: $0.resources)) })
    }

    /// Cancels the jobs that runs killed before they could (SIGKILL, a crash, a lost machine)
    /// left behind; their items run again. Call before sweeping staging.
    public static func cancelOrphans(of store: CacheStore) async throws {
        let orphans = try store.leases.takeOrphanedClusterJobs()
        guard !orphans.isEmpty else { return }
        await SlurmQueue(client: SlurmClient(directory: store.workdir.root)).cancelOrphans(orphans)
    }

    public func execute(_ job: ItemJob) async throws -> AttemptResult {
        guard let settings = stages[job.id.stage] else {
            throw StageError("stage '\(job.id.stage)' has no cluster settings", code: .failed)
        }
        let files = AttemptFiles(directory: job.attemptDirectory)
        try await Self.writeJob(job, uses: settings.uses, files: files)
        let jobID: String
        do {
            jobID = try await arrays.submit(
                directory: files.directory, options: await sbatchOptions(job, settings: settings), stage: job.id.stage,
                itemName: job.id.description, shape: SlurmArrays.Shape(settings.resources))
        } catch let failure as SlurmClient.Failure {
            throw StageError("\(job.id): \(failure)", code: .failed)
        }
        // Best effort: without the record the item still runs; only a driver killed while the job
        // runs would leave it for Slurm to finish.
        try? await store.leases.recordClusterJob(jobID, cacheKey: job.cacheKey)
        job.observer(.itemQueued(job.id))
        do {
            let end: SlurmQueue.JobEnd
            do {
                end = try await queue.wait(for: jobID, files: files) { job.observer(.itemRunning(job.id)) }
            } catch {
                await queue.cancel(jobID)
                throw error
            }
            switch end {
            case .statusFile(let last): return try collect(job, jobID: jobID, files: files, last: last)
            case .lost(let last): throw await lostJobError(job, jobID: jobID, last: last, files: files)
            }
        } catch {
            // Whatever ended the attempt, its units are kept for the next one; in a task of its
            // own, so that an interruption does not cancel it (as for item commits).
            await Task { await Self.commitCheckpoints(from: files, to: job.checkpoints) }.value
            throw error
        }
    }

    /// Writes the attempt's `job.json`, with the item's committed checkpoint units laid out in
    /// its `checkpoints/` (links into the shared object store).
    static func writeJob(_ job: ItemJob, uses: String, files: AttemptFiles) async throws {
        let units = try await job.checkpoints.committedUnits()
        try AttemptFiles.writeAtomically(AttemptFiles.encoder.encode(WorkerJob(job, uses: uses, checkpoints: units)), to: files.job)
    }

    /// Commits the checkpoint units an unsuccessful attempt's worker left, oldest first, so that
    /// the next attempt resumes after them. Best effort: without them it starts from the beginning.
    static func commitCheckpoints(from files: AttemptFiles, to store: any CheckpointStore) async {
        for unit in AttemptCheckpoints.written(in: files.checkpoints) {
            guard (try? await store.commit(cursor: unit.cursor, directory: unit.directory)) != nil else { return }
        }
    }

    /// The `sbatch` options of `job`'s attempt that its array shares (not its name, folder or command).
    private func sbatchOptions(_ job: ItemJob, settings: StageSettings) async -> [String] {
        var resources = settings.resources
        // The worker enforces `timeout:`; Slurm's limit (whole minutes, for a whole batch) is a
        // backstop one minute later.
        if resources.minutes == nil, let timeout = job.timeout {
            resources.minutes = Int((timeout * Double(resources.batchSize ?? 1) / 60).rounded(.up)) + 1
        }
        var options = ["--no-requeue"]
        let excluded = await queue.excludedNodes(key: job.cacheKey)
        if !excluded.isEmpty { options.append("--exclude=\(excluded.joined(separator: ","))") }
        return options + resources.sbatchArguments
    }

    /// Reads the worker's result; moves its outputs into the object store, checking each against
    /// the digest the worker computed (a network filesystem may still show an older or partial file).
    private func collect(_ job: ItemJob, jobID: String, files: AttemptFiles, last: SlurmClient.QueuedJob?) throws -> AttemptResult {
        let status = (try? String(contentsOf: files.exitStatus, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = try? Data(contentsOf: files.result), let result = try? JSONDecoder().decode(WorkerResult.self, from: data) else {
            throw StageError.transient("\(job.id): Slurm job \(jobID) wrote exit status \(status ?? "?") but no readable result.json")
        }
        if status != "0" {
            let code = result.errorCode.map(StageError.Code.init) ?? .failed
            var message = result.error ?? "worker exited \(status ?? "?")"
            // The cgroup killed the stage's child; the worker saw only a signal.
            if let last, last.state == "OUT_OF_MEMORY" {
                message = "\(job.id): Slurm job \(jobID) ended OUT_OF_MEMORY\(memoryLimit(job)): \(message)"
            }
            throw StageError(message, code: code, isTransient: result.transient ?? false)
        }
        let outputs = try OutputView.ingest(directory: files.output, into: store.objects)
        guard outputs == result.outputs else {
            throw StageError.transient(
                "\(job.id): the outputs of Slurm job \(jobID) differ from the digests its worker wrote "
                    + "(\(outputs.count) files here, \(result.outputs.count) written); is the staging folder shared by every node?")
        }
        return AttemptResult(outputs: outputs, receipts: result.receipts)
    }

    /// The error for a job that ended without its exit-status file. Node failures, boot failures
    /// and preemptions are transient (a new attempt, elsewhere when another node exists).
    private func lostJobError(_ job: ItemJob, jobID: String, last: SlurmClient.QueuedJob?, files: AttemptFiles) async -> StageError {
        let state = last?.state ?? "gone from the queue"
        let node = last.map { $0.node.isEmpty ? "" : " on \($0.node)" } ?? ""
        var message = "\(job.id): Slurm job \(jobID) ended \(state)\(node) without an exit status"
        switch last?.state {
        case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED":
            if let node = last?.node { await queue.recordFailedNode(node, key: job.cacheKey) }
            return StageError.transient(message)
        case "OUT_OF_MEMORY":
            return StageError(message + memoryLimit(job), code: .failed)
        case "TIMEOUT":
            return StageError(message + " (raise 'resources: time')", code: .timeout)
        default:
            let tail = LogTail.lines(of: files.log, count: 3)
            if !tail.isEmpty { message += "; its log ends: \(tail.joined(separator: " | "))" }
            return StageError(message, code: .failed)
        }
    }

    private func memoryLimit(_ job: ItemJob) -> String {
        stages[job.id.stage]?.resources.memoryMB.map { " (mem: \($0)M; raise 'resources: mem')" } ?? ""
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
