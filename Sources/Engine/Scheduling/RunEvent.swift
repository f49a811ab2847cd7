import Foundation

/// What happens during a run, for progress displays and `--json` event lines.
public enum RunEvent: Sendable {
    /// The plan: items per stage, in dependency order.
    case planned(stages: [(name: String, items: Int)])
    /// An attempt began: a local item runs; a cluster item is being submitted.
    case itemStarted(ItemID)
    /// A cluster item's job was submitted and waits in the queue (local items never queue).
    case itemQueued(ItemID)
    /// A queued item's job began running.
    case itemRunning(ItemID)
    case itemProgress(ItemID, completed: Int, total: Int?, unit: String)
    case itemLog(ItemID, String)
    case itemRetrying(ItemID, attempt: Int, error: String, delay: Double)
    case itemFinished(ItemID, ItemOutcome)
}

/// How an item ended in a run.
public enum ItemOutcome: Sendable, Equatable {
    /// Computed and committed by this run.
    case done
    /// Reused from the cache (or committed by a concurrent run).
    case cached
    case failed(String)
    /// Running when the run was interrupted (SIGINT, SIGTERM): stopped, nothing committed, no
    /// failure recorded; the next run starts it again.
    case cancelled
    /// Not run: an upstream item failed, the run was interrupted before it started, or the
    /// stage is outside `--from`/`--until`.
    case skipped(String)

    /// The reason of an item in a stage that `--from`/`--until` leave alone.
    public static let outsideSelection = "outside --from/--until"
}

/// Receives run events; called from many tasks at once.
public typealias RunObserver = @Sendable (RunEvent) -> Void
