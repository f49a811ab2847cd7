import Engine
import Foundation
import JSON
import PluginAPI
import Synchronization
import Testing
import TestSupport

/// Fails transiently `failures` times, then writes `ok`.
struct FlakyStage: Stage {
    let log: RunLog
    let failures: Int
    var descriptor: PluginDescriptor { PluginDescriptor(id: "flaky", version: "1", summary: "", mode: .map, parameters: []) }
    func run(_ item: StageItem, context: any StageContext) async throws {
        log.append(item.key)
        if log.count(item.key) <= failures { throw StageError.transient("throttled") }
        try Data("ok".utf8).write(to: context.outputDirectory.appendingPathComponent("ok"))
    }
}

struct SleepyStage: Stage {
    var descriptor: PluginDescriptor { PluginDescriptor(id: "sleepy", version: "1", summary: "", mode: .map, parameters: []) }
    func run(_ item: StageItem, context: any StageContext) async throws {
        try await Task.sleep(nanoseconds: 20_000_000_000)
    }
}

/// Commits one checkpoint unit per attempt and fails until it has three.
struct CheckpointingStage: Stage {
    let log: RunLog
    var descriptor: PluginDescriptor { PluginDescriptor(id: "chunked", version: "1", summary: "", mode: .map, parameters: []) }
    func run(_ item: StageItem, context: any StageContext) async throws {
        let units = try await context.checkpoints.committedUnits()
        log.append("start at \(units.last?.cursor ?? 0)")
        let unit = context.scratchDirectory.appendingPathComponent("unit")
        try FileManager.default.createDirectory(at: unit, withIntermediateDirectories: true)
        try Data("part\(units.count)".utf8).write(to: unit.appendingPathComponent("part.txt"))
        try await context.checkpoints.commit(cursor: (units.last?.cursor ?? 0) + 10, directory: unit)
        if units.count < 2 { throw StageError.transient("interrupted") }
        let parts = try (units.map { $0.directory } + [unit]).map {
            try String(contentsOf: $0.appendingPathComponent("part.txt"), encoding: .utf8)
        }
        try Data(parts.joined(separator: ",").utf8).write(to: context.outputDirectory.appendingPathComponent("all.txt"))
    }
}

/// An effect stage whose receipts stop holding when `valid` says so.
struct EffectStage: Stage {
    let log: RunLog
    let state: EffectState
    var descriptor: PluginDescriptor { PluginDescriptor(id: "effect", version: "1", summary: "", mode: .map, kind: .effect, parameters: []) }
    func run(_ item: StageItem, context: any StageContext) async throws {
        log.append(item.key)
        context.recordReceipt(.object(["uploaded": .string(item.key)]))
    }
    func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool {
        receipts == [.object(["uploaded": .string(item.key)])] && state.valid.withLock { $0 }
    }
}

final class EffectState: Sendable { let valid = Mutex(true) }

/// A gather stage that records the source digests the engine hands it.
final class SourceDigestRecorder: Stage {
    let seen = Mutex<[String: SourceDigest?]>([:])
    var descriptor: PluginDescriptor { PluginDescriptor(id: "digests", version: "1", summary: "", mode: .gather, parameters: []) }
    func run(_ item: StageItem, context: any StageContext) async throws {
        seen.withLock { seen in for source in item.sources { seen[source.key] = source.digest } }
    }
}

@Suite struct StageServicesTests {
    let log = RunLog()

    @Test func transientFailuresAreRetriedWithinRetries() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        let pipeline = fixture.pipeline([EngineFixture.stage("f", uses: "flaky", foreach: "data/*.txt", retries: 2)])
        let summary = try await fixture.run(pipeline, stages: [FlakyStage(log: log, failures: 2)])
        #expect(summary.outcome("f/x.txt") == .done)
        #expect(log.count("x.txt") == 3)
    }

    @Test func transientFailuresBeyondRetriesFail() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        let pipeline = fixture.pipeline([EngineFixture.stage("f", uses: "flaky", foreach: "data/*.txt", retries: 1)])
        let summary = try await fixture.run(pipeline, stages: [FlakyStage(log: log, failures: 5)])
        #expect(summary.failures.map { $0.error } == ["throttled"])
        #expect(log.count("x.txt") == 2)
    }

    @Test func timeoutCancelsTheItem() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        let pipeline = fixture.pipeline([EngineFixture.stage("s", uses: "sleepy", foreach: "data/*.txt", timeout: 0.3)])
        let started = Date()
        let summary = try await fixture.run(pipeline, stages: [SleepyStage()])
        #expect(summary.failures.map { $0.error } == ["s/x.txt timed out after 0.3s"])
        #expect(Date().timeIntervalSince(started) < 19)  // The stage sleeps 20 s: it was cut short.
    }

    @Test func checkpointsSurviveFailedAttempts() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        let pipeline = fixture.pipeline([EngineFixture.stage("c", uses: "chunked", foreach: "data/*.txt", retries: 5)])
        let summary = try await fixture.run(pipeline, stages: [CheckpointingStage(log: log)])
        #expect(summary.outcome("c/x.txt") == .done)
        #expect(log.all == ["start at 0", "start at 10", "start at 20"])
        #expect(try fixture.output("c", "x.txt", "all.txt") == "part0,part1,part2")
    }

    @Test func effectReceiptsAreVerifiedOnResume() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        let state = EffectState()
        let stage = EffectStage(log: log, state: state)
        let pipeline = fixture.pipeline([EngineFixture.stage("u", uses: "effect", foreach: "data/*.txt")])
        _ = try await fixture.run(pipeline, stages: [stage])
        _ = try await fixture.run(pipeline, stages: [stage])
        #expect(log.all == ["x.txt"])
        state.valid.withLock { $0 = false }
        let summary = try await fixture.run(pipeline, stages: [stage])
        #expect(log.all == ["x.txt", "x.txt"])
        #expect(summary.outcome("u/x.txt") == .done)
    }

    @Test func stagesGetTheMemoisedDigestsOfSourcesWhoseStatIsUnchanged() async throws {
        let fixture = try EngineFixture(sources: ["a.txt": "abc", "b.txt": "b"])
        defer { fixture.directory.remove() }
        let recorder = SourceDigestRecorder()
        let pipeline = fixture.pipeline([
            EngineFixture.stage("m", uses: "append", foreach: "data/*.txt"),
            EngineFixture.stage("g", uses: "digests", needs: ["m"]),
        ])
        // A gather stage without `foreach` keys on `m`'s outputs; `m` hashed the sources.
        _ = try await fixture.run(pipeline, stages: [AppendStage(id: "append", log: log), recorder])
        let a = fixture.root.appendingPathComponent("data/a.txt").path
        let digest = try #require(recorder.seen.withLock { $0["a.txt"] } ?? nil)
        #expect(digest.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")  // SHA-256 of "abc"
        #expect(digest.stat == FileStat(path: a))
        #expect(digest.currentSHA256(of: URL(fileURLWithPath: a)) == digest.sha256)
        try Data("abcd".utf8).write(to: URL(fileURLWithPath: a))
        #expect(digest.currentSHA256(of: URL(fileURLWithPath: a)) == nil)
    }
}
