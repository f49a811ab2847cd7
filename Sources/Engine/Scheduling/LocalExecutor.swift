import Foundation
import JSON
import PluginAPI

/// Runs attempts in this process (the `local` executor). Bounding concurrency is the
/// scheduler's job; this type runs one attempt and ingests its outputs.
public struct LocalExecutor: ItemExecutor {
    public let objects: ObjectStore

    public init(objects: ObjectStore) {
        self.objects = objects
    }

    public func execute(_ job: ItemJob) async throws -> AttemptResult {
        let receipts = try await Self.runStage(job)
        let outputs = try OutputView.ingest(directory: job.files.output, into: objects)
        return AttemptResult(outputs: outputs, receipts: receipts)
    }

    /// Runs the stage on the item, leaving its outputs in the attempt's `out/`; returns its receipts.
    /// A cluster worker runs the same code in its job.
    static func runStage(_ job: ItemJob) async throws -> [JSONValue] {
        for folder in [job.files.output, job.files.scratch] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let context = EngineStageContext(job: job)
        try await withTimeout(job.timeout, item: job.id) {
            try await job.stage.run(job.item, context: context)
        }
        context.announcePendingResume()
        return context.recordedReceipts
    }

    /// Runs `body`, cancelling it and throwing a `timeout` ``PluginAPI/StageError`` after `seconds`.
    static func withTimeout(_ seconds: Double?, item: ItemID, _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let seconds else { return try await body() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                throw StageError("\(item) timed out after \(Self.format(seconds))", code: .timeout)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
