import Foundation
import Spawn
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, awaited without blocking a cooperative thread.
///
/// Started by ``Spawn`` (not Foundation's `Process`, which crashes now and then on Linux); a thread
/// of its own waits for the child's end.
/// Standard output and error go to files in a scratch directory and are read once the child has
/// ended, so a child that writes a lot never blocks on a full pipe, and a grandchild that keeps
/// an inherited descriptor open never keeps the test waiting.
///
/// ```swift
/// let output = try await ChildProcess.run("/usr/bin/ffprobe", ["-v", "error", clip.path])
/// #expect(output.status == 0)
/// let bytes = try await ChildProcess.checked("/usr/bin/ffmpeg", ["-i", clip.path, "-f", "rawvideo", "-"]).stdout
/// ```
public final class ChildProcess: Sendable {
    /// How a child ended and what it wrote.
    public struct Output: Sendable {
        /// The exit status, or the signal number when ``signalled``.
        public var status: Int32
        public var signalled: Bool
        public var stdout: Data
        public var stderr: Data

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    private let pid: pid_t
    private let command: String
    /// Holds `stdin`, `stdout` and `stderr` files; nil when output is discarded and there is no input.
    private let scratch: URL?
    private let termination = Termination()

    /// The child's process id.
    public var processIdentifier: Int32 { pid }
    public var isRunning: Bool { !termination.hasEnded }

    /// Starts `executable` with `arguments`.
    /// - Parameters:
    ///   - directory: the working directory; the test process's when nil.
    ///   - environment: the child's whole environment; the test process's when nil.
    ///   - stdin: bytes on standard input; `/dev/null` when nil.
    ///   - captureOutput: false sends stdout and stderr to `/dev/null` (servers that run for a while).
    /// - Throws: ``TestSupportError`` when the program cannot be started.
    public static func start(
        _ executable: String, _ arguments: [String] = [], in directory: URL? = nil,
        environment: [String: String]? = nil, stdin: Data? = nil, captureOutput: Bool = true
    ) throws -> ChildProcess {
        try ChildProcess(executable, arguments, directory: directory, environment: environment, stdin: stdin,
                         captureOutput: captureOutput)
    }

    private init(
        _ executable: String, _ arguments: [String], directory: URL?, environment: [String: String]?, stdin: Data?,
        captureOutput: Bool
    ) throws {
        command = ([executable] + arguments).joined(separator: " ")
        let scratch = captureOutput || stdin != nil ? try TemporaryDirectory(prefix: "child-process").url : nil
        self.scratch = scratch
        do {
            var input = Spawn.Stream.null, output = Spawn.Stream.null, errors = Spawn.Stream.null
            if let scratch, let stdin { input = .file(try Self.file("stdin", in: scratch, holding: stdin)) }
            if let scratch, captureOutput {
                output = .file(try Self.file("stdout", in: scratch, holding: Data()))
                errors = .file(try Self.file("stderr", in: scratch, holding: Data()))
            }
            pid = try Spawn.start(
                [executable] + arguments, in: directory,
                environment: environment ?? ProcessInfo.processInfo.environment,
                stdin: input, stdout: output, stderr: errors)
        } catch {
            if let scratch { try? FileManager.default.removeItem(at: scratch) }  // Best effort: a temporary directory.
            throw TestSupportError("cannot start \(command): \(error)")
        }
        let pid = pid, termination = termination
        // A thread of its own: a blocked Dispatch worker is only replaced after a delay on Linux.
        Thread.detachNewThread { termination.finish(Spawn.wait(pid)) }
    }

    /// The path of a new file `name` in `scratch` that holds `data`.
    private static func file(_ name: String, in scratch: URL, holding data: Data) throws -> String {
        let file = scratch.appendingPathComponent(name)
        try data.write(to: file)
        return file.path
    }

    /// Sends `signal` to the child (SIGTERM, SIGKILL …).
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to end and returns what it wrote. Cancelling the waiting task sends the
    /// child SIGKILL, waits for its end and throws `CancellationError`.
    public func wait() async throws -> Output {
        let ending = await withTaskCancellationHandler {
            await termination.wait()
        } onCancel: {
            send(SIGKILL)
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }  // Best effort: a temporary directory.
        try Task.checkCancellation()
        func read(_ name: String) throws -> Data {
            guard let scratch, FileManager.default.fileExists(atPath: scratch.appendingPathComponent(name).path) else { return Data() }
            return try Data(contentsOf: scratch.appendingPathComponent(name))
        }
        let (status, signalled): (Int32, Bool) = switch ending {
        case .exited(let code): (code, false)
        case .signalled(let signal): (signal, true)
        }
        return Output(status: status, signalled: signalled, stdout: try read("stdout"), stderr: try read("stderr"))
    }

    /// Runs `executable` to its end; see ``start(_:_:in:environment:stdin:captureOutput:)``.
    public static func run(
        _ executable: String, _ arguments: [String] = [], in directory: URL? = nil,
        environment: [String: String]? = nil, stdin: Data? = nil
    ) async throws -> Output {
        try await start(executable, arguments, in: directory, environment: environment, stdin: stdin).wait()
    }

    /// Runs `executable` to its end, which must be exit status 0.
    /// - Throws: ``TestSupportError`` with the command, the status and its stderr when it does not exit 0.
    @discardableResult
    public static func checked(
        _ executable: String, _ arguments: [String] = [], in directory: URL? = nil,
        environment: [String: String]? = nil, stdin: Data? = nil
    ) async throws -> Output {
        let output = try await run(executable, arguments, in: directory, environment: environment, stdin: stdin)
        guard output.status == 0, !output.signalled else {
            let command = ([executable] + arguments).joined(separator: " ")
            let ending = output.signalled ? "was killed by signal \(output.status)" : "exited with status \(output.status)"
            throw TestSupportError("\(command) \(ending): \(output.stderrText)")
        }
        return output
    }
}

/// The child's end, delivered once by the waiting thread to every waiter.
private final class Termination: Sendable {
    typealias Status = Spawn.Termination

    private let state = Mutex<(status: Status?, waiters: [CheckedContinuation<Status, Never>])>((nil, []))

    var hasEnded: Bool { state.withLock { $0.status != nil } }

    func finish(_ status: Status) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    func wait() async -> Status {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Status? in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }
}
