import Foundation
import Spawn
import JSON
import Logging
import PluginAPI
import Synchronization

/// Runs an external plugin: one process per item, the JSON request on stdin, JSON lines
/// on stdout (`progress`, `log`, `receipt`, `checkpoint`, final `outputs`); exit 0 success,
/// 75 transient, anything else failure. The protocol is documented in docs/plugins.md.
public struct ExternalStage: Stage {
    public var manifest: ExternalPluginManifest

    public init(manifest: ExternalPluginManifest) {
        self.manifest = manifest
    }

    public var descriptor: PluginDescriptor { manifest.descriptor }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        // Every failure names the plugin and the item, whatever prints it.
        let subject = "plugin '\(descriptor.id)' (item '\(item.key)')"
        guard var argv = Optional(manifest.argv), let program = argv.first else {
            throw StageError("plugin '\(descriptor.id)' has an empty argv in its plugin.yaml", code: .invalidParameter)
        }
        if program.contains("/"), !program.hasPrefix("/") {
            argv[0] = manifest.directory.appendingPathComponent(program).standardizedFileURL.path
        }
        let requestFile = context.scratchDirectory.appendingPathComponent("request.json")
        let log = context.scratchDirectory.appendingPathComponent("stderr.log")
        let checkpointDirectory = context.scratchDirectory.appendingPathComponent("checkpoints", isDirectory: true)
        try FileManager.default.createDirectory(at: checkpointDirectory, withIntermediateDirectories: true)
        let units = try await context.checkpoints.committedUnits()
        try request(item, context: context, units: units, checkpointDirectory: checkpointDirectory)
            .canonicalData().write(to: requestFile, options: .atomic)

        let committer = CheckpointCommitter(store: context.checkpoints, directory: checkpointDirectory)
        let messages = PluginMessages(context: context, committer: committer)
        let process = Subprocess(argv: argv, directory: context.pipelineDirectory, stdinFile: requestFile, logFile: log,
                                 onSpawn: { await context.childProcessGroupStarted(leader: $0) })
        let termination: Spawn.Termination
        do {
            termination = try await process.run { messages.handle($0) }
        } catch {
            // Not started, cancelled or timed out: what the plugin announced is still committed,
            // so the next attempt resumes after it.
            await committer.finish()
            if let error = error as? SpawnError { throw StageError("\(subject): \(error.message)", code: .failed) }
            throw error
        }
        let commitProblem = await committer.finish()
        try ExecStage.check(termination, subject: subject, log: log)
        let (outputs, problem) = messages.result
        if let problem { throw StageError("\(subject) printed \(problem)", code: .failed) }
        if let commitProblem { throw StageError("\(subject): \(commitProblem)", code: .failed) }
        guard let outputs else {
            throw StageError("\(subject) exited 0 without an 'outputs' message", code: .failed)
        }
        for path in outputs {
            let file = context.outputDirectory.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw StageError("\(subject) declared output '\(path)' but did not write it", code: .failed)
            }
        }
    }

    private func request(_ item: StageItem, context: any StageContext, units: [CheckpointUnit],
                         checkpointDirectory: URL) -> JSONValue {
        .object([
            "protocol": .int(1),
            "plugin": .string(descriptor.id),
            "stage": .string(context.stageName),
            "key": .string(item.key),
            "sources": .array(item.sources.map { .object(["key": .string($0.key), "path": .string($0.path.path)]) }),
            "params": .object(context.parameters.values),
            "inputs": .object(item.inputs.mapValues { .string($0.path) }),
            "output_dir": .string(context.outputDirectory.path),
            "pipeline_dir": .string(context.pipelineDirectory.path),
            "pipeline": .string(context.pipelineName),
            "checkpoints": .array(units.map { .object(["cursor": .int($0.cursor), "path": .string($0.directory.path)]) }),
            "checkpoint_dir": .string(checkpointDirectory.path),
        ])
    }

}

/// Commits the checkpoint units a plugin announces, one after another in the order announced,
/// off the thread that reads its stdout.
private final class CheckpointCommitter: Sendable {
    private let continuation: AsyncStream<(cursor: Int, directory: URL)>.Continuation
    private let task: Task<String?, Never>
    /// The folder announced units live in (`checkpoint_dir` of the request).
    let directory: URL

