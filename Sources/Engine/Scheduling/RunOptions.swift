import Foundation

/// How `orchestrate run` runs a pipeline.
public struct RunOptions: Sendable {
    /// Items running at once, over all stages (default: the core count).
    public var jobs: Int
    /// Stages (`STAGE`) and items (`STAGE/KEY`) that run again from scratch, ignoring their
    /// cache entries and checkpoints.
    public var force: Set<String>
    /// Run only this stage and those downstream of it.
    public var from: String?
    /// Run only this stage and those upstream of it.
    public var until: String?
    /// Evaluate every item (cached or to run, with the reason) without running anything.
    public var dryRun: Bool
    /// Keep starting items after a failure in an `on_error: fail` stage (as under `on_error:
    /// skip`): only the failed item's dependants do not run.
    public var keepGoing = false
    /// The command line, recorded in `runs`.
    public var argv: [String]
    /// First retry delay for transient failures; doubles per retry, capped at 30 s.
    public var retryBaseDelay: Double
    /// With `dryRun`, for `status`: an item whose last attempt with its current key failed counts
    /// as failed (the state it is in), not as one the next run starts again, so its dependants
    /// evaluate as they did in that run (a gather under `on_error: skip` goes on without it).
    public var lastFailuresStand = false

    public init(
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, force: Set<String> = [], from: String? = nil,
        until: String? = nil, dryRun: Bool = false, argv: [String] = [], retryBaseDelay: Double = 0.5
    ) {
        self.jobs = max(1, jobs)
        self.force = force
        self.from = from
        self.until = until
        self.dryRun = dryRun
        self.argv = argv
        self.retryBaseDelay = retryBaseDelay
    }
}

/// The result of a run.
public struct RunSummary: Sendable {
    public var runID: String
    /// Every planned item's outcome, in plan order.
    public var outcomes: [(id: ItemID, outcome: ItemOutcome)]
    /// For a dry run: every item's verdict, in plan order.
    public var verdicts: [ItemEvaluation]
    /// Whether the run was cancelled (SIGINT, SIGTERM) before every item was resolved.
    public var interrupted = false

    public var failures: [(id: ItemID, error: String)] {
        outcomes.compactMap { if case .failed(let message) = $0.outcome { ($0.id, message) } else { nil } }
    }

    public func count(_ predicate: (ItemOutcome) -> Bool) -> Int { outcomes.filter { predicate($0.outcome) }.count }
    public var ranCount: Int { count { $0 == .done } }
    public var cachedCount: Int { count { $0 == .cached } }

    /// 130 when interrupted (as a shell reports SIGINT), else 0 when nothing failed, 1 otherwise.
    public var exitCode: Int32 { interrupted ? 130 : failures.isEmpty ? 0 : 1 }

    /// What `runs` records: `succeeded`, `failed` or `interrupted`.
    public var outcomeName: String { interrupted ? "interrupted" : failures.isEmpty ? "succeeded" : "failed" }
}
