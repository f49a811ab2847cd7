import Foundation
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// Runs a pipeline against its workdir's cache (docs/cache.md).
///
/// An item starts as soon as its upstream items are committed (a gather waits for all of
/// them), bounded by `jobs` and each stage's `concurrency`. Cached items are answered from
/// an in-memory index without touching their files. Each item to run is leased in SQLite,
/// so concurrent runs on one workdir share the work and never compute a key twice.
///
/// ```swift
/// let store = try CacheStore(workdir: pipeline.workdir)
/// let runner = PipelineRunner(pipeline: pipeline, registry: registry, store: store, options: RunOptions())
/// let summary = try await runner.run()
/// exit(summary.exitCode)
/// ```
public struct PipelineRunner: Sendable {
    public var pipeline: Pipeline
    public var registry: PluginRegistry
    public var store: CacheStore
    public var executor: any ItemExecutor
    public var options: RunOptions
    public var observer: RunObserver

    public init(
        pipeline: Pipeline, registry: PluginRegistry, store: CacheStore, options: RunOptions,
        executor: (any ItemExecutor)? = nil, observer: @escaping RunObserver = { _ in }
    ) {
        self.pipeline = pipeline
        self.registry = registry
        self.store = store
        self.options = options
        self.executor = executor ?? LocalExecutor(objects: store.objects)
        self.observer = observer
    }

    /// Runs (or, with `dryRun`, evaluates) every item.
    /// - Throws: ``PipelineError`` for a pipeline the plan cannot expand, ``CacheError`` when the
    ///   cache itself fails. Item failures are not thrown: they are in the summary.
    public func run() async throws -> RunSummary {
        let plan = try ExecutionPlan(pipeline: pipeline, registry: registry)
        let staging = StagingArea(root: store.workdir.staging)
        if !options.dryRun {
            try store.leases.killOrphans()
            try await SlurmExecutor.cancelOrphans(of: store)
            StagingArea.sweep(store.workdir.staging)
            try staging.create()
        }
        defer { if !options.dryRun { staging.remove() } }
        let digester = try SourceDigester(store: store)
        let evaluator = ItemEvaluator(plan: plan, digester: digester, records: try store.items.all(), force: options.force)
        let runID = "\(Int(Date().timeIntervalSince1970))-\(ProcessIdentity.current.pid)-\(UUID().uuidString.prefix(8).lowercased())"
        observer(.planned(stages: plan.stages.map { ($0.spec.name, $0.items.count) }))
        if !options.dryRun { try store.items.beginRun(id: runID, pipeline: pipeline.fileURL.path, argv: options.argv) }

        let environment = RunEnvironment(
            plan: plan, evaluator: evaluator, store: store, executor: executor, options: options,
            observer: observer, runID: runID, staging: staging)
        var scheduler = Scheduler(
            environment: environment, entries: try store.entries.index(), selected: selectedStages(plan))
        let summary = try await withThrowingTaskGroup(of: Void.self) { group in
            if !options.dryRun {
                group.addTask { [store] in
                    while !Task.isCancelled {
                        try await Task.sleep(nanoseconds: 5_000_000_000)
                        try await store.leases.heartbeat(runID: runID)
                    }
                }
            }
            defer { group.cancelAll() }
            return try await scheduler.run()
        }
        if !options.dryRun {
            try digester.save()
            try store.items.finishRun(
                id: runID, outcome: summary.outcomeName,
                ran: summary.ranCount, cached: summary.cachedCount, failed: summary.failures.count)
        }
        return summary
    }

    private func selectedStages(_ plan: ExecutionPlan) -> Set<String> {
        var selected = Set(plan.stages.map(\.spec.name))
        if let from = options.from { selected.formIntersection(plan.downstream(of: from)) }
        if let until = options.until { selected.formIntersection(plan.upstream(of: until)) }
        return selected
    }
}

/// This process's folder under `workdir/staging/`, named `PID@BOOTID`, so a later run can
/// tell whether its owner is gone and sweep it.
struct StagingArea: Sendable {
    let root: URL
    let directory: URL

    init(root: URL) {
        self.root = root
        let me = ProcessIdentity.current
        directory = root.appendingPathComponent("\(me.pid)@\(me.bootID)", isDirectory: true)
    }

    func create() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func makeAttemptDirectory() throws -> URL {
        let attempt = directory.appendingPathComponent(UUID().uuidString.lowercased(), isDirectory: true)
        try FileManager.default.createDirectory(at: attempt, withIntermediateDirectories: true)
        return attempt
    }

    func remove() {
        // Best effort: a leftover folder is swept by the next run.
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes the folders of processes that are gone (crashed or killed runs).
    static func sweep(_ root: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return }
        for name in names {
            let parts = name.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let pid = Int32(parts[0]) else { continue }
            if !ProcessIdentity(pid: pid, bootID: String(parts[1])).isAlive {
                try? FileManager.default.removeItem(at: root.appendingPathComponent(name))  // Swept again next time.
            }
        }
    }
}
