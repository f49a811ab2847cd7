import Foundation

/// The run's one view of the Slurm queue: submits jobs, watches ALL of the run's live jobs with
/// one `squeue` call per polling round (however many items wait), and cancels jobs in batches.
///
/// The exit-status file a worker writes last is the source of truth; `squeue` only says when a
/// job has left without one (killed, out of memory, node failure). Slurm forgets ended jobs
/// `MinJobAge` seconds after they end and clusters without accounting storage have no `sacct`,
/// so a job missing from `squeue` counts as ended.
actor SlurmQueue {
    /// How a watched job ended.
    enum JobEnd: Sendable {
        /// Its exit-status file exists: read the worker's result. For a failed worker, the job's
        /// final Slurm state when Slurm still knew it (OUT_OF_MEMORY explains a killed child).
        case statusFile(SlurmClient.QueuedJob?)
        /// It left the queue without one; the last state Slurm reported, if any.
        case lost(SlurmClient.QueuedJob?)
    }

    struct Timing: Sendable {
        /// Seconds between polling rounds (status files, then one `squeue`).
        var pollInterval: Double = 0.5
        /// How long a job that ended may take to show its exit-status file over a network filesystem.
        var grace: Double = 5
        /// The longest wait between rounds while the controller does not answer.
        var maxBackOff: Double = 10
        /// How long submissions keep retrying while the controller does not answer.
        var controllerPatience: Double = 600
    }

    /// One attempt being watched. The attempts of a batch share their job.
    private struct Watch {
        var jobID: String
        var files: AttemptFiles
        var continuation: CheckedContinuation<JobEnd, Error>
        /// Told once, when the worker's `started` marker appears (or its exit status does first).
        var onRunning: (@Sendable () -> Void)?
        var last: SlurmClient.QueuedJob?
        var endedAt: Date?
    }

    private let client: SlurmClient
    private let timing: Timing
    /// By attempt folder.
    private var watched: [URL: Watch] = [:]
    private var poller: Task<Void, Never>?
    private var pendingCancels: [String] = []
    private var cancelFlush: Task<Void, Never>?
    private var nodeCount: Int?
    /// Nodes where an item's earlier attempt died, by cache key.
    private var failedNodes: [String: Set<String>] = [:]

    init(client: SlurmClient, timing: Timing = Timing()) {
        self.client = client
        self.timing = timing
    }

    /// Submits a job, retrying with back-off while the controller does not answer.
    func submit(_ arguments: [String]) async throws -> String {
        var delay = timing.pollInterval
        let deadline = Date().addingTimeInterval(timing.controllerPatience)
        while true {
            do {
                return try await client.submit(arguments)
            } catch let failure as SlurmClient.Failure where Self.isUnreachable(failure) && Date() < deadline {
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                delay = min(delay * 2, timing.maxBackOff)
            }
        }
    }

    /// Waits until the attempt in `files` has ended: its exit-status file appeared, or its job
    /// `id` left the queue without one. `onRunning` is called once when its worker has started,
    /// before this returns. Cancelling the waiting task stops watching (the caller cancels the job).
    func wait(for id: String, files: AttemptFiles, onRunning: @escaping @Sendable () -> Void = {}) async throws -> JobEnd {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                watched[files.directory] = Watch(jobID: id, files: files, continuation: continuation, onRunning: onRunning)
                if poller == nil { poller = Task { await self.poll() } }
            }
        } onCancel: {
            Task { await self.stopWatching(files.directory) }
        }
    }

    /// Cancels job `id` together with every other job cancelled within the same 50 ms: a
    /// Ctrl-C cancels all of the run's jobs with one `scancel`. A job still running other
    /// watched attempts (a batch) is left to them. Returns once `scancel` has run.
    func cancel(_ id: String) async {
        pendingCancels.append(id)
        let flush: Task<Void, Never>
        if let running = cancelFlush { flush = running } else {
            // Unstructured: runs to its end even though the caller's task is cancelled.
            flush = Task {
                try? await Task.sleep(nanoseconds: 50_000_000)
                await self.flushCancels()
            }
            cancelFlush = flush
        }
        await flush.value
    }

    /// Cancels jobs left by a dead driver (best effort: they may have ended already).
    func cancelOrphans(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        // The attempts of a batch share their job.
        try? await client.cancel(Set(ids).sorted())
    }

    /// Remembers that an attempt of `key` died with node `node`.
    func recordFailedNode(_ node: String, key: String) {
        guard !node.isEmpty else { return }
        failedNodes[key, default: []].insert(node)
    }

    /// The nodes to exclude for `key`'s next attempt: those it failed on, unless that would
    /// leave no node at all (a one-node cluster waits for its node to come back).
    func excludedNodes(key: String) async -> [String] {
        guard let failed = failedNodes[key], !failed.isEmpty else { return [] }
        if nodeCount == nil {
            let lines = (try? await client.run(["sinfo", "--noheader", "--format=%D"])) ?? []
            nodeCount = lines.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
        }
        return (nodeCount ?? 0) > failed.count ? failed.sorted() : []
    }

    private func flushCancels() async {
        let live = Set(watched.values.map(\.jobID))
        let ids = Set(pendingCancels).subtracting(live).sorted()
        pendingCancels = []
        cancelFlush = nil
        // Best effort: a job that already ended cannot be cancelled, and scancel says so.
        try? await client.cancel(ids)
    }

    private func stopWatching(_ attempt: URL) {
        watched.removeValue(forKey: attempt)?.continuation.resume(throwing: CancellationError())
    }

    private func finish(_ attempt: URL, _ end: JobEnd) {
        guard let watch = watched.removeValue(forKey: attempt) else { return }
        // A job that ended between two rounds still ran if its worker wrote an exit status.
        if case .statusFile = end { watch.onRunning?() }
        watch.continuation.resume(returning: end)
    }

    /// Polling rounds while any job is watched.
    private func poll() async {
        var delay = timing.pollInterval
        while !watched.isEmpty {
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            for (attempt, watch) in watched {
                if Self.reportsSuccess(watch.files.exitStatus) {
                    finish(attempt, .statusFile(nil))
                } else if let onRunning = watch.onRunning, FileManager.default.fileExists(atPath: watch.files.started.path) {
                    onRunning()
                    watched[attempt]?.onRunning = nil
                }
            }
            guard !watched.isEmpty else { break }
            do {
                let states = try await client.states(of: Set(watched.values.map(\.jobID)).sorted())
                delay = timing.pollInterval
                update(states, now: Date())
            } catch {
                // The controller is down or busy: keep watching the files, ask Slurm less often.
                delay = min(delay * 2, timing.maxBackOff)
            }
        }
        poller = nil
    }

    private func update(_ states: [String: SlurmClient.QueuedJob], now: Date) {
        for attempt in watched.keys {
            guard var watch = watched[attempt] else { continue }
            if let state = states[watch.jobID] { watch.last = state }
            let ended = states[watch.jobID].map(\.hasEnded) ?? true
            guard ended else {
                watch.endedAt = nil
                watched[attempt] = watch
                continue
            }
            let endedAt = watch.endedAt ?? now
            watch.endedAt = endedAt
            watched[attempt] = watch
            if FileManager.default.fileExists(atPath: watch.files.exitStatus.path) {
                finish(attempt, .statusFile(watch.last))
            } else if Self.diesWithoutStatus(watch.last) || now.timeIntervalSince(endedAt) >= timing.grace {
                finish(attempt, .lost(watch.last))
            }
        }
    }

    /// Whether `statusFile` says the worker succeeded: then the job's state does not matter. A
    /// failed worker's job is watched until it ends, for its state.
    private static func reportsSuccess(_ statusFile: URL) -> Bool {
        (try? String(contentsOf: statusFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }

    /// States in which the worker cannot have written its exit status: no grace to wait for.
    private static func diesWithoutStatus(_ job: SlurmClient.QueuedJob?) -> Bool {
        guard let state = job?.state else { return false }
        return ["OUT_OF_MEMORY", "TIMEOUT", "NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "CANCELLED", "DEADLINE"].contains(state)
    }

    static func isUnreachable(_ failure: SlurmClient.Failure) -> Bool {
        let text = failure.stderr.lowercased()
        return ["unable to contact slurm controller", "timed out", "connection refused", "zero bytes were transmitted",
                "slurm_persist_conn", "communication connection failure"].contains { text.contains($0) }
    }
}
