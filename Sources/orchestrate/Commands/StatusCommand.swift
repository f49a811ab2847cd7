import ArgumentParser
import Engine
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every item's state: cached, done, failed (with its error) or pending.",
        discussion: """
            One line per item, 'STAGE/KEY STATE'; for a failed item, its error and the folder its last \
            failed attempt left (see 'cache gc'). Safe during a run.
            """)

    @OptionGroup var options: PipelineOptions

    @Flag(name: .long, help: "Print one JSON object per item.")
    var json = false

    func run() async throws {
        let session = try options.session(readOnly: true)
        let inspector = PipelineInspector(pipeline: session.pipeline, registry: session.registry, store: session.store)
        var lines: [String] = []  // Written at once: one write, not one per item.
        for status in try await inspector.inspect() {
            if json {
                var object: [String: Any] = ["item": status.id.description, "stage": status.id.stage,
                                             "key": status.id.key, "state": status.state.rawValue]
                if let error = status.error { object["error"] = error }
                if status.error != nil { object["attempt_folder"] = session.failedAttemptFolder(of: status.id) }
                StandardOutput.json(object)
            } else if let error = status.error {
                let folder = session.failedAttemptFolder(of: status.id).map { " (attempt folder: \($0))" } ?? ""
                lines.append("\(status.id) \(status.state.rawValue) \(error.replacingOccurrences(of: "\n", with: " | "))\(folder)")
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
