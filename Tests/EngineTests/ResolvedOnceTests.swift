import ContentHash
@testable import Engine
import Foundation
import JSON
import PluginAPI
import Synchronization
import Testing

/// A `file` parameter is resolved (absolute URL and content digest) once per run, and a stage's
/// settings decoded once, when the pipeline loads; every item, at key time and when it runs,
/// reads those values (issue 23).
@Suite struct ResolvedOnceTests {
    /// Records what each item read; counts its settings decodes.
    final class ModelStage: Stage, Sendable {
        struct Options: StageOptions {
            @Option("model", doc: "A model.")
            var model: ResolvedFile
            var settings = SettingsOptions()
        }

        /// What the settings are decoded from: no `file`, which is resolved only when a run starts.
        struct SettingsOptions: StageOptions {
            @Option("config", doc: "A structured setting.")
            var config: [String: JSONValue] = [:]
        }

        struct Settings: Sendable { var size: Int }

        let decodes = Mutex(0)
        let seen = Mutex<[String: (ResolvedFile, Int?)]>([:])

        var descriptor: PluginDescriptor {
            PluginDescriptor(id: "model", version: "1", summary: "test", mode: .map, parameters: Options.specs)
        }

        func decodeSettings(_ parameters: Parameters) throws(ParameterIssues) -> (any Sendable)? {
            decodes.withLock { $0 += 1 }
            let options: SettingsOptions
            do { options = try SettingsOptions(parameters) } catch { throw ParameterIssues([ParameterIssue([], error.message)]) }
            guard let size = options.config["size"]?.intValue else {
                throw ParameterIssues([ParameterIssue(["config", "size"], "must be an integer")])
            }
            return Settings(size: size)
        }

        func run(_ item: StageItem, context: any StageContext) async throws {
            let options = try Options(context.parameters)
            let settings = context.parameters.settings as? Settings
            seen.withLock { $0[item.key] = (options.model, settings?.size) }
            try Data(options.model.digest.utf8).write(to: context.outputDirectory.appendingPathComponent("out.txt"))
        }
    }

    static let yaml = """
        version: 1
        name: once
        stages:
          detect:
            uses: model
            foreach: "data/*.mp4"
            with:
              model: models/k.pt
              config: {size: 3}
        """

    @Test func theModelIsResolvedOncePerRunAndTheSettingsOncePerLoad() async throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let stage = ModelStage()
        let registry = try PluginRegistry(builtins: [stage], pluginsDirectory: nil)
        try fixture.write(Self.yaml, to: "pipeline.yaml")
        let pipeline = try PipelineLoader(registry: registry).load(fixture.pipelineURL)
        #expect(stage.decodes.withLock { $0 } == 1)

        let resolutions = Mutex<[ResolvedFile]>([])
        let summary = try await FileParameterResolver.$observer.withValue({ file in resolutions.withLock { $0.append(file) } }) {
            try await PipelineRunner(
                pipeline: pipeline, registry: registry, store: try CacheStore(workdir: pipeline.workdir),
                options: RunOptions(jobs: 2)
            ).run()
        }
        #expect(summary.ranCount == 2)
        let model = ResolvedFile(
            url: fixture.url.appendingPathComponent("models/k.pt"), digest: ContentHash.sha256(of: Data("x".utf8)))
        #expect(resolutions.withLock { $0 } == [model], "one resolution for the stage's two items")
        let seen = stage.seen.withLock { $0 }
        #expect(seen.keys.sorted() == ["a.mp4", "b.mp4"])
        for (file, size) in seen.values {
            #expect(file == model)
            #expect(size == 3, "the item receives the settings decoded at load")
        }
        #expect(stage.decodes.withLock { $0 } == 1, "the run decodes nothing again")
    }

    @Test func aSettingsIssueIsReportedAtItsYAMLPosition() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let registry = try PluginRegistry(builtins: [ModelStage()], pluginsDirectory: nil)
        try fixture.write(Self.yaml.replacingOccurrences(of: "{size: 3}", with: "{size: big}"), to: "pipeline.yaml")
        let error = try #require(throws: PipelineError.self) { try PipelineLoader(registry: registry).load(fixture.pipelineURL) }
        #expect(error.diagnostics.map(\.description) == [
            "\(fixture.pipelineURL.path):9:22: error: config.size: must be an integer",
        ])
    }
}
