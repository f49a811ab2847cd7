import Foundation
import PluginAPI

/// The state of one run: which items are ready, running, resolved. Only `run()` mutates it,
/// inside its task group's loop, so it needs no lock (the NIO ParallelDirCopy pattern).
struct Scheduler {
    let environment: RunEnvironment
    var entries: EntryIndex
    let selected: Set<String>
    private var plan: ExecutionPlan { environment.plan }
    private var evaluator: ItemEvaluator { environment.evaluator }
    private var store: CacheStore { environment.store }
    private var options: RunOptions { environment.options }
    private var observer: RunObserver { environment.observer }
    private var runID: String { environment.runID }
    private var staging: StagingArea { environment.staging }

    private var states: [UpstreamState?]
    private var outcomes: [ItemOutcome?]
    private var evaluations: [ItemEvaluation?]
    private var waitingOn: [Int]
    private var dependents: [[Int]]
    private var ready: [Int] = []
    private var readyHead = 0
    /// Items to run, per stage.
    private var queues: [[ItemEvaluation]]
    private var queueHeads: [Int]
    private var runningPerStage: [Int]
    private var running = 0
    private var stopLaunching = false
    /// Items whose lease another live run holds, to try again once `retryAt` has passed.
    private var heldElsewhere: [(evaluation: ItemEvaluation, retryAt: ContinuousClock.Instant)] = []
    private var wakePending = false
    /// How long a held item waits before its lease is asked for again.
    static let leaseRetryDelay: Duration = .milliseconds(100)
    private var hits: [(item: ItemID, cacheKey: String, fields: CacheKeyFields)] = []

    init(environment: RunEnvironment, entries: EntryIndex, selected: Set<String>) {
        self.environment = environment
        self.entries = entries
        self.selected = selected
        let plan = environment.plan
        let count = plan.items.count
        states = Array(repeating: nil, count: count)
        outcomes = Array(repeating: nil, count: count)
        evaluations = Array(repeating: nil, count: count)
        let waiting = plan.items.map { Set($0.upstream).count }
        var dependents: [[Int]] = Array(repeating: [], count: count)
        for (index, item) in plan.items.enumerated() {
            for upstream in Set(item.upstream) { dependents[upstream].append(index) }
        }
        waitingOn = waiting
        self.dependents = dependents
        queues = Array(repeating: [], count: plan.stages.count)
        queueHeads = Array(repeating: 0, count: plan.stages.count)
        runningPerStage = Array(repeating: 0, count: plan.stages.count)
        ready = (0..<count).filter { waiting[$0] == 0 }
    }

    mutating func run() async throws -> RunSummary {
        try await withThrowingTaskGroup(of: ItemCompletion.self) { group in
            while true {
                try await resolveReady()
                requeueHeldItems()
                launch(into: &group)
                scheduleWake(into: &group)
                if running == 0 && !wakePending { break }
                guard let completion = try await group.next() else { break }
                finish(completion)
            }
        }
        let interrupted = Task.isCancelled
        try await flushHits()
        for (index, outcome) in outcomes.enumerated() where outcome == nil {
            let reason = interrupted ? Self.interruptedReason : stopLaunching ? Self.stoppedReason : "not run"
            outcomes[index] = .skipped(reason)
            observer(.itemFinished(plan.items[index].id, .skipped(reason)))
        }
        var summary = RunSummary(
            runID: runID,
            outcomes: plan.items.indices.map { (plan.items[$0].id, outcomes[$0] ?? .skipped("not run")) },
            verdicts: options.dryRun ? evaluations.compactMap { $0 } : [])
        summary.interrupted = interrupted
        return summary
    }

    static let interruptedReason = "not run (interrupted)"
    static let stoppedReason = "not started: the run stopped after a failure"

    // MARK: Resolution

    /// Where key-time calls get their folders: staging in a run; outside the workdir in a dry run
    /// (`status`, `run --dry-run` leave the workdir as it was).
    private var keyTimeScratch: URL {
        options.dryRun ? FileManager.default.temporaryDirectory : staging.directory
    }

    /// Evaluates every ready item: cached ones resolve at once (and free their dependents),
    /// the others join their stage's queue.
    private mutating func resolveReady() async throws {
        while readyHead < ready.count {
            let index = ready[readyHead]
            readyHead += 1
            let item = plan.items[index]
            let stageIndex = item.stageIndex
            var upstreamStates: [Int: UpstreamState] = [:]
            for upstream in item.upstream { upstreamStates[upstream] = states[upstream] ?? .blocked }
            var evaluation = await evaluator.evaluate(
                index, upstream: { upstreamStates[$0] ?? .blocked }, entries: entries, store: store,
                scratch: keyTimeScratch, observer: observer)
            if !selected.contains(item.id.stage), evaluation.verdict != .cached {
                evaluation.verdict = .blocked(reason: ItemOutcome.outsideSelection)
            }
            evaluations[index] = evaluation
            switch evaluation.verdict {
            case .cached:
                guard let key = evaluation.cacheKey, let digest = evaluation.outputDigest, let fields = evaluation.fields else { continue }
                if !options.dryRun { try await refreshView(of: item.id, key: key, fields: fields) }
                resolve(index, state: .committed(outputDigest: digest), outcome: .cached)
            case .blocked(let reason):
                resolve(index, state: .blocked, outcome: .skipped(reason))
            case .toRun:
                if options.dryRun, options.lastFailuresStand, let record = evaluator.records[item.id],
                   record.state == .failed, record.cacheKey == evaluation.cacheKey {
                    resolve(index, state: .failed, outcome: .failed(record.error ?? "failed"))
                } else if options.dryRun {
                    resolve(index, state: .willRun, outcome: .skipped("dry run"))
                } else if Task.isCancelled {
                    resolve(index, state: .blocked, outcome: .skipped(Self.interruptedReason))
                } else if stopLaunching {
                    resolve(index, state: .blocked, outcome: .skipped(Self.stoppedReason))
                } else {
                    queues[stageIndex].append(evaluation)
                }
            }
        }
    }

