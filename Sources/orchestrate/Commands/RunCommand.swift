import ArgumentParser
import Engine
import Foundation
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline, resuming from the cache.",
        discussion: """
            Items whose cache key has a committed entry are reused; the others run, up to --jobs at \
            once. SIGINT or SIGTERM stops the run: running items are cancelled, committed ones kept. \
            Exit status: 0 when every item succeeded, 1 when some failed, 2 for an invalid \
            pipeline or usage, 130 when interrupted.
            """)

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: ArgumentHelp(
        "Run this stage's items (or this one item) again from scratch, ignoring the cache and checkpoints (repeatable).",
        valueName: "stage[/key]"))
    var force: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only this stage and the stages downstream of it.", valueName: "stage"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Run only this stage and the stages upstream of it.", valueName: "stage"))
    var until: String?

    @Flag(name: [.customShort("n"), .long], help: "List each item as cached or to run, with the reason, and run nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Keep starting items after a failure; only the failed items' dependants do not run.")
    var keepGoing = false

    @Option(name: [.short, .long], help: "Items running at once (default: the number of cores; 256 when stages run on Slurm).")
    var jobs: Int?

    @Flag(name: .long, help: "Print JSON lines events on stdout instead of progress.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Where items run: 'local' or 'slurm' (job arrays; see docs/cluster.md). A stage's own 'executor:' wins.",
        valueName: "executor"))
    var executor: ExecutorKind?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("Please specify '--jobs' of at least 1.") }
    }

    func run() async throws {
        let session = try options.session()
        if !force.isEmpty {
            let plan = try session.plan()
            for target in force { try session.requireStageOrItem(target, option: "--force", plan: plan) }
        }
        if let from { try session.requireStage(from, option: "--from") }
        if let until { try session.requireStage(until, option: "--until") }
        if let from, let until { try session.requireUpstream(from, of: until) }
        var runOptions = RunOptions(
            jobs: jobs ?? defaultJobs(session.pipeline), force: Set(force), from: from,
            until: until, dryRun: dryRun, argv: CommandLine.arguments)
        runOptions.keepGoing = keepGoing
        if dryRun {
            try await printPlan(session, options: runOptions)
            return
        }
        let display = ProgressDisplay(json: json)
        LoggingSystem.bootstrap { _ in ProgressLogHandler(display: display) }
        let runner = PipelineRunner(
            pipeline: session.pipeline, registry: session.registry, store: session.store, options: runOptions,
            executor: ExecutorRouter(pipeline: session.pipeline, store: session.store, runExecutor: executor),
            observer: { display.handle($0) })
        let outcome: Interruption.Outcome<RunSummary>
        do {
            outcome = try await Interruption.cancellingOnSignal({ try await runner.run() })
        } catch let error as PipelineError {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        display.finish()
        guard let summary = outcome.result else {
            // Cancelled before the run could summarise (while opening or planning).
            if json { StandardOutput.json(["event": "summary", "interrupted": true]) }
            StandardError.write(Self.interruptedMessage)
            throw ExitCode(130)
        }
        report(summary, session: session)
        if summary.interrupted { StandardError.write(Self.interruptedMessage) }
        if !json {
            let committed = Set(summary.outcomes.filter { $0.outcome == .done || $0.outcome == .cached }.map(\.id))
            let lines = try FinalOutputs.lines(pipeline: session.pipeline, store: session.store, committed: committed)
            if !lines.isEmpty { StandardError.write(lines.joined(separator: "\n")) }
        }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    static let interruptedMessage = "interrupted: committed items are kept; run again to resume"

    /// The cores of this machine, or for a run that sends stages to Slurm enough items at once
    /// for the cluster to schedule: Slurm, not this process, decides what runs where.
    private func defaultJobs(_ pipeline: Pipeline) -> Int {
        let usesCluster = pipeline.stages.contains { ExecutorRouter.kind(of: $0, pipeline: pipeline, runExecutor: executor) == .slurm }
        return usesCluster ? Self.clusterJobs : ProcessInfo.processInfo.activeProcessorCount
    }

    static let clusterJobs = 256

    private func printPlan(_ session: PipelineSession, options: RunOptions) async throws {
        let runner = PipelineRunner(pipeline: session.pipeline, registry: session.registry, store: session.store, options: options)
        for evaluation in try await runner.run().verdicts {
            let (verdict, reason): (String, String?) = switch evaluation.verdict {
            case .cached: ("cached", nil)
            case .toRun(let reason): ("to-run", reason)
            case .blocked(let reason): ("blocked", reason)
            }
            if json {
                var object: [String: Any] = ["item": evaluation.id.description, "verdict": verdict]
                object["reason"] = reason
                StandardOutput.json(object)
            } else if let reason {
                // One line per item, even when the reason quotes a multi-line error.
                StandardOutput.write("\(evaluation.id) \(verdict) (\(reason.replacingOccurrences(of: "\n", with: " | ")))")
            } else {
                StandardOutput.write("\(evaluation.id) \(verdict)")
            }
        }
    }

    private func report(_ summary: RunSummary, session: PipelineSession) {
        let failures = summary.failures
        let skipped = summary.count { if case .skipped = $0 { true } else { false } }
        let cancelled = summary.count { $0 == .cancelled }
        var line = "\(summary.ranCount) done, \(summary.cachedCount) cached, \(failures.count) failed"
        if cancelled > 0 { line += ", \(cancelled) cancelled" }
        if skipped > 0 { line += ", \(skipped) not run" }
        if json {
            StandardOutput.json(["event": "summary", "run": summary.runID, "done": summary.ranCount,
                                 "cached": summary.cachedCount, "failed": failures.count, "cancelled": cancelled,
                                 "skipped": skipped, "interrupted": summary.interrupted])
            return
        }
        StandardError.write(line)
        for (id, error) in failures {
            StandardError.write("  \(id): \(error)")
            if let folder = session.failedAttemptFolder(of: id) { StandardError.write("    attempt folder: \(folder)") }
        }
        // Why each item did not run (`not run: upstream decode/x.mp4 failed`), but for those the
        // options leave alone; a long list is cut, `status` has them all.
        let notRun = summary.outcomes.compactMap { item -> String? in
            guard case .skipped(let reason) = item.outcome, reason != ItemOutcome.outsideSelection else { return nil }
            return "  \(item.id): " + (reason.hasPrefix("not ") ? reason : "not run: \(reason)")
        }
        var shown = Array(notRun.prefix(Self.listedNotRun))
        if notRun.count > shown.count { shown.append("  … and \(notRun.count - shown.count) more not run (see orchestrate status)") }
        if !shown.isEmpty { StandardError.write(shown.joined(separator: "\n")) }
    }

    static let listedNotRun = 20
}

extension ExecutorKind: ExpressibleByArgument {}
