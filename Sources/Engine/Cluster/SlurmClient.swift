import Foundation
import Spawn
import Synchronization

/// Slurm's command-line tools (`sbatch`, `squeue`, `scancel`), the only way this project talks
/// to a cluster: they read `SLURM_CONF` and authenticate as the user, like a user's own shell.
struct SlurmClient: Sendable {
    /// Where the tools run (their working folder); any folder will do.
    var directory: URL

    /// What a tool printed when it failed, for messages.
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: String
        var stderr: String
        var description: String {
            "\(command) failed (\(status))" + (stderr.isEmpty ? "" : ": \(stderr)")
        }
    }

    /// Runs `argv`, returning its stdout lines; throws ``Failure`` on a non-zero exit.
    func run(_ argv: [String]) async throws -> [String] {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-slurm-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errors) }  // A temporary file; harmless if left.
        let lines = LineCollector()
        let termination = try await Subprocess(argv: argv, directory: directory, logFile: errors)
            .run(onStdoutLine: { lines.append($0) })
        guard termination == .exited(0) else {
            let stderr = ((try? String(contentsOf: errors, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(command: argv[0], status: "\(termination)", stderr: stderr)
        }
        return lines.lines
    }

    /// Submits a batch job; returns its id (`sbatch --parsable` prints `ID` or `ID;CLUSTER`).
    func submit(_ arguments: [String]) async throws -> String {
        let output = try await run(["sbatch", "--parsable"] + arguments)
        guard let first = output.first(where: { !$0.isEmpty }), let id = first.split(separator: ";").first else {
            throw Failure(command: "sbatch", status: "no job id", stderr: output.joined(separator: "\n"))
        }
        return String(id)
    }

    /// One job's line in `squeue`.
    struct QueuedJob: Sendable, Equatable {
        var state: String
        var node: String
        var reason: String

        /// Whether Slurm considers the job over (it may still list it for `MinJobAge` seconds).
        var hasEnded: Bool { !Self.liveStates.contains(state) }
        static let liveStates: Set = ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT"]
    }

    /// The states of `ids` in one `squeue` call, ended jobs included while Slurm remembers them.
    /// Array tasks (`ID_TASK`) are listed one a line, pending ones too (`--array`). A job missing
    /// from the answer has been forgotten (or never existed).
    func states(of ids: [String]) async throws -> [String: QueuedJob] {
        guard !ids.isEmpty else { return [:] }
        let output: [String]
        do {
            output = try await run(["squeue", "--noheader", "--array", "--states=all", "--jobs=\(ids.joined(separator: ","))", "--format=%i|%T|%N|%r"])
        } catch let failure as Failure where failure.stderr.contains("Invalid job id") {
            // Some Slurm versions fail when every listed job has been forgotten.
            return [:]
        }
        var jobs: [String: QueuedJob] = [:]
        for line in output {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { continue }
            jobs[fields[0]] = QueuedJob(state: fields[1], node: fields[2], reason: fields[3])
        }
        return jobs
    }

    /// Cancels `ids` with one `scancel`.
    func cancel(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await run(["scancel"] + ids)
    }
}

/// Lines from a child's stdout, collected from a Dispatch thread.
private final class LineCollector: Sendable {
    private let collected = Mutex<[String]>([])
    func append(_ line: String) { collected.withLock { $0.append(line) } }
    var lines: [String] { collected.withLock { $0 } }
}
