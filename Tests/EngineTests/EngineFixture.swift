import Engine
import Foundation
import JSON
import PluginAPI
import Synchronization
import TestSupport

/// Counts how often each item ran, across stages and runs.
final class RunLog: Sendable {
    private let entries = Mutex<[String]>([])

    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
    func count(_ entry: String) -> Int { all.filter { $0 == entry }.count }
    func reset() { entries.withLock { $0 = [] } }
}

/// A map stage that writes `out.txt`: the upstream `out.txt` (or the source bytes) with a
/// suffix from its `suffix` parameter; `fail_on` keys fail deterministically.
struct AppendStage: Stage {
    let id: String
    let log: RunLog
    var mode: PluginDescriptor.Mode = .map

    var descriptor: PluginDescriptor {
        PluginDescriptor(id: id, version: "1", summary: "test", mode: mode, parameters: [
            ParameterSpec("suffix", .string, default: .string(""), doc: "appended"),
            ParameterSpec("fail_on", .string, default: .string(""), doc: "a key to fail"),
        ])
    }

    func run(_ item: StageItem, context: any StageContext) async throws {
        log.append("\(context.stageName)/\(item.key)")
        if try context.parameters.string("fail_on") == item.key {
            throw StageError("cannot process \(item.key): corrupt input", code: .invalidInput)
        }
        var text: String
        if let input = item.inputs.values.first {
            if mode == .gather {
                let keys = try FileManager.default.contentsOfDirectory(atPath: input.path).sorted()
                text = try keys.map {
                    try String(contentsOf: input.appendingPathComponent($0).appendingPathComponent("out.txt"), encoding: .utf8)
                }.joined(separator: "|")
            } else {
                text = try String(contentsOf: input.appendingPathComponent("out.txt"), encoding: .utf8)
            }
        } else if let source = item.sourcePath {
            text = try String(contentsOf: source, encoding: .utf8)
        } else {
            text = ""
        }
        text += try context.parameters.string("suffix")
        try text.write(to: context.outputDirectory.appendingPathComponent("out.txt"), atomically: true, encoding: .utf8)
    }
}

/// A gather effect stage that logs what its `inputs` hold when the engine asks for its external
/// state (`key:`) and when it runs (`run:`), as `STAGE/KEY` paths.
struct InputsProbeStage: Stage {
    let log: RunLog

    var descriptor: PluginDescriptor {
        PluginDescriptor(id: "probe-inputs", version: "1", summary: "test", mode: .gather, kind: .effect, parameters: [])
    }

    var readsExternalState: Bool { true }

    func externalStateDigest(_ item: StageItem, context: any StageContext) async throws -> String? {
        log.append("key:" + listing(item))
        return "same"
    }

    func run(_ item: StageItem, context: any StageContext) async throws {
        log.append("run:" + listing(item))
        try Data().write(to: context.outputDirectory.appendingPathComponent("done"))
    }

    private func listing(_ item: StageItem) -> String {
        item.inputs.sorted { $0.key < $1.key }.flatMap { stage, folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().map { "\(stage)/\($0)" }
        }.joined(separator: ",")
    }
}

/// A temporary pipeline directory with sources `data/<name>.txt`.
struct EngineFixture {
    let directory: TemporaryDirectory
    var root: URL { directory.url }
    var workdir: URL { root.appendingPathComponent(".orchestrate") }

    init(sources: [String: String]) throws {
        directory = try TemporaryDirectory(prefix: "engine-test")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in sources { try text.write(to: data.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    func pipeline(_ stages: [StageSpec]) -> Pipeline {
        Pipeline(name: "test", fileURL: root.appendingPathComponent("p.yaml"), directory: root, workdir: workdir,
                 params: [:], stages: stages)
    }

    static func stage(
        _ name: String, uses: String, needs: [String] = [], foreach: String? = nil, with: [String: JSONValue] = [:],
        retries: Int = 0, timeout: Double? = nil, onError: StageSpec.OnError = .fail
    ) -> StageSpec {
        StageSpec(name: name, uses: uses, needs: needs, foreach: foreach, with: with, retries: retries,
                  timeout: timeout, onError: onError, location: SourceLocation(file: "p.yaml", line: 1, column: 1))
    }

    func run(_ pipeline: Pipeline, stages: [any Stage], options: RunOptions = RunOptions(jobs: 2, retryBaseDelay: 0.01)) async throws -> RunSummary {
        let registry = try PluginRegistry(builtins: stages, pluginsDirectory: nil)
        let store = try CacheStore(workdir: workdir)
        return try await PipelineRunner(pipeline: pipeline, registry: registry, store: store, options: options).run()
    }

    func inspect(_ pipeline: Pipeline, stages: [any Stage]) async throws -> [ItemStatus] {
        let registry = try PluginRegistry(builtins: stages, pluginsDirectory: nil)
        return try await PipelineInspector(pipeline: pipeline, registry: registry, store: try CacheStore(workdir: workdir)).inspect()
    }

    func output(_ stage: String, _ key: String, _ file: String = "out.txt") throws -> String {
        try String(contentsOf: workdir.appendingPathComponent("out/\(stage)/\(key)/\(file)"), encoding: .utf8)
    }
}

extension RunSummary {
    func outcome(_ item: String) -> ItemOutcome? { outcomes.first { $0.id.description == item }?.outcome }
}
