import ArgumentParser
import Engine
import Foundation
import JSON
import PluginAPI

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the built-in and external plugins with their parameters.",
        discussion: "External plugins are read from 'plugins/' beside the pipeline, or in the current directory."
    )

    @Argument(
        help: ArgumentHelp("A pipeline file whose 'plugins/' folder to read.", valueName: "pipeline.yaml"),
        completion: .file(extensions: ["yaml", "yml"])
    )
    var pipelinePath: String?

    func run() async throws {
        let registry = try PipelineLoading.registry(forPipelineAt: pipelinePath)
        print(registry.all.map(Self.describe).joined(separator: "\n"), terminator: "")
    }

    static func describe(_ stage: any Stage) -> String {
        let descriptor = stage.descriptor
        let origin = (stage as? ExternalStage).map { "external: \($0.manifest.directory.path)" } ?? "built-in"
        var lines = ["\(descriptor.id) \(descriptor.version) (\(origin), \(descriptor.mode.rawValue), \(descriptor.kind.rawValue))"]
        if !descriptor.summary.isEmpty { lines.append("    \(descriptor.summary)") }
        for parameter in descriptor.parameters {
            let requirement = parameter.defaultValue.map { " = \(Self.render($0))" } ?? " (required)"
            lines.append("    \(parameter.name): \(parameter.type)\(requirement)")
            if !parameter.doc.isEmpty { lines.append("        \(parameter.doc)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ value: JSONValue) -> String {
        guard let data = try? value.canonicalData(), let text = String(data: data, encoding: .utf8) else {
            // Encoding a JSONValue cannot fail; an empty default is the harmless fallback.
            return ""
        }
        return text
    }
}
