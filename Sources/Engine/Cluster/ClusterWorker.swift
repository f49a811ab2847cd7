import Foundation
import JSON
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// One item attempt as the driver hands it to a cluster job: the file `job.json` in the
/// attempt's folder on the shared filesystem. Plain JSON of resolved values, so that a worker
/// needs neither the database nor the pipeline's planning.
public struct WorkerJob: Codable, Sendable {
    public struct Source: Codable, Sendable {
        var key: String
        var path: String
    }

    /// The stage's plugin id (`uses:`).
    public var uses: String
    public var stage: String
    public var key: String
    public var sources: [Source]
    public var inputs: [String: String]
    public var parameters: [String: JSONValue]
    /// The `file` parameters as the driver resolved them: the worker reads no file to hash it.
    public var files: [String: ResolvedFile]
    public var pipelineDirectory: String
    public var pipelineName: String
    public var timeout: Double?
    /// The item's committed checkpoint units, laid out by the driver in the attempt's
    /// `checkpoints/SEQUENCE` folders.
    public var checkpoints: [CheckpointUnitRecord]

    /// One committed unit as the worker sees it.
    public struct CheckpointUnitRecord: Codable, Sendable {
        var sequence: Int
        var cursor: Int
    }

    init(_ job: ItemJob, uses: String, checkpoints: [CheckpointUnit]) {
        self.uses = uses
        stage = job.id.stage
        key = job.id.key
        sources = job.item.sources.map { Source(key: $0.key, path: $0.path.path) }
        inputs = job.item.inputs.mapValues(\.path)
        parameters = job.parameters.values
        files = job.parameters.files
        pipelineDirectory = job.pipelineDirectory.path
        pipelineName = job.pipelineName
        timeout = job.timeout
        self.checkpoints = checkpoints.map { CheckpointUnitRecord(sequence: $0.sequence, cursor: $0.cursor) }
    }

    /// The pipeline folder's `plugins/`, where a worker finds external plugins as the driver did.
    public var pluginsDirectory: URL {
        URL(fileURLWithPath: pipelineDirectory, isDirectory: true).appendingPathComponent("plugins", isDirectory: true)
    }
}

/// What a worker reports: written to `result.json` before `exit-status`.
struct WorkerResult: Codable, Sendable {
    /// Every output file with its digest as the worker wrote it; the driver checks its copy against it.
    var outputs: [OutputFile] = []
    var receipts: [JSONValue] = []
    var error: String?
    var errorCode: String?
    var transient: Bool?
}

/// Runs one item attempt inside a cluster job (`orchestrate worker DIR`): the same stage code as
/// a local run, outputs left in the attempt's `out/` for the driver to verify and commit.
/// Never opens the database.
public enum ClusterWorker {
    /// Runs the attempt described by `directory/job.json`, writing `result.json` and then
    /// `exit-status`. Returns the exit status (0 when the stage succeeded).
    /// - Parameter stageFor: the plugin for the job's `uses` and plugins folder.
    /// - Throws: ``CacheError`` when `result.json` or `exit-status` cannot be written (the
    ///   driver then sees a job that ended without its status).
    public static func run(attemptDirectory directory: URL, stageFor: (WorkerJob) throws -> any Stage) async throws -> Int32 {
        let files = AttemptFiles(directory: directory)
        // Only for progress: the driver trusts nothing but `exit-status`.
        _ = FileManager.default.createFile(atPath: files.started.path, contents: nil)
        var result = WorkerResult()
        do {
            let description = try JSONDecoder().decode(WorkerJob.self, from: Data(contentsOf: files.job))
            let stage = try stageFor(description)
            let job = itemJob(description, stage: stage, directory: directory)
            result.receipts = try await LocalExecutor.runStage(job)
            result.outputs = try manifest(of: files.output)
        } catch {
            let stageError = error as? StageError
            result.error = "\(error)"
            result.errorCode = stageError?.code.name
            result.transient = stageError?.isTransient
        }
        let status: Int32 = result.error == nil ? 0 : 1
        try AttemptFiles.writeAtomically(AttemptFiles.encoder.encode(result), to: files.result)
        try AttemptFiles.writeAtomically(Data("\(status)\n".utf8), to: files.exitStatus)
        return status
    }

