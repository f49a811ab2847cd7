import Foundation

/// A private one-node Slurm cluster (`scripts/slurm-cluster.sh`) in a temporary folder:
/// munge, slurmctld and slurmd without systemd, reached through `SLURM_CONF`.
public struct SlurmCluster: Sendable {
    public let directory: TemporaryDirectory
    public var configFile: URL { directory.url.appendingPathComponent("slurm.conf") }

    static let script: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/slurm-cluster.sh")

    /// Whether Debian's `slurmctld slurmd slurm-client munge` are installed (`scripts/setup.sh`).
    public static let isInstalled: Bool = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    public static let notInstalledReason = "Slurm is not installed (scripts/setup.sh installs slurmctld slurmd slurm-client munge)"

    /// Runs `body` against a fresh cluster, stopped afterwards whatever happens.
    /// - Parameter cgroup: enables the cgroup task plugin, so that a job over `--mem` is killed.
    public static func with<T: Sendable>(cgroup: Bool = false, _ body: (SlurmCluster) async throws -> T) async throws -> T {
        let cluster = SlurmCluster(directory: try TemporaryDirectory(prefix: "slurm"))
        defer {
            _ = try? Process.run(URL(fileURLWithPath: "/bin/sh"), arguments: [script.path, "stop", cluster.directory.url.path]).waitUntilExit()
            cluster.directory.remove()
        }
        try await cluster.control("start", cgroup ? ["--cgroup"] : [])
        return try await body(cluster)
    }

    /// `slurm-cluster.sh COMMAND DIR`: stop-controller, start-controller, kill-node, start-node.
    public func control(_ command: String, _ extra: [String] = []) async throws {
        let output = try await ChildProcess.run("/bin/sh", [Self.script.path, command, directory.url.path] + extra)
        guard output.status == 0 else {
            throw TestSupportError("slurm-cluster.sh \(command) failed: \(output.stderrText)")
        }
    }

    /// The environment for clients and for `orchestrate`: this process's plus `SLURM_CONF`.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = configFile.path
        return environment
    }

    /// Runs a Slurm client (`squeue`, `sbatch`, ...) against this cluster; returns its stdout.
    @discardableResult
    public func client(_ tool: String, _ arguments: [String]) async throws -> String {
        let output = try await ChildProcess.run("/usr/bin/\(tool)", arguments, environment: environment)
        guard output.status == 0 else { throw TestSupportError("\(tool) failed: \(output.stderrText)") }
        return output.stdoutText
    }

    /// Job ids Slurm still runs or queues (ended jobs excluded), an array's tasks one each.
    public func liveJobs() async throws -> [String] {
        try await client("squeue", ["--noheader", "--array", "--format=%i"]).split(separator: "\n").map(String.init)
    }

    /// The id the next submitted job will get, found by submitting a job that does nothing:
    /// comparing two of them tells how many jobs were submitted in between.
    public func probeJobID() async throws -> Int {
        let text = try await client("sbatch", ["--parsable", "--output=/dev/null", "--wrap=true"])
        guard let id = Int(text.split(separator: ";").first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw TestSupportError("sbatch printed no job id: \(text)")
        }
        return id
    }
}
