@testable import Engine
import Foundation
import PluginAPI
import Testing
import TestSupport

/// Checkpoint units across cluster attempts, without Slurm: the driver's side of
/// ``SlurmExecutor`` (writing `job.json`, committing what a failed attempt left) around the
/// worker's (``ClusterWorker``), as each job would run them.
@Suite struct ClusterCheckpointTests {
    @Test func aNewClusterAttemptResumesFromTheUnitsOfTheAttemptsBeforeIt() async throws {
        let directory = try TemporaryDirectory(prefix: "cluster-checkpoints")
        defer { directory.remove() }
        let store = try CacheStore(workdir: directory.url.appendingPathComponent("work"))
        let log = RunLog()
        var statuses: [Int32] = []
        for attempt in 1...3 {
            let attemptDirectory = directory.url.appendingPathComponent("attempt-\(attempt)", isDirectory: true)
            try FileManager.default.createDirectory(at: attemptDirectory, withIntermediateDirectories: true)
            let job = ItemJob(
                id: ItemID(stage: "c", key: "x.txt"), stage: CheckpointingStage(log: log),
                item: StageItem(key: "x.txt", sources: [], inputs: [:]),
                parameters: Parameters(values: [:], baseDirectory: directory.url), pipelineDirectory: directory.url, pipelineName: "p",
                cacheKey: "key", attemptDirectory: attemptDirectory, timeout: nil,
                checkpoints: EngineCheckpointStore(store: store, cacheKey: "key", viewDirectory: AttemptFiles(directory: attemptDirectory).checkpoints),
                observer: { _ in })
            let files = AttemptFiles(directory: attemptDirectory)
            try await SlurmExecutor.writeJob(job, uses: "chunked", files: files)
            let status = try await ClusterWorker.run(attemptDirectory: attemptDirectory) { _ in CheckpointingStage(log: log) }
            statuses.append(status)
            if status != 0 { await SlurmExecutor.commitCheckpoints(from: files, to: job.checkpoints) }
        }
        #expect(statuses == [1, 1, 0])
        #expect(log.all == ["start at 0", "start at 10", "start at 20"])
        #expect(try store.checkpoints.units("key").map(\.cursor) == [10, 20])
        let all = directory.url.appendingPathComponent("attempt-3/out/all.txt")
        #expect(try String(contentsOf: all, encoding: .utf8) == "part0,part1,part2")
    }
}
