import Engine
import Foundation
import PluginAPI
import Testing
import TestSupport

@Suite struct RegistryTests {
    private func pluginsFolder(_ manifests: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "orchestrate-plugins")
        for (id, yaml) in manifests {
            let folder = directory.url.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(yaml.utf8).write(to: folder.appendingPathComponent("plugin.yaml"))
            let script = folder.appendingPathComponent("run.sh")
            try Data("#!/bin/sh\n".utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        }
        return directory
    }

    @Test func registersBuiltinsExecAndExternalPlugins() throws {
        let plugins = try pluginsFolder(["shout": """
            id: shout
            version: "2"
            summary: Upper-cases text.
            argv: [./run.sh, --loud, ../shared/x]
            mode: gather
            kind: effect
            parameters:
              - {name: words, type: list of string, doc: Words.}
              - {name: speed, type: [slow, fast], default: slow, doc: How fast.}
              - {name: wait, type: duration, default: 2m, doc: Pause.}
            """])
        defer { plugins.remove() }
        let registry = try PluginRegistry(builtins: PipelineFixture.builtins, pluginsDirectory: plugins.url)
        #expect(registry.all.map(\.descriptor.id) == ["convert", "decode", "detect", "exec", "probe", "shout", "upload"])
        let shout = try #require(registry.stage(id: "shout") as? ExternalStage)
        let folder = plugins.url.appendingPathComponent("shout").standardizedFileURL
        #expect(shout.manifest.directory == folder)
        #expect(shout.manifest.argv == [folder.appendingPathComponent("run.sh").path, "--loud", plugins.url.standardizedFileURL.appendingPathComponent("shared/x").path])
        #expect(shout.descriptor == PluginDescriptor(
            id: "shout", version: "2", summary: "Upper-cases text.", mode: .gather, kind: .effect,
            parameters: [
                ParameterSpec("words", .list(.string), doc: "Words."),
                ParameterSpec("speed", .oneOf(["slow", "fast"]), default: .string("slow"), doc: "How fast."),
                ParameterSpec("wait", .duration, default: .double(120), doc: "Pause."),
            ]))
    }

    @Test func missingPluginsFolderRegistersOnlyBuiltins() throws {
        let registry = try PluginRegistry(builtins: [], pluginsDirectory: URL(fileURLWithPath: "/nonexistent/plugins"))
        #expect(registry.all.map(\.descriptor.id) == ["exec"])
    }

    @Test func execGathersOnlyWhenAsked() throws {
        let registry = try PluginRegistry(builtins: PipelineFixture.builtins, pluginsDirectory: nil)
        let location = SourceLocation(file: "p.yaml", line: 1, column: 1)
        #expect(registry.mode(of: StageSpec(name: "a", uses: "exec", with: ["gather": .bool(true)], location: location)) == .gather)
        #expect(registry.mode(of: StageSpec(name: "a", uses: "exec", with: [:], location: location)) == .map)
        #expect(registry.mode(of: StageSpec(name: "a", uses: "upload", location: location)) == .gather)
        #expect(registry.mode(of: StageSpec(name: "a", uses: "nope", location: location)) == nil)
    }

    @Test func reportsManifestMistakesWithLocations() throws {
        let plugins = try pluginsFolder([
            "bad": """
                id: bda
                version: "1"
                argv: [./missing.sh]
                mode: gahter
                kind: pure
                paramters: []
                """,
            "worse": """
                id: worse
                version: "1"
                argv: ./run.sh
                parameters:
                  - {name: n, type: int, doc: x}
                  - {name: m, type: integer, default: many, dok: y}
                """,
            "decode": """
                id: decode
                version: "1"
                argv: [./run.sh]
                """,
        ])
        defer { plugins.remove() }
        let error = try #require(throws: PipelineError.self) {
            try PluginRegistry(builtins: PipelineFixture.builtins, pluginsDirectory: plugins.url)
        }
        let root = plugins.url.path
        #expect(error.diagnostics.map(\.description) == [
            "\(root)/bad/plugin.yaml:1:5: error: plugin id 'bda' must equal its folder name 'bad'",
            "\(root)/bad/plugin.yaml:3:8: error: argv[0] './missing.sh' is not an executable file in 'bad'",
            "\(root)/bad/plugin.yaml:4:7: error: invalid mode 'gahter'; expected 'map' or 'gather' (did you mean 'gather'?)",
            "\(root)/bad/plugin.yaml:6:1: error: unknown key 'paramters' (did you mean 'parameters'?)",
            "\(root)/decode/plugin.yaml:1:1: error: plugin id 'decode' is already taken by a built-in plugin",
            "\(root)/worse/plugin.yaml:3:7: error: 'argv' must be a non-empty list of strings",
            "\(root)/worse/plugin.yaml:5:21: error: unknown type 'int' (did you mean 'integer'?)",
            "\(root)/worse/plugin.yaml:6:39: error: default of parameter 'm' expects integer, got 'many'",
            "\(root)/worse/plugin.yaml:6:45: error: unknown key 'dok' in parameter (did you mean 'doc'?)",
        ])
    }

    /// Writes plugin `stats` (`argv: [/bin/true]`) declaring `parameters` (YAML list entries) and
    /// reads the registry.
    private func registry(statsParameters parameters: [String], in fixture: PipelineFixture) throws -> PluginRegistry {
        let manifest = ["id: stats", "version: \"1\"", "argv: [/bin/true]", "parameters:"] + parameters.map { "  - \($0)" }
        try fixture.write(manifest.joined(separator: "\n") + "\n", to: "plugins/stats/plugin.yaml")
        return try PluginRegistry(builtins: PipelineFixture.builtins, pluginsDirectory: fixture.url.appendingPathComponent("plugins"))
    }

    /// The problems of a pipeline `decode` → `stats` whose `stats` stage has `with: {WITH}`, as `P:line:col: …`.
    private func problems(statsWith with: String, registry: PluginRegistry, fixture: PipelineFixture) throws -> [String] {
        try fixture.write("""
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              stats: {uses: stats, needs: [decode], with: {\(with)}}
            """, to: "pipeline.yaml")
        let error = try #require(throws: PipelineError.self) { try PipelineLoader(registry: registry).load(fixture.pipelineURL) }
        return error.diagnostics.map { $0.description.replacingOccurrences(of: fixture.pipelineURL.path, with: "P") }
    }

    @Test func pipelinesUseExternalPluginsAndCheckTheirParameters() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let registry = try registry(statsParameters: ["{name: gap, type: integer, default: 250, doc: Gap.}"], in: fixture)
        #expect(try problems(statsWith: "gap: 1.5", registry: registry, fixture: fixture)
            == ["P:4:53: error: parameter 'gap' expects integer, got 1.5"])
    }

    @Test func pluginsDeclareRangesAndTuningKnobs() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let registry = try registry(statsParameters: [
            "{name: gap, type: integer, default: 250, minimum: 1, maximum: 1000, doc: Gap.}",
            "{name: workers, type: integer, default: 1, minimum: 1, affects_outputs: false, doc: Threads.}",
        ], in: fixture)
        let parameters = try #require(registry.stage(id: "stats")).descriptor.parameters
        #expect(parameters.map(\.range) == [ParameterRange(minimum: 1, maximum: 1000), .atLeast(1)])
        #expect(parameters.map(\.affectsOutputs) == [true, false])
        #expect(try problems(statsWith: "gap: 1001, workers: 0", registry: registry, fixture: fixture) == [
            "P:4:53: error: parameter 'gap' must be within 1...1000, got 1001",
            "P:4:68: error: parameter 'workers' must be at least 1, got 0",
        ])
    }

    @Test func aDefaultOutsideTheDeclaredRangeIsAManifestError() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let error = try #require(throws: PipelineError.self) {
            try registry(statsParameters: [
                "{name: gap, type: integer, default: 0, minimum: 1, doc: Gap.}",
                "{name: tries, type: integer, default: 1, affects_outputs: maybe, doc: Tries.}",
            ], in: fixture)
        }
        #expect(error.diagnostics.map(\.message) == [
            "default of parameter 'gap' must be at least 1, got 0",
            "'affects_outputs' must be true or false, got 'maybe'",
        ])
    }
}
