import ArgumentParser
import Engine
import Foundation

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List past runs with their times and outcomes.")

    @OptionGroup var options: PipelineOptions

    @Flag(name: .long, help: "Print one JSON object per run.")
    var json = false

    func run() async throws {
        let session = try options.session(readOnly: true)
        let formatter = ISO8601DateFormatter()
        for run in try session.store.items.runs() {
            let outcome = run.outcome ?? (run.finishedAt == nil ? "interrupted-or-running" : "unknown")
            let seconds = run.finishedAt.map { String(format: "%.1fs", $0.timeIntervalSince(run.startedAt)) } ?? "-"
            if json {
                var object: [String: Any] = ["run": run.id, "started": formatter.string(from: run.startedAt),
                                             "outcome": outcome, "done": run.ran, "cached": run.cached, "failed": run.failed]
                if let finished = run.finishedAt { object["finished"] = formatter.string(from: finished) }
                StandardOutput.json(object)
            } else {
                StandardOutput.write("\(run.id)  \(formatter.string(from: run.startedAt))  \(seconds)  \(outcome)  "
                    + "\(run.ran) done, \(run.cached) cached, \(run.failed) failed")
            }
        }
    }
}
