import Foundation
import PluginAPI

/// The state of one item as `status`, `why` and `run --dry-run` report it.
public struct ItemStatus: Sendable {
    public enum State: String, Sendable {
        /// Committed, and its current result was reused from the cache.
        case cached
        /// Committed by the latest run.
        case done
        /// The last attempt with the current inputs failed.
        case failed
        /// Not committed for the current inputs: the next run computes it.
        case pending
    }

    public var id: ItemID
    public var state: State
    /// The error of a failed item.
    public var error: String?
    public var evaluation: ItemEvaluation
    /// The item's last recorded attempt or hit.
    public var record: ItemRecord?

    /// Cache-key fields that changed since the last recorded key; `nil` when the item never ran
    /// or its current key cannot be computed.
    public var changes: [FieldChange]? {
        guard let previous = record?.fields, let current = evaluation.fields else { return nil }
        return current.changes(since: previous)
    }
}

/// Evaluates every item of a pipeline against the cache without running or writing anything.
/// Safe while a run writes (WAL readers).
public struct PipelineInspector: Sendable {
    public var pipeline: Pipeline
    public var registry: PluginRegistry
    public var store: CacheStore

    public init(pipeline: Pipeline, registry: PluginRegistry, store: CacheStore) {
        self.pipeline = pipeline
        self.registry = registry
        self.store = store
    }

    /// Every item in plan order.
    /// - Throws: ``PipelineError`` or ``CacheError``.
    public func inspect(force: Set<String> = []) async throws -> [ItemStatus] {
        var options = RunOptions(force: force, dryRun: true)
        options.lastFailuresStand = true
        let runner = PipelineRunner(pipeline: pipeline, registry: registry, store: store, options: options)
        let evaluations = try await runner.run().verdicts
        let records = try store.items.all()
        let latestRun = try store.items.runs().last?.id
        return evaluations.map { evaluation in
            let record = records[evaluation.id]
            var status = ItemStatus(id: evaluation.id, state: .pending, evaluation: evaluation, record: record)
            switch evaluation.verdict {
            case .cached where record?.state == .failed && record?.cacheKey == evaluation.cacheKey:
                // A `--force` attempt failed: the entry it would have replaced is still there.
                status.state = .failed
                status.error = record?.error
            case .cached:
                let ranLast = record?.ran == true && record?.runID == latestRun && record?.cacheKey == evaluation.cacheKey
                status.state = ranLast ? .done : .cached
            case .toRun, .blocked:
                if let record, record.state == .failed,
                   evaluation.cacheKey == nil || evaluation.cacheKey == record.cacheKey {
                    status.state = .failed
                    status.error = record.error
                }
            }
            return status
        }
    }
}
