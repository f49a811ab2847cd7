import Foundation
import JSON
import PluginAPI

/// What the evaluator knows of an upstream item.
enum UpstreamState: Sendable {
    case committed(outputDigest: String)
    /// Will run (dry run, status): its output digest is not known yet.
    case willRun
    case failed
    case blocked
}

extension ItemEvaluator {
    /// Stands for the output digest of an upstream item that has not run yet.
    static let unknownDigest = "(not computed yet)"

    /// Decides whether the cache answers item `index`, given its upstream items' states.
    /// Effect stages' receipts are verified here; `externalStateDigest` is asked here.
    func evaluate(
        _ index: Int, upstream: (Int) -> UpstreamState, entries: EntryIndex,
        store: CacheStore, scratch: URL, observer: @escaping RunObserver
    ) async -> ItemEvaluation {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        var digests: [Int: String] = [:]
        var committed: Set<Int> = []
        var pendingUpstream: ItemID?
        for source in item.upstream {
            let upstreamItem = plan.items[source]
            switch upstream(source) {
            case .committed(let digest):
                digests[source] = digest
                committed.insert(source)
            case .willRun:
                // Keep going with a placeholder, so `why` can still show this item's own changes.
                pendingUpstream = pendingUpstream ?? upstreamItem.id
                digests[source] = Self.unknownDigest
            case .failed, .blocked:
                let upstreamStage = plan.stages[upstreamItem.stageIndex].spec
                if stage.mode == .gather && upstreamStage.onError == .skip { continue }
                let what = if case .failed = upstream(source) { "failed" } else { "not run" }
                return ItemEvaluation(id: item.id, verdict: .blocked(reason: "upstream \(upstreamItem.id) \(what)"))
            }
        }
        // Building a context (inputs, interpolation, a logger) costs more than the rest of a cache
        // hit: only stages that read external state or verify receipts get one, in a folder of its own.
        let readsExternalState = stage.plugin.readsExternalState
        var keyFolder: URL?
        defer { if let keyFolder { try? FileManager.default.removeItem(at: keyFolder) } }
        do {
            var keyTime: (item: StageItem, context: EngineStageContext)?
            if readsExternalState || stage.descriptor.kind == .effect {
                let folder = scratch.appendingPathComponent("key-\(UUID().uuidString.lowercased())", isDirectory: true)
                keyFolder = folder
                let inputs = try inputs(of: index, committed: committed.contains, workdir: store.workdir, attemptDirectory: folder)
                let stageItem = stageItem(index, inputs: inputs)
                keyTime = (stageItem, makeContext(index, stageItem: stageItem, scratch: folder, observer: observer))
            }
            var external: String?
            if readsExternalState, let keyTime {
                external = try await stage.plugin.externalStateDigest(keyTime.item, context: keyTime.context)
            }
            let fields = try fields(of: index, upstreamDigests: digests, external: external)
            if let pendingUpstream {
                return ItemEvaluation(id: item.id, fields: fields, verdict: .toRun(reason: "upstream \(pendingUpstream) will run"))
            }
            let key = fields.digest
            var evaluation = ItemEvaluation(id: item.id, fields: fields, cacheKey: key, verdict: .toRun(reason: ""))
            if let selector = forcingSelector(of: item.id) {
                evaluation.verdict = .toRun(reason: "forced with --force \(selector)")
                evaluation.replacesEntry = true
                evaluation.isForced = true
            } else if let digest = entries[key] {
                if let damaged = entries.damagedOutput(key, in: store.objects) {
                    // Deleted or truncated behind the cache's back: trusting it would fail downstream.
                    evaluation.verdict = .toRun(reason: "output object missing: '\(damaged.path)' (object \(damaged.digest.prefix(12)))")
                    evaluation.replacesEntry = true
                    return evaluation
                }
                if stage.descriptor.kind == .effect, let keyTime {
                    let receipts = try store.entries.entry(key)?.receipts ?? []
                    guard try await stage.plugin.verify(receipts: receipts, item: keyTime.item, context: keyTime.context) else {
                        evaluation.verdict = .toRun(reason: "receipts no longer hold")
                        evaluation.replacesEntry = true
                        return evaluation
                    }
                }
                evaluation.verdict = .cached
                evaluation.outputDigest = digest
            } else {
                evaluation.verdict = .toRun(reason: reason(for: item.id, fields: fields, key: key))
            }
            return evaluation
        } catch {
            return ItemEvaluation(id: item.id, verdict: .toRun(reason: "cannot compute the cache key: \(error)"))
        }
    }

    /// A context for key-time calls (`externalStateDigest`, `verify`): parameters resolved
    /// without an output directory.
    func makeContext(_ index: Int, stageItem: StageItem, scratch: URL, observer: @escaping RunObserver) -> EngineStageContext {
        let item = plan.items[index]
        let parameters = (try? parameters(index, stageItem: stageItem, outputDirectory: nil))
            ?? Parameters(values: parameters(ofStage: item.stageIndex), baseDirectory: plan.pipeline.directory)
        let job = ItemJob(
            id: item.id, stage: plan.stages[item.stageIndex].plugin, item: stageItem, parameters: parameters,
            pipelineDirectory: plan.pipeline.directory, pipelineName: plan.pipeline.name, cacheKey: "", attemptDirectory: scratch,
            timeout: nil, checkpoints: NoCheckpoints(), observer: observer)
        return EngineStageContext(job: job)
    }

    /// What item `index` sees as its parameters, at key time and when it runs: the `with:` values
    /// with item-level references (`${item.…}`, `${out}`, `${in.…}`) resolved, the stage's `file`s
    /// as resolved once for the run, a template's for this item, and the settings the stage
    /// decoded when the pipeline loaded.
    /// - Throws: ``PipelineError`` for a template that cannot be resolved, ``CacheError`` for a
    ///   file that cannot be read.
    func parameters(_ index: Int, stageItem: StageItem, outputDirectory: URL?) throws -> Parameters {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        let scope = InterpolationScope(
            itemPath: stageItem.sourcePath, itemKey: item.id.key,
            outputDirectory: outputDirectory, inputs: stageItem.inputs)
        let templates = stage.spec.templates
        let values = try Interpolation.resolve(.object(parameters(ofStage: item.stageIndex)), templates: templates, in: scope)
            .objectValue ?? [:]
        let templatedFiles = stage.descriptor.parameters.filter { $0.type == .file && templates.contains([.key($0.name)]) }
        let files = try stageFiles[item.stageIndex].get()
            .merging(try fileResolver.resolve(templatedFiles.map(\.name), in: values)) { _, template in template }
        return Parameters(
            values: values, baseDirectory: plan.pipeline.directory, files: files,
            settings: templates.isEmpty ? stage.spec.settings : nil)
    }
}

/// Checkpoints are meaningless at key time: nothing is committed.
private struct NoCheckpoints: CheckpointStore {
    func committedUnits() async throws -> [CheckpointUnit] { [] }
    func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit {
        throw StageError("checkpoints cannot be committed while computing a cache key")
    }
}
