import Dispatch
import Foundation
import Spawn
#if canImport(Glibc)
import Glibc
#endif

/// A child process in its own process group, started by ``Spawn`` (no shell).
///
/// Cancelling the awaiting task sends the whole group SIGTERM, then SIGKILL after
/// ``killGrace`` seconds, so a timeout or a cancelled run leaves no grandchildren behind. Blocking reads and `waitpid` run on
/// Dispatch threads, never on the cooperative pool.
struct Subprocess: Sendable {
    var argv: [String]
    var directory: URL
    /// A file opened as stdin; `/dev/null` when nil.
    var stdinFile: URL?
    /// Where stderr (and stdout, when `onStdoutLine` is nil) goes.
    var logFile: URL

    /// Seconds between SIGTERM and SIGKILL when the task is cancelled.
    static let killGrace: Double = 3

    /// Told the child's pid (the leader of its own process group) right after the spawn, before
    /// the child is awaited: an item's attempt records the group with its lease (see ``ProcessGroup``).
    var onSpawn: (@Sendable (Int32) async -> Void)?

    /// Runs the child to its end. `onStdoutLine`, when given, receives stdout line by line.
    /// - Throws: `SpawnError` when the program cannot be started;
    ///   `CancellationError` when the task was cancelled (the group is killed first).
    func run(onStdoutLine: (@Sendable (String) -> Void)? = nil) async throws -> Spawn.Termination {
        let stdoutPipe = onStdoutLine == nil ? nil : try Spawn.makePipe(for: argv.first ?? "")
        let pid: pid_t
        do {
            pid = try Spawn.start(
                argv, in: directory, stdin: stdinFile.map { .file($0.path) } ?? .null,
                stdout: stdoutPipe.map { .descriptor($0.write) } ?? .descriptor(2),
                stderr: .file(logFile.path, append: true), ownProcessGroup: true)
        } catch {
            if let stdoutPipe { close(stdoutPipe.read); close(stdoutPipe.write) }
            throw error
        }
        if let stdoutPipe { close(stdoutPipe.write) }
        if let onSpawn { await onSpawn(pid) }
        let termination = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Spawn.Termination, Never>) in
                DispatchQueue.global().async {
                    if let readEnd = stdoutPipe?.read, let onStdoutLine {
                        Self.readLines(from: readEnd, into: onStdoutLine)
                        close(readEnd)
                    }
                    continuation.resume(returning: Spawn.wait(pid))
                }
            }
        } onCancel: {
            kill(-pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.killGrace) { _ = kill(-pid, SIGKILL) }
        }
        try Task.checkCancellation()
        return termination
    }

    private static func readLines(from fd: Int32, into handler: @Sendable (String) -> Void) {
        var pending: [UInt8] = []
        Spawn.forEachChunk(of: fd) { chunk in
            pending.append(contentsOf: chunk)
            while let newline = pending.firstIndex(of: 10) {
                handler(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { handler(String(decoding: pending, as: UTF8.self)) }
    }
}
