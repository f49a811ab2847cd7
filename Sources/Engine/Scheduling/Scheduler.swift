import Foundation
import PluginAPI

/// The state of one run: which items are ready, running, resolved. Only `run()` mutates it,
/// inside its task group's loop, so it needs no lock (the NIO ParallelDirCopy pattern).
struct Scheduler {
    let environment: RunEnvironment
    var entryDigests: [String: String]
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
    private var hits: [(item: ItemID, cacheKey: String, fields: CacheKeyFields)] = []
    private let outPath: String

    init(environment: RunEnvironment, entryDigests: [String: String], selected: Set<String>) {
        self.environment = environment
        self.entryDigests = entryDigests
        self.selected = selected
        outPath = environment.store.outDirectory.path
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
                launch(into: &group)
                if running == 0 { break }
                guard let completion = try await group.next() else { break }
                running -= 1
                finish(completion)
            }
        }
        try await flushHits()
        for (index, outcome) in outcomes.enumerated() where outcome == nil {
            let reason = stopLaunching ? "not started: the run stopped after a failure" : "not run"
            outcomes[index] = .skipped(reason)
            observer(.itemFinished(plan.items[index].id, .skipped(reason)))
        }
        return RunSummary(
            runID: runID,
            outcomes: plan.items.indices.map { (plan.items[$0].id, outcomes[$0] ?? .skipped("not run")) },
            verdicts: options.dryRun ? evaluations.compactMap { $0 } : [])
    }

    // MARK: Resolution

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
                index, upstream: { upstreamStates[$0] ?? .blocked }, entryDigests: entryDigests, store: store,
                scratch: staging.directory, observer: observer)
            if !selected.contains(item.id.stage), case .toRun = evaluation.verdict {
                evaluation.verdict = .blocked(reason: "outside --from/--until")
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
                if options.dryRun {
                    resolve(index, state: .willRun, outcome: .skipped("dry run"))
                } else if stopLaunching {
                    resolve(index, state: .blocked, outcome: .skipped("not started: the run stopped after a failure"))
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
        // A path string, not a URL: this runs for every cached item of a no-op run.
        let viewPath = outPath + "/" + id.stage + "/" + id.key
        let isCurrent = record?.cacheKey == key && record?.state == .done
        if isCurrent && FileManager.default.fileExists(atPath: viewPath) { return }
        let view = URL(fileURLWithPath: viewPath, isDirectory: true)
        if let entry = try store.entry(key) {
            try OutputView.publish(entry.outputs, at: view, objects: store.objects, scratch: staging.directory)
        }
        if !isCurrent {
            hits.append((id, key, fields))
            if hits.count >= 500 { try await flushHits() }
        }
    }

    private mutating func flushHits() async throws {
        guard !options.dryRun, !hits.isEmpty else { return }
        try await store.recordHits(hits, runID: runID)
        hits = []
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
        guard !stopLaunching else { return }
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

    private mutating func finish(_ completion: ItemCompletion) {
        switch completion {
        case .committed(let index, let digest, let ranHere):
            runningPerStage[plan.items[index].stageIndex] -= 1
            if let key = evaluations[index]?.cacheKey { entryDigests[key] = digest }
            resolve(index, state: .committed(outputDigest: digest), outcome: ranHere ? .done : .cached)
        case .failed(let index, let error):
            let stageIndex = plan.items[index].stageIndex
            runningPerStage[stageIndex] -= 1
            if plan.stages[stageIndex].spec.onError == .fail { stopLaunching = true }
            resolve(index, state: .failed, outcome: .failed(error))
        }
    }
}
