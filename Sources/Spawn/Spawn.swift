import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with `posix_spawn`, the one way this project starts a child process.
///
/// Not Foundation's `Process`: on Linux `Process.run()` crashes now and then (SIGSEGV) by
/// over-reading `/proc/self/fd` entries (swift-corelibs-foundation#5472), which a run or a test
/// suite that starts thousands of children meets. No shell is involved; the child gets stdin,
/// stdout and stderr only, default signal handlers and an empty signal mask.
public enum Spawn {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file opened for reading (stdin) or writing; `append` creates it if missing and appends.
        case file(String, append: Bool = false)
        /// A duplicate of this process's descriptor (a pipe's end, or `2` to send stdout to stderr).
        case descriptor(Int32)
    }

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Starts `argv[0]` (looked up in `PATH` when it has no slash) and returns its pid.
    /// - Parameters:
    ///   - directory: the child's working directory; a relative `argv[0]` with a slash resolves
    ///     against it, as a shell would. Nil keeps this process's.
    ///   - environment: the child's whole environment.
    ///   - ownProcessGroup: makes the child the leader of a new process group, so that
    ///     `kill(-pid, …)` reaches its descendants too.
    ///   - stderr: opened before stdout, so `stdout: .descriptor(2)` joins stderr's file.
    /// - Throws: ``SpawnError`` naming the program when it cannot be started.
    public static func start(
        _ argv: [String], in directory: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null,
        ownProcessGroup: Bool = false
    ) throws(SpawnError) -> pid_t {
        guard let program = argv.first, !program.isEmpty else { throw SpawnError("cannot run an empty command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        if let directory {
            guard let addChdir, addChdir(&actions, directory.path) == 0 else {
                throw SpawnError("cannot run '\(program)' in '\(directory.path)': no posix_spawn chdir support")
            }
        }
        redirect(0, to: stdin, in: &actions)
        redirect(2, to: stderr, in: &actions)
        redirect(1, to: stdout, in: &actions)
        // Its status can only be ENOMEM/EINVAL here; the spawn itself reports real failures.
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }
        var emptySet = sigset_t(), allSignals = sigset_t()
        sigemptyset(&emptySet)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        let path = program.contains("/") && !program.hasPrefix("/") && directory != nil
            ? directory!.appendingPathComponent(program).path : program
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, path, &actions, &attributes, cArguments, cEnvironment)
        guard status == 0 else { throw SpawnError("cannot run '\(program)': \(String(cString: strerror(status)))") }
        return pid
    }

    /// Waits for `pid` to end, blocking the calling thread (never call it on the cooperative pool).
    public static func wait(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// Runs `argv` to its end on the calling thread and returns its standard output (stderr is
    /// discarded). For short programs whose output is small, such as `ffprobe` or `unzip -p`.
    /// - Throws: ``SpawnError`` when it cannot be started or a pipe cannot be made.
    public static func output(of argv: [String]) throws(SpawnError) -> (termination: Termination, stdout: Data) {
        let pipe = try makePipe(for: argv.first ?? "")
        let pid: pid_t
        do { pid = try start(argv, stdout: .descriptor(pipe.write)) } catch {
            close(pipe.read)
            close(pipe.write)
            throw error
        }
        close(pipe.write)
        var output = Data()
        forEachChunk(of: pipe.read) { output.append(contentsOf: $0) }
        close(pipe.read)
        return (wait(pid), output)
    }

    /// A pipe whose ends are close-on-exec, so that children other than the one it is meant for
    /// never inherit them (Glibc's module hides pipe2; a spawn racing in between only delays EOF).
    public static func makePipe(for program: String) throws(SpawnError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SpawnError("cannot create a pipe for '\(program)' (errno \(errno))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Reads `fd` to its end, handing each chunk read to `body`.
    public static func forEachChunk(of fd: Int32, _ body: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            body(Array(buffer[0..<count]))
        }
    }

    private static func redirect(_ fd: Int32, to stream: Stream, in actions: inout posix_spawn_file_actions_t) {
        switch stream {
        case .null:
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        case .file(let path, let append):
            let flags = fd == 0 ? O_RDONLY : O_WRONLY | (append ? O_CREAT | O_APPEND : 0)
            posix_spawn_file_actions_addopen(&actions, fd, path, flags, 0o644)
        case .descriptor(let source):
            posix_spawn_file_actions_adddup2(&actions, source, fd)
        }
    }

    // glibc's posix_spawn_file_actions_addchdir_np (≥ 2.29) and addclosefrom_np (≥ 2.34) are not
    // exported by Swift's Glibc module: looked up once. chdir in the child avoids racing other
    // threads; closing every descriptor above 2 keeps this process's files (the cache database,
    // a pipe by which whoever started us waits for our end) out of the child.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addChdir: AddChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }
}

/// Why a child process could not be started (a child that started and failed is a
/// ``Spawn/Termination`` instead).
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the program: `cannot run 'x': No such file or directory`.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
