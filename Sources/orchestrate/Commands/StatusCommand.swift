import ArgumentParser
import Engine
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every item's state: cached, done, failed (with its error) or pending.",
        discussion: "One line per item, 'STAGE/KEY STATE', the error after it for a failed item. Safe during a run.")

    @Argument(help: "The pipeline file.", completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String

    @Flag(name: .long, help: "Print one JSON object per item.")
    var json = false

    func run() async throws {
        let session = try PipelineSession(path: pipeline, readOnly: true)
        let inspector = PipelineInspector(pipeline: session.pipeline, registry: session.registry, store: session.store)
        var lines: [String] = []  // Written at once: one write, not one per item.
        for status in try await inspector.inspect() {
            if json {
                var object: [String: Any] = ["item": status.id.description, "stage": status.id.stage,
                                             "key": status.id.key, "state": status.state.rawValue]
                if let error = status.error { object["error"] = error }
                StandardOutput.json(object)
            } else if let error = status.error {
                lines.append("\(status.id) \(status.state.rawValue) \(error.replacingOccurrences(of: "\n", with: " | "))")
            } else {
                lines.append("\(status.id) \(status.state.rawValue)")
            }
        }
        if !json, let report = try FinalOutputs.newestReport(in: session.store) {
            lines.append("report: \(report)")
        }
        if !lines.isEmpty { StandardOutput.write(lines.joined(separator: "\n")) }
    }
}
