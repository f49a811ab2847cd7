import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process in its own process group, spawned with `posix_spawn` (no shell).
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

    /// How the child ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Runs the child to its end. `onStdoutLine`, when given, receives stdout line by line.
    /// - Throws: ``SubprocessError`` when the program cannot be started;
    ///   `CancellationError` when the task was cancelled (the group is killed first).
    func run(onStdoutLine: (@Sendable (String) -> Void)? = nil) async throws -> Termination {
        let spawned = try spawn(pipeStdout: onStdoutLine != nil)
        let pid = spawned.pid
        if let onSpawn { await onSpawn(pid) }
        let termination = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Termination, Never>) in
                DispatchQueue.global().async {
                    if let readEnd = spawned.stdoutReadEnd, let onStdoutLine {
                        Self.readLines(from: readEnd, into: onStdoutLine)
                        close(readEnd)
                    }
                    continuation.resume(returning: Self.wait(pid))
                }
            }
        } onCancel: {
            kill(-pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.killGrace) { _ = kill(-pid, SIGKILL) }
        }
        try Task.checkCancellation()
        return termination
    }

    private static func wait(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    private static func readLines(from fd: Int32, into handler: @Sendable (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: 10) {
                handler(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { handler(String(decoding: pending, as: UTF8.self)) }
    }

    // posix_spawn_file_actions_addchdir_np is in glibc ≥ 2.29 but not exported by Swift's
    // Glibc module; look it up once. Spawning with it avoids chdir races between threads.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

    // posix_spawn_file_actions_addclosefrom_np (glibc ≥ 2.34), looked up the same way. The child
    // gets stdin, stdout and stderr only: none of this process's other descriptors (the cache
    // database, or a pipe by which whoever started orchestrate waits for its end, which an
    // orphaned child would otherwise hold open after orchestrate is killed).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private func spawn(pipeStdout: Bool) throws -> (pid: pid_t, stdoutReadEnd: Int32?) {
        guard let program = argv.first, !program.isEmpty else {
            throw SubprocessError("empty command")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        guard let addChdir = Self.addChdir, addChdir(&actions, directory.path) == 0 else {
            throw SubprocessError("cannot run '\(program)' in '\(directory.path)': no posix_spawn chdir support")
        }
        posix_spawn_file_actions_addopen(&actions, 0, stdinFile?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logFile.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var pipeEnds: [Int32] = [-1, -1]
        if pipeStdout {
            // Glibc's module hides pipe2; close-on-exec right after keeps other children from
            // inheriting the ends (a spawn racing in between only delays this pipe's EOF).
            guard pipe(&pipeEnds) == 0 else {
                throw SubprocessError("cannot create a pipe for '\(program)' (errno \(errno))")
            }
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        }
        // Its status can only be ENOMEM/EINVAL here; the spawn itself reports real failures.
        if let addCloseFrom = Self.addCloseFrom { _ = addCloseFrom(&actions, 3) }
        // Own process group (to kill it whole), default signal handling, empty mask.
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        var defaultSet = sigset_t()
        sigemptyset(&defaultSet)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaultSet, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        let cEnvironment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        // A relative program with a slash resolves against the child's directory, as a shell would.
        let path = program.contains("/") && !program.hasPrefix("/")
            ? directory.appendingPathComponent(program).path : program
        let status = posix_spawnp(&pid, path, &actions, &attributes, cArguments, cEnvironment)
        if pipeStdout { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeStdout { close(pipeEnds[0]) }
            throw SubprocessError("cannot run '\(program)': \(String(cString: strerror(status)))")
        }
        return (pid, pipeStdout ? pipeEnds[0] : nil)
    }
}
