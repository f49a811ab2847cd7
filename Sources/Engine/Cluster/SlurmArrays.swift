import Foundation

/// Submits the attempts of a stage that start together with one `sbatch`: a job array whose
/// tasks each run `batch` attempts one after another (see docs/cluster.md, "Many small items").
///
/// Attempts with the same `sbatch` options that arrive within a short window join one
/// submission. Every attempt keeps its own folder, `result.json`, exit-status file and commit;
/// the attempts of one task share its job id (`ARRAY_TASK`).
actor SlurmArrays {
    struct Timing: Sendable {
        /// A submission goes once no attempt has joined it for this long (a loaded driver may
        /// take tens of milliseconds between two attempts' leases)…
        var quiet: Double = 0.2
        /// …or this long after its first attempt joined, whichever comes first.
        var longest: Double = 1
    }

    /// How one stage's attempts are grouped.
    struct Shape: Hashable, Sendable {
        /// The most tasks of one array (1: no arrays). Slurm's default `MaxArraySize` (1001)
        /// allows indices 0…1000.
        var arraySize = 1000
        /// The attempts one job or task runs one after another.
        var batchSize = 1

        init(_ resources: ClusterResources) {
            arraySize = resources.arraySize ?? arraySize
            batchSize = resources.batchSize ?? batchSize
        }
    }

    private struct Member {
        var directory: URL
        var continuation: CheckedContinuation<String, Error>
    }

    private struct Gathering {
        var options: [String]
        var stage: String
        var shape: Shape
        var members: [Member] = []
        var firstAt = Date()
        var lastAt = Date()
    }

    private let queue: SlurmQueue
    /// The worker command, quoted for the shell; the attempt folder follows it.
    private let worker: String
    private let timing: Timing
    private var gatherings: [String: Gathering] = [:]

    init(queue: SlurmQueue, workerCommand: [String], timing: Timing = Timing()) {
        self.queue = queue
        worker = workerCommand.map(SlurmExecutor.shellQuoted).joined(separator: " ")
        self.timing = timing
    }

    /// Submits the worker for `directory` with `options`, with other attempts of `stage`
    /// submitted with the same options at about the same time. Returns the attempt's job id:
    /// `ID`, or `ID_TASK` in an array.
    func submit(directory: URL, options: [String], stage: String, itemName: String, shape: Shape) async throws -> String {
        guard shape.arraySize > 1 || shape.batchSize > 1 else {
            return try await queue.submit(options + [
                "--job-name=orchestrate:\(itemName)", "--output=\(AttemptFiles(directory: directory).log.path)",
                "--chdir=\(directory.path)", "--wrap=exec \(worker) \(SlurmExecutor.shellQuoted(directory.path))",
            ])
        }
        let key = ([stage] + options).joined(separator: "\u{0}")
        return try await withCheckedThrowingContinuation { continuation in
            var gathering = gatherings[key] ?? Gathering(options: options, stage: stage, shape: shape)
            if gathering.members.isEmpty {
                gathering.firstAt = Date()
                Task { await self.flushWhenQuiet(key) }
            }
            gathering.members.append(Member(directory: directory, continuation: continuation))
            gathering.lastAt = Date()
            gatherings[key] = gathering
            if gathering.members.count >= shape.arraySize * shape.batchSize { flush(key) }
        }
    }

    private func flushWhenQuiet(_ key: String) async {
        while let gathering = gatherings[key], !gathering.members.isEmpty {
            let now = Date()
            let due = min(gathering.lastAt.addingTimeInterval(timing.quiet), gathering.firstAt.addingTimeInterval(timing.longest))
            if due <= now {
                flush(key)
                return
            }
            try? await Task.sleep(nanoseconds: UInt64(due.timeIntervalSince(now) * 1e9))
        }
    }

    /// Submits the gathered attempts, in a task of its own so that the next ones can gather meanwhile.
    private func flush(_ key: String) {
        guard let gathering = gatherings.removeValue(forKey: key), !gathering.members.isEmpty else { return }
        let members = gathering.members
        let batch = gathering.shape.batchSize
        let tasks = (members.count + batch - 1) / batch
        var arguments = gathering.options + ["--job-name=orchestrate:\(gathering.stage)", "--output=/dev/null"]
        if tasks > 1 { arguments.append("--array=0-\(tasks - 1)") }
        arguments.append("--wrap=" + script(folders: members.map(\.directory.path), batch: batch))
        Task {
            do {
                let id = try await queue.submit(arguments)
                for (index, member) in members.enumerated() {
                    member.continuation.resume(returning: tasks > 1 ? "\(id)_\(index / batch)" : id)
                }
            } catch {
                for member in members { member.continuation.resume(throwing: error) }
            }
        }
    }

    /// The job's shell script: task N runs the worker in folders N×batch… one after another,
    /// each writing its output to its folder's log.
    private func script(folders: [String], batch: Int) -> String {
        let list = "set -- " + folders.map(SlurmExecutor.shellQuoted).joined(separator: " ")
            + "; shift $((${SLURM_ARRAY_TASK_ID:-0} * \(batch)))"
        let command = "\(worker) \"$1\" >\(AttemptFiles.logName) 2>&1"
        guard batch > 1 else { return "\(list); cd \"$1\" && exec \(command)" }
        return "\(list); n=0; while [ $n -lt \(batch) ] && [ $# -gt 0 ]; do (cd \"$1\" && \(command)); shift; n=$((n + 1)); done"
    }
}