    init(store: any CheckpointStore, directory: URL) {
        self.directory = directory
        let (stream, continuation) = AsyncStream<(cursor: Int, directory: URL)>.makeStream()
        self.continuation = continuation
        task = Task {
            for await unit in stream {
                do {
                    try await store.commit(cursor: unit.cursor, directory: unit.directory)
                } catch {
                    return "cannot commit the checkpoint of cursor \(unit.cursor) ('\(unit.directory.lastPathComponent)'): \(error)"
                }
            }
            return nil
        }
    }

    func announce(cursor: Int, directory: URL) {
        continuation.yield((cursor, directory))
    }

    /// Waits until every announced unit is committed; the first failure, if any.
    @discardableResult
    func finish() async -> String? {
        continuation.finish()
        return await task.value
    }
}

/// Reads a plugin's stdout messages as they arrive (docs/plugins.md): passes `progress`, `log`,
/// `receipt` and `checkpoint` on, keeps `outputs`, and remembers the first line that breaks the protocol.
private final class PluginMessages: Sendable {
    private struct State {
        var lineNumber = 0
        var outputs: [String]?
        var problem: String?
    }

    private let context: any StageContext
    private let committer: CheckpointCommitter
    private let state = Mutex(State())

    init(context: any StageContext, committer: CheckpointCommitter) {
        self.context = context
        self.committer = committer
    }

    /// The declared outputs, and the first protocol problem (`malformed JSON on stdout line N: …`).
    var result: (outputs: [String]?, problem: String?) { state.withLock { ($0.outputs, $0.problem) } }

    func handle(_ line: String) {
        let number = state.withLock { state -> Int in
            state.lineNumber += 1
            return state.lineNumber
        }
        let text = line.trimmingCharacters(in: .whitespaces)
        // Plain text is only logged; a line that opens like JSON must be a valid message.
        guard text.hasPrefix("{") || text.hasPrefix("[") else {
            if !text.isEmpty { context.logger.info("\(line)") }
            return
        }
        // A line that does not decode is the protocol problem reported below.
        guard let message = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)).objectValue else {
            return report("malformed JSON", line: number, text: text)
        }
        if let progress = message["progress"] {
            guard let fields = progress.objectValue, let completed = fields["completed"]?.intValue,
                  fields["total"].map({ $0 == .null || $0.intValue != nil }) ?? true,
                  fields["unit"].map({ $0.stringValue != nil }) ?? true
            else { return report("a malformed 'progress' message", line: number, text: text) }
            context.reportProgress(completed: completed, total: fields["total"]?.intValue,
                                   unit: fields["unit"]?.stringValue ?? "items")
        } else if let log = message["log"] {
            guard let text = log.stringValue else { return report("a malformed 'log' message", line: number, text: text) }
            context.logger.info("\(text)")
        } else if let receipt = message["receipt"] {
            context.recordReceipt(receipt)
        } else if let checkpoint = message["checkpoint"] {
            // A folder name inside checkpoint_dir: the unit cannot reach outside it.
            guard let fields = checkpoint.objectValue, let cursor = fields["cursor"]?.intValue,
                  let name = fields["path"]?.stringValue, !name.isEmpty, !name.contains("/"), name != ".", name != ".."
            else { return report("a malformed 'checkpoint' message", line: number, text: text) }
            committer.announce(cursor: cursor, directory: committer.directory.appendingPathComponent(name, isDirectory: true))
        } else if let list = message["outputs"] {
            let paths = list.arrayValue?.compactMap(\.stringValue)
            guard let paths, paths.count == list.arrayValue?.count else {
                return report("a malformed 'outputs' message", line: number, text: text)
            }
            state.withLock { $0.outputs = paths }
        }
    }

    private func report(_ problem: String, line: Int, text: String) {
        let shown = text.count > 200 ? text.prefix(200) + "…" : text
        state.withLock { state in
            if state.problem == nil { state.problem = "\(problem) on stdout line \(line): \(shown)" }
        }
    }
}
