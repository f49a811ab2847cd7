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
        if !json, let report = try newestReport(in: session.store) {
            lines.append("report: \(report)")
        }
        if !lines.isEmpty { StandardOutput.write(lines.joined(separator: "\n")) }
    }

    /// The newest committed output file named `report.html` of any stage (stage-agnostic:
    /// whichever stage writes reports), as its path in the workdir's `out/` view.
    private func newestReport(in store: CacheStore) throws -> String? {
        var newest: (date: Date, path: String)?
        let entries = Dictionary(try store.entries(withOutputNamed: "report.html").map { ($0.cacheKey, $0) }) { first, _ in first }
        for record in try store.items().values where record.state == .done {
            guard let entry = entries[record.cacheKey] else { continue }
            for file in entry.outputs where (file.path as NSString).lastPathComponent == "report.html" {
                guard newest.map({ entry.createdAt > $0.date }) ?? true else { continue }
                let path = store.workdir.view(of: record.id)
                    .appendingPathComponent(file.path).path
                newest = (entry.createdAt, path)
            }
        }
        return newest?.path
    }
}
