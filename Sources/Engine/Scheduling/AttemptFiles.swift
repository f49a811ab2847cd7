import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The layout of one attempt's private folder, `WORKDIR/staging/PID@BOOT/UUID/`: every path in
/// it is named here, for the local executor, the item's attempts, `exec` and external plugins
/// (through ``PluginAPI/StageContext/scratchDirectory``), and the cluster's driver and worker.
///
/// ```text
/// out/                 the stage's outputs, committed when the attempt succeeds
/// scratch/             the stage's other files (a child's log, a plugin's request)
/// checkpoints/SEQ/     views of the item's committed checkpoint units (cluster: new ones in new/)
/// in/STAGE/KEY         a gather stage's links to its upstream items
/// job.json, result.json, exit-status, started, slurm.log     cluster attempts only
/// ```
///
/// A cluster worker writes `result.json`, then `exit-status` last, each through a temporary name
/// and a rename: a worker killed at any instant leaves no `exit-status`, so the driver trusts nothing.
struct AttemptFiles: Sendable {
    let directory: URL

    var job: URL { directory.appendingPathComponent("job.json") }
    var result: URL { directory.appendingPathComponent("result.json") }
    var exitStatus: URL { directory.appendingPathComponent("exit-status") }
    /// Written when the worker starts: the job may run, yet this attempt wait behind others of its batch.
    var started: URL { directory.appendingPathComponent("started") }
    /// The job's standard output and error (the array script redirects into it by this name).
    static let logName = "slurm.log"
    var log: URL { directory.appendingPathComponent(Self.logName) }
    var output: URL { directory.appendingPathComponent("out", isDirectory: true) }
    var scratch: URL { directory.appendingPathComponent("scratch", isDirectory: true) }
    var checkpoints: URL { directory.appendingPathComponent("checkpoints", isDirectory: true) }
    /// A gather stage's input folders, one per needed stage.
    var inputs: URL { directory.appendingPathComponent("in", isDirectory: true) }

    /// Writes `data` to `file` through a temporary name, fsynced, then renamed.
    static func writeAtomically(_ data: Data, to file: URL) throws {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        try data.write(to: temporary)
        let fd = open(temporary.path, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
        guard rename(temporary.path, file.path) == 0 else {
            throw CacheError("cannot rename '\(temporary.path)' to '\(file.lastPathComponent)' (errno \(errno))", code: .io)
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
