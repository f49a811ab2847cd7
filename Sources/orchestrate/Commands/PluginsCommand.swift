import ArgumentParser
import Engine
import Foundation
import JSON
import PluginAPI

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the built-in and external plugins with their parameters.",
        discussion: """
            External plugins are read from 'plugins/' beside the pipeline, or in the current directory. \
            With a plugin id, prints that plugin's parameter table (Markdown, as docs/stages/ shows it): \
            type and range, default, whether the value is in the cache key, and what it does.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A pipeline file whose 'plugins/' folder to read (a .yaml or .yml path), and/or a plugin id.",
            valueName: "pipeline.yaml|plugin"),
        completion: .file(extensions: ["yaml", "yml"])
    )
    var arguments: [String] = []

    func validate() throws {
        guard arguments.count <= 2 else { throw ValidationError("expected at most a pipeline file and a plugin id") }
        if arguments.count == 2, !Self.isPipelinePath(arguments[0]) {
            throw ValidationError("'\(arguments[0])' is not a pipeline file (.yaml or .yml)")
        }
    }

    func run() async throws {
        let pipelinePath = arguments.first(where: Self.isPipelinePath)
        let pluginID = arguments.first { !Self.isPipelinePath($0) }
        let registry = try PipelineLoading.registry(forPipelineAt: pipelinePath)
        guard let pluginID else {
            print(registry.all.map(Self.describe).joined(separator: "\n"), terminator: "")
            return
        }
        guard let stage = registry.stage(id: pluginID) else {
            let known = registry.all.map(\.descriptor.id)
            let hint = NameSuggestion.hint(for: pluginID, in: known)
            StandardError.write("error: unknown plugin '\(pluginID)'\(hint); known: \(known.joined(separator: ", "))")
            throw ExitCode(2)
        }
        print(Self.header(stage))
        print(ParameterTable(stage.descriptor.parameters).markdown, terminator: "")
    }

    private static func isPipelinePath(_ text: String) -> Bool { text.hasSuffix(".yaml") || text.hasSuffix(".yml") }

    private static func header(_ stage: any Stage) -> String {
        let descriptor = stage.descriptor
        let origin = (stage as? ExternalStage).map { "external: \($0.manifest.directory.path)" } ?? "built-in"
        return "\(descriptor.id) \(descriptor.version) (\(origin), \(descriptor.mode.rawValue), \(descriptor.kind.rawValue))"
    }

    static func describe(_ stage: any Stage) -> String {
        let descriptor = stage.descriptor
        var lines = [header(stage)]
        if !descriptor.summary.isEmpty { lines.append("    \(descriptor.summary)") }
        for parameter in descriptor.parameters {
            let requirement = parameter.defaultValue.map { " = \(ParameterTable.render($0))" } ?? " (required)"
            let range = parameter.range.map { ", \($0)" } ?? ""
            let key = parameter.affectsOutputs ? "" : ", not in the cache key"
            lines.append("    \(parameter.name): \(parameter.type)\(range)\(requirement)\(key)")
            if !parameter.doc.isEmpty { lines.append("        \(parameter.doc)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
