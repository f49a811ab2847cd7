import ArgumentParser
import Engine
import Foundation

struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Explain an item's cache state: which cache-key fields changed, with old and new values.")

    @OptionGroup var options: PipelineOptions

    @Argument(help: ArgumentHelp("A stage, or one item of it.", valueName: "stage[/key]"))
    var item: String

    func run() async throws {
        let session = try options.session(readOnly: true)
        let (stage, key) = try session.parseItemSelector(item)
        let inspector = PipelineInspector(pipeline: session.pipeline, registry: session.registry, store: session.store)
        let statuses = try await inspector.inspect().filter { $0.id.stage == stage && (key == nil || $0.id.key == key) }
        guard !statuses.isEmpty else {
            StandardError.write("error: no item '\(item)' in \(session.pipeline.fileURL.lastPathComponent)")
            throw ExitCode(2)
        }
        let unkeyed = session.pipeline.stage(named: stage).flatMap { spec in
            session.registry.stage(id: spec.uses).map { CacheKeyPolicy.unkeyedSettings(of: $0.descriptor, values: spec.with) }
        } ?? []
        for status in statuses {
            explain(status)
            if status.state == .failed, let folder = session.failedAttemptFolder(of: status.id) {
                StandardOutput.write("  attempt folder: \(folder)")
            }
            if case .toRun = status.evaluation.verdict, let key = status.evaluation.cacheKey,
               let progress = try session.store.checkpoints.progress(key) {
                // A cancelled or killed attempt left progress units: the next run resumes after them.
                let units = "\(progress.units) checkpoint unit\(progress.units == 1 ? "" : "s")"
                StandardOutput.write("  resumes from \(units) of an earlier attempt (cursor \(progress.cursor))")
            }
            if !unkeyed.isEmpty {
                StandardOutput.write("  not in the key (they do not affect outputs): \(unkeyed.joined(separator: ", "))")
            }
        }
    }

    private func explain(_ status: ItemStatus) {
        let head: String
        switch status.evaluation.verdict {
        case .cached: head = "cached"
        case .toRun(let reason): head = "will run: \(reason)"
        case .blocked(let reason): head = "blocked: \(reason)"
        }
        StandardOutput.write("\(status.id): \(head)")
        if let key = status.evaluation.cacheKey { StandardOutput.write("  key \(key)") }
        if let previous = status.record?.cacheKey, previous != status.evaluation.cacheKey {
            StandardOutput.write("  last key \(previous) (\(status.record?.state.rawValue ?? "?"))")
        }
        guard status.record != nil else {
            StandardOutput.write("  never run before")
            return
        }
        guard let changes = status.changes else { return }
        if changes.isEmpty {
            StandardOutput.write("  no cache-key field changed")
        }
        for change in changes { StandardOutput.write("  \(change)") }
    }
}