    /// A hit on a key the item did not point at last time (or whose view is missing):
    /// re-publish `out/STAGE/KEY` and record the item's new key.
    private mutating func refreshView(of id: ItemID, key: String, fields: CacheKeyFields) async throws {
        let record = evaluator.records[id]
        let viewPath = store.workdir.viewPath(of: id)
        let isCurrent = record?.cacheKey == key && record?.state == .done
        if isCurrent && FileManager.default.fileExists(atPath: viewPath) { return }
        let view = URL(fileURLWithPath: viewPath, isDirectory: true)
        if let entry = try store.entries.entry(key) {
            try OutputView.publish(entry.outputs, at: view, objects: store.objects, scratch: staging.directory)
        }
        if !isCurrent {
            hits.append((id, key, fields))
            if hits.count >= 500 { try await flushHits() }
        }
    }

    private mutating func flushHits() async throws {
        guard !options.dryRun, !hits.isEmpty else { return }
        let pending = hits
        hits = []
        // In a task of its own, which an interruption does not cancel: hits found before it
        // are still worth recording.
        try await Task { [store, runID] in try await store.items.recordHits(pending, runID: runID) }.value
    }

    private mutating func resolve(_ index: Int, state: UpstreamState, outcome: ItemOutcome) {
        states[index] = state
        outcomes[index] = outcome
        if case .skipped = outcome, options.dryRun { } else { observer(.itemFinished(plan.items[index].id, outcome)) }
        for dependent in dependents[index] {
            waitingOn[dependent] -= 1
            if waitingOn[dependent] == 0 { ready.append(dependent) }
        }
    }

    // MARK: Launching

    /// Starts queued items up to `jobs` and each stage's `concurrency`, downstream stages
    /// first so items flow through the pipeline instead of piling up at its start.
    private mutating func launch(into group: inout ThrowingTaskGroup<ItemCompletion, any Error>) {
        guard !stopLaunching, !Task.isCancelled else { return }
        var progressed = true
        while running < options.jobs && progressed {
            progressed = false
            for stageIndex in plan.stages.indices.reversed() where queueHeads[stageIndex] < queues[stageIndex].count {
                if let limit = plan.stages[stageIndex].spec.concurrency, runningPerStage[stageIndex] >= limit { continue }
                let evaluation = queues[stageIndex][queueHeads[stageIndex]]
                queueHeads[stageIndex] += 1
                runningPerStage[stageIndex] += 1
                running += 1
                progressed = true
                let attempts = ItemAttempts(
                    index: plan.itemIndex[evaluation.id] ?? 0, evaluation: evaluation, environment: environment)
                group.addTask { await attempts.run() }
                if running >= options.jobs { break }
            }
        }
    }

    /// Puts held items whose wait is over back at the end of their stage's queue, behind the
    /// items no other run is working on.
    private mutating func requeueHeldItems() {
        guard !heldElsewhere.isEmpty else { return }
        let now = ContinuousClock.now
        if Task.isCancelled || stopLaunching {
            for held in heldElsewhere {
                let index = plan.itemIndex[held.evaluation.id] ?? 0
                let reason = Task.isCancelled ? Self.interruptedReason : Self.stoppedReason
                resolve(index, state: .blocked, outcome: .skipped(reason))
            }
            heldElsewhere = []
            return
        }
        for held in heldElsewhere where held.retryAt <= now {
            queues[plan.items[plan.itemIndex[held.evaluation.id] ?? 0].stageIndex].append(held.evaluation)
        }
        heldElsewhere.removeAll { $0.retryAt <= now }
    }

    /// While items wait for other runs' leases and a slot is free, a timer task wakes the loop
    /// when the first of them may be asked for again.
    private mutating func scheduleWake(into group: inout ThrowingTaskGroup<ItemCompletion, any Error>) {
        guard !wakePending, running < options.jobs, let first = heldElsewhere.map(\.retryAt).min() else { return }
        wakePending = true
        group.addTask {
            try? await Task.sleep(until: first, clock: .continuous)
            return .wake
        }
    }

    private mutating func finish(_ completion: ItemCompletion) {
        switch completion {
        case .wake:
            wakePending = false
        case .heldElsewhere(let index):
            freeSlot(of: index)
            if let evaluation = evaluations[index] {
                heldElsewhere.append((evaluation, ContinuousClock.now + Self.leaseRetryDelay))
            }
        case .committed(let index, let digest, let ranHere):
            freeSlot(of: index)
            if let key = evaluations[index]?.cacheKey { entries.record(key, outputDigest: digest) }
            resolve(index, state: .committed(outputDigest: digest), outcome: ranHere ? .done : .cached)
        case .failed(let index, let error):
            freeSlot(of: index)
            if plan.stages[plan.items[index].stageIndex].spec.onError == .fail, !options.keepGoing { stopLaunching = true }
            resolve(index, state: .failed, outcome: .failed(error))
        case .cancelled(let index):
            freeSlot(of: index)
            resolve(index, state: .blocked, outcome: .cancelled)
        }
    }

    /// Item `index`'s task ended: its slot, in the run and in its stage, is free again.
    private mutating func freeSlot(of index: Int) {
        running -= 1
        runningPerStage[plan.items[index].stageIndex] -= 1
    }
}
