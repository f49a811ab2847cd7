import ArgumentParser
import Engine
import Foundation
import PluginAPI

/// A loaded pipeline with its registry and cache, shared by the engine's commands; made by
/// ``PipelineOptions/session(readOnly:)``.
struct PipelineSession {
    let pipeline: Pipeline
    let registry: PluginRegistry
    let store: CacheStore

    /// Opens the cache of `pipeline` (loaded by ``PipelineOptions/session(readOnly:)``).
    init(pipeline: Pipeline, registry: PluginRegistry, readOnly: Bool) throws {
        self.pipeline = pipeline
        self.registry = registry
        store = try PipelineSession.open(pipeline.workdir, readOnly: readOnly)
        let file = pipeline.fileURL.lastPathComponent
        if let owner = try store.items.claim(for: file, readOnly: readOnly) {
            let suggestion = ".orchestrate-" + pipeline.fileURL.deletingPathExtension().lastPathComponent
            StandardError.write("""
                error: the workdir '\(store.workdir.root.path)' holds the cache of \(owner); \(file) needs one of its own: \
                add `workdir: \(suggestion)` to \(file) (two pipelines in one workdir would overwrite each other's items and views)
                """)
            throw ExitCode(2)
        }
    }

    /// A workdir that cannot be created or opened is a problem of the pipeline's set-up, as an
    /// invalid pipeline is: one sentence naming it, exit 2.
    private static func open(_ workdir: URL, readOnly: Bool) throws -> CacheStore {
        do { return try CacheStore(workdir: workdir, readOnly: readOnly) } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Exits 2 with a message when `name` is not a stage of the pipeline.
    func requireStage(_ name: String, option: String) throws {
        guard pipeline.stage(named: name) != nil else {
            let names = pipeline.stages.map(\.name)
            let hint = NameSuggestion.hint(for: name, in: names)
            StandardError.write("""
                error: \(option) '\(name)' is not a stage of \(pipeline.fileURL.lastPathComponent)\(hint) \
                (stages: \(names.joined(separator: ", ")))
                """)
            throw ExitCode(2)
        }
    }

    /// The pipeline expanded into items (its `foreach` globs read now).
    func plan() throws -> ExecutionPlan {
        do { return try ExecutionPlan(pipeline: pipeline, registry: registry) } catch let error as PipelineError {
            StandardError.write(error.description)
            throw ExitCode(2)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Exits 2 with a message (and a "did you mean") when `target` is neither a stage of the
    /// pipeline nor `STAGE/KEY` naming one of `plan`'s items.
    func requireStageOrItem(_ target: String, option: String, plan: ExecutionPlan) throws {
        guard pipeline.stage(named: target) == nil else { return }
        guard let id = ItemID(target), pipeline.stage(named: id.stage) != nil else {
            return try requireStage(target, option: option)
        }
        guard plan.itemIndex[id] == nil else { return }
        let keys = plan.items.filter { $0.id.stage == id.stage }.map(\.id.key)
        let hint = NameSuggestion.closest(to: id.key, in: keys).map { " (did you mean '\(id.stage)/\($0)'?)" } ?? ""
        let listed = keys.prefix(5).joined(separator: ", ") + (keys.count > 5 ? ", …" : "")
        StandardError.write("""
            error: \(option) '\(target)' is not an item of stage '\(id.stage)'\(hint) \
            (its items: \(keys.isEmpty ? "none" : listed))
            """)
        throw ExitCode(2)
    }

    /// Exits 2 when `--from first --until last` would select nothing: `first` must be `last` or
    /// upstream of it.
    func requireUpstream(_ first: String, of last: String) throws {
        guard !stages(upstreamOf: last).contains(first) else { return }
        let hint = stages(upstreamOf: first).contains(last) ? "; did you mean --from \(last) --until \(first)?" : ""
        StandardError.write("error: --from '\(first)' is not upstream of --until '\(last)', so nothing would run\(hint)")
        throw ExitCode(2)
    }

    /// `stage` and every stage it needs, directly or not.
    private func stages(upstreamOf stage: String) -> Set<String> {
        var upstream: Set<String> = [stage]
        var frontier = [stage]
        while let name = frontier.popLast() {
            for need in pipeline.stage(named: name)?.needs ?? [] where upstream.insert(need).inserted { frontier.append(need) }
        }
        return upstream
    }

    /// The folder of `item`'s newest failed attempt kept in the workdir (`failed/STAGE/KEY/…`).
    func failedAttemptFolder(of item: ItemID) -> String? {
        FailedAttempts(workdir: store.workdir).newest(of: item)?.path
    }

    /// Parses `STAGE` or `STAGE/KEY`, checking the stage exists.
    func parseItemSelector(_ text: String) throws -> (stage: String, key: String?) {
        if let id = ItemID(text), pipeline.stage(named: id.stage) != nil {
            return (id.stage, id.key)
        }
        try requireStage(text, option: "stage")
        return (text, nil)
    }
}