    private static func itemJob(_ description: WorkerJob, stage: any Stage, directory: URL) -> ItemJob {
        let pipelineDirectory = URL(fileURLWithPath: description.pipelineDirectory, isDirectory: true)
        let item = StageItem(
            key: description.key,
            sources: description.sources.map { ItemSource(key: $0.key, path: URL(fileURLWithPath: $0.path)) },
            inputs: description.inputs.mapValues { URL(fileURLWithPath: $0, isDirectory: true) })
        return ItemJob(
            id: ItemID(stage: description.stage, key: description.key), stage: stage, item: item,
            parameters: Parameters(values: description.parameters, baseDirectory: pipelineDirectory, files: description.files),
            pipelineDirectory: pipelineDirectory, pipelineName: description.pipelineName, cacheKey: "", attemptDirectory: directory,
            timeout: description.timeout,
            checkpoints: AttemptCheckpoints(
                directory: AttemptFiles(directory: directory).checkpoints, committed: description.checkpoints),
            observer: { _ in })
    }

    /// Every output with its digest, fsynced so that another host reads the same bytes.
    static func manifest(of directory: URL) throws -> [OutputFile] {
        try OutputView.files(under: directory) { try ObjectStore.hash($0, fsync: true) }
    }
}

/// Checkpoints of a cluster attempt. A worker cannot commit to the database: it reads the units
/// the driver laid out in the attempt's `checkpoints/SEQUENCE` folders, and leaves each new unit
/// in `checkpoints/new/SEQUENCE.CURSOR` (copied under a temporary name, then renamed), which the
/// driver commits when the attempt ends without success, for the next attempt to resume from.
struct AttemptCheckpoints: CheckpointStore {
    let directory: URL
    let committed: [WorkerJob.CheckpointUnitRecord]

    var newUnits: URL { Self.newUnits(in: directory) }

    static func newUnits(in checkpoints: URL) -> URL { checkpoints.appendingPathComponent("new", isDirectory: true) }

    func committedUnits() async throws -> [CheckpointUnit] {
        committed.map { unit in
            CheckpointUnit(sequence: unit.sequence, cursor: unit.cursor,
                           directory: directory.appendingPathComponent("\(unit.sequence)", isDirectory: true))
        }
    }

    @discardableResult
    func commit(cursor: Int, directory source: URL) async throws -> CheckpointUnit {
        let sequence = (committed.map(\.sequence).max() ?? -1) + 1 + Self.written(in: directory).count
        let temporary = newUnits.appendingPathComponent(".\(sequence).tmp", isDirectory: true)
        let unit = newUnits.appendingPathComponent("\(sequence).\(cursor)", isDirectory: true)
        try FileManager.default.createDirectory(at: newUnits, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: temporary)
        try FileManager.default.moveItem(at: temporary, to: unit)
        return CheckpointUnit(sequence: sequence, cursor: cursor, directory: unit)
    }

    /// The units an attempt wrote into `checkpoints`, oldest first (`new/SEQUENCE.CURSOR`
    /// folders; temporaries skipped).
    static func written(in checkpoints: URL) -> [(sequence: Int, cursor: Int, directory: URL)] {
        let newUnits = newUnits(in: checkpoints)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: newUnits.path)) ?? []
        return names.compactMap { name -> (Int, Int, URL)? in
            let parts = name.split(separator: ".")
            guard parts.count == 2, let sequence = Int(parts[0]), let cursor = Int(parts[1]) else { return nil }
            return (sequence, cursor, newUnits.appendingPathComponent(name, isDirectory: true))
        }.sorted { $0.0 < $1.0 }
    }
}
