import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization

/// Runs an external plugin: one process per item, the JSON request on stdin, JSON lines
/// on stdout (`progress`, `log`, `receipt`, final `outputs`); exit 0 success, 75 transient,
/// anything else failure. The protocol is documented in docs/plugins.md.
public struct ExternalStage: Stage {
    public var manifest: ExternalPluginManifest

    public init(manifest: ExternalPluginManifest) {
        self.manifest = manifest
    }

    public var descriptor: PluginDescriptor { manifest.descriptor }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        guard var argv = Optional(manifest.argv), let program = argv.first else {
            throw StageError("plugin '\(descriptor.id)' has an empty argv in its plugin.yaml", code: .invalidParameter)
        }
        if program.contains("/"), !program.hasPrefix("/") {
            argv[0] = manifest.directory.appendingPathComponent(program).standardizedFileURL.path
        }
        let scratch = context.outputDirectory.deletingLastPathComponent()
        let requestFile = scratch.appendingPathComponent("request-\(UUID().uuidString.prefix(8)).json")
        let log = scratch.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8)).log")
        try request(item, context: context).canonicalData().write(to: requestFile, options: .atomic)

        let declared = DeclaredOutputs()
        let logger = context.logger
        let process = Subprocess(argv: argv, directory: context.pipelineDirectory, stdinFile: requestFile, logFile: log)
        let termination: Subprocess.Termination
        do {
            termination = try await process.run { line in
                Self.handle(line, context: context, logger: logger, outputs: declared)
            }
        } catch let error as CacheError {
            throw StageError(error.message, code: .failed)
        }
        try ExecStage.check(termination, command: "plugin '\(descriptor.id)'", log: log)
        guard let outputs = declared.paths.withLock({ $0 }) else {
            throw StageError("plugin '\(descriptor.id)' exited 0 without an 'outputs' message", code: .failed)
        }
        for path in outputs {
            let file = context.outputDirectory.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw StageError("plugin '\(descriptor.id)' declared output '\(path)' but did not write it", code: .failed)
            }
        }
    }

    private func request(_ item: StageItem, context: any StageContext) -> JSONValue {
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
        ])
    }

    private static func handle(_ line: String, context: any StageContext, logger: Logger, outputs: DeclaredOutputs) {
        guard let data = line.data(using: .utf8),
              let message = try? JSONDecoder().decode(JSONValue.self, from: data).objectValue
        else {
            if !line.isEmpty { logger.info("\(line)") }
            return
        }
        if let progress = message["progress"]?.objectValue, let completed = progress["completed"]?.intValue {
            context.reportProgress(completed: completed, total: progress["total"]?.intValue,
                                   unit: progress["unit"]?.stringValue ?? "items")
        } else if let text = message["log"]?.stringValue {
            logger.info("\(text)")
        } else if let receipt = message["receipt"] {
            context.recordReceipt(receipt)
        } else if let list = message["outputs"]?.arrayValue {
            outputs.paths.withLock { $0 = list.compactMap(\.stringValue) }
        }
    }
}

/// The `outputs` message, once the plugin prints it.
private final class DeclaredOutputs: Sendable {
    let paths = Mutex<[String]?>(nil)
}
