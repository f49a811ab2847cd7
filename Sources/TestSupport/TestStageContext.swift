import ContentHash
import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization

/// A ``StageContext`` for testing a stage without the engine: outputs go to a directory
/// of the test's choosing, checkpoints are kept as plain directories, receipts and
/// progress are recorded for assertions.
public final class TestStageContext: StageContext {
    public let parameters: Parameters
    public let outputDirectory: URL
    /// `OUTPUT.scratch`, beside the output directory.
    public let scratchDirectory: URL
    public let pipelineDirectory: URL
    public let pipelineName: String
    public let stageName: String
    public let logger: Logger
    public let checkpoints: any CheckpointStore

    private let recorded = Mutex<(receipts: [JSONValue], progress: [(Int, Int?)])>(([], []))

    /// - Parameters:
    ///   - checkpointDirectory: where committed units live; pass the same directory to a
    ///     second context to simulate a resumed attempt with the same cache key.
    ///   - stage: the stage whose `file` parameters are resolved as the engine would
    ///     (``Parameters/files``); a file that cannot be read gets the digest `unreadable`, as
    ///     one deleted after the engine resolved it, so that the stage's own error shows.
    public init(
        parameters: [String: JSONValue], outputDirectory: URL, pipelineDirectory: URL,
        checkpointDirectory: URL, pipelineName: String = "test", stageName: String = "test", stage: (any Stage)? = nil
    ) throws {
        var files: [String: ResolvedFile] = [:]
        for spec in stage?.descriptor.parameters ?? [] where spec.type == .file {
            guard let path = parameters[spec.name]?.stringValue, !path.isEmpty else { continue }
            let url = PipelinePath.resolve(path, against: pipelineDirectory)
            files[spec.name] = ResolvedFile(url: url, digest: (try? ContentHash.sha256(of: url).digest) ?? "unreadable")
        }
        self.parameters = Parameters(values: parameters, baseDirectory: pipelineDirectory, files: files)
        self.outputDirectory = outputDirectory
        scratchDirectory = outputDirectory.appendingPathExtension("scratch")
        self.pipelineDirectory = pipelineDirectory
        self.pipelineName = pipelineName
        self.stageName = stageName
        self.logger = Logger(label: "test.\(stageName)")
        self.checkpoints = try DirectoryCheckpointStore(root: checkpointDirectory)
        for folder in [outputDirectory, scratchDirectory] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    public func reportProgress(completed: Int, total: Int?, unit: String) {
        recorded.withLock { $0.progress.append((completed, total)) }
    }

    public func recordReceipt(_ receipt: JSONValue) {
        recorded.withLock { $0.receipts.append(receipt) }
    }

    /// A test outlives the children it spawns' orphans: there is no later run to kill them.
    public func childProcessGroupStarted(leader: Int32) async {}

    public var receipts: [JSONValue] { recorded.withLock { $0.receipts } }
    public var lastProgress: (completed: Int, total: Int?)? { recorded.withLock { $0.progress.last } }
}

/// Checkpoint units as numbered sub-directories: `<root>/<sequence>-<cursor>/`.
public struct DirectoryCheckpointStore: CheckpointStore {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    public func committedUnits() async throws -> [CheckpointUnit] {
        try FileManager.default.contentsOfDirectory(atPath: root.path)
            .compactMap { name -> CheckpointUnit? in
                let parts = name.split(separator: "-")
                guard parts.count == 2, let sequence = Int(parts[0]), let cursor = Int(parts[1]) else { return nil }
                return CheckpointUnit(sequence: sequence, cursor: cursor, directory: root.appendingPathComponent(name))
            }
            .sorted { $0.sequence < $1.sequence }
    }

    @discardableResult
    public func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
        let sequence = (try await committedUnits().last?.sequence ?? -1) + 1
        let destination = root.appendingPathComponent("\(sequence)-\(cursor)")
        try FileManager.default.copyItem(at: directory, to: destination)
        return CheckpointUnit(sequence: sequence, cursor: cursor, directory: destination)
    }
}
