import Engine
import Foundation
import JSON
import PluginAPI
import Testing
import TestSupport

@Suite struct PipelineRunnerTests {
    let log = RunLog()
    var stages: [any Stage] { [AppendStage(id: "first", log: log), AppendStage(id: "second", log: log)] }

    func twoStages(_ fixture: EngineFixture, firstWith: [String: JSONValue] = [:], secondWith: [String: JSONValue] = [:],
                   onError: StageSpec.OnError = .fail) -> Pipeline {
        fixture.pipeline([
            EngineFixture.stage("a", uses: "first", foreach: "data/*.txt", with: firstWith, onError: onError),
            EngineFixture.stage("b", uses: "second", needs: ["a"], with: secondWith, onError: onError),
        ])
    }

    @Test func secondRunReusesEveryItem() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X", "y.txt": "Y"])
        defer { fixture.directory.remove() }
        let pipeline = twoStages(fixture, secondWith: ["suffix": .string("!")])
        let first = try await fixture.run(pipeline, stages: stages)
        #expect(first.ranCount == 4 && first.exitCode == 0)
        #expect(try fixture.output("b", "x.txt") == "X!")
        log.reset()
        let second = try await fixture.run(pipeline, stages: stages)
        #expect(second.cachedCount == 4 && second.ranCount == 0)
        #expect(log.all.isEmpty)
    }

    @Test func changedParameterRerunsOnlyItsStageAndChangedDownstream() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X", "y.txt": "Y"])
        defer { fixture.directory.remove() }
        _ = try await fixture.run(twoStages(fixture, firstWith: ["suffix": .string("1")]), stages: stages)
        log.reset()
        let summary = try await fixture.run(twoStages(fixture, firstWith: ["suffix": .string("2")]), stages: stages)
        #expect(Set(log.all) == ["a/x.txt", "a/y.txt", "b/x.txt", "b/y.txt"])
        #expect(try fixture.output("b", "y.txt") == "Y2")
        let statuses = try await fixture.inspect(twoStages(fixture, firstWith: ["suffix": .string("1")]), stages: stages)
        let change = try #require(statuses.first { $0.id.description == "a/x.txt" }?.changes?.first)
        #expect(change.description == "params.suffix: \"2\" → \"1\"")
        #expect(summary.exitCode == 0)
    }

    @Test func identicalUpstreamBytesRerunNothingDownstream() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        _ = try await fixture.run(twoStages(fixture), stages: stages)
        log.reset()
        // `fail_on` changes the key of `a` but not its bytes.
        _ = try await fixture.run(twoStages(fixture, firstWith: ["fail_on": .string("none")]), stages: stages)
        #expect(log.all == ["a/x.txt"])
    }

    @Test func touchingASourceWithoutChangingItRerunsNothing() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        _ = try await fixture.run(twoStages(fixture), stages: stages)
        log.reset()
        let source = fixture.root.appendingPathComponent("data/x.txt")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 100)], ofItemAtPath: source.path)
        let summary = try await fixture.run(twoStages(fixture), stages: stages)
        #expect(log.all.isEmpty && summary.cachedCount == 2)
    }

    @Test func skippedFailureLetsOthersCompleteAndIsRetriedAlone() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X", "y.txt": "Y", "z.txt": "Z"])
        defer { fixture.directory.remove() }
        let failing = twoStages(fixture, firstWith: ["fail_on": .string("y.txt")], onError: .skip)
        let summary = try await fixture.run(failing, stages: stages)
        #expect(summary.exitCode == 1)
        #expect(summary.failures.map { $0.id.description } == ["a/y.txt"])
        #expect(summary.outcome("b/x.txt") == .done && summary.outcome("b/z.txt") == .done)
        let status = try await fixture.inspect(failing, stages: stages).first { $0.id.description == "a/y.txt" }
        #expect(status?.state == .failed)
        #expect(status?.error == "cannot process y.txt: corrupt input")
        log.reset()
        let again = try await fixture.run(failing, stages: stages)
        #expect(log.all == ["a/y.txt"] && again.exitCode == 1)
    }

    @Test func gatherSeesOneFolderPerUpstreamItem() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X", "y.txt": "Y"])
        defer { fixture.directory.remove() }
        let all: [any Stage] = stages + [AppendStage(id: "collect", log: log, mode: .gather)]
        let pipeline = fixture.pipeline([
            EngineFixture.stage("a", uses: "first", foreach: "data/*.txt"),
            EngineFixture.stage("c", uses: "collect", needs: ["a"]),
        ])
        let summary = try await fixture.run(pipeline, stages: all)
        #expect(summary.exitCode == 0)
        #expect(try fixture.output("c", "all") == "X|Y")
        let links = try FileManager.default.subpathsOfDirectory(atPath: fixture.workdir.appendingPathComponent("out/c").path)
        #expect(links == ["all", "all/out.txt"])
    }

    /// A gather stage reads the same `inputs` when the engine asks for its external state (key
    /// time) and when it runs: only the committed upstream items, not a view left by an older run.
    @Test func gatherSeesTheSameInputsAtKeyTimeAndRunTime() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X", "y.txt": "Y", "z.txt": "Z"])
        defer { fixture.directory.remove() }
        let all: [any Stage] = stages + [InputsProbeStage(log: log)]
        func pipeline(failOn: String) -> Pipeline {
            fixture.pipeline([
                EngineFixture.stage("a", uses: "first", foreach: "data/*.txt", with: ["fail_on": .string(failOn)], onError: .skip),
                EngineFixture.stage("c", uses: "probe-inputs", needs: ["a"]),
            ])
        }
        _ = try await fixture.run(pipeline(failOn: ""), stages: all)
        #expect(log.all.filter { $0.hasPrefix("key:") || $0.hasPrefix("run:") } == ["key:a/x.txt,a/y.txt,a/z.txt", "run:a/x.txt,a/y.txt,a/z.txt"])
        log.reset()
        // y.txt now fails (and is skipped): its view from the first run is still in out/a.
        _ = try await fixture.run(pipeline(failOn: "y.txt"), stages: all)
        #expect(FileManager.default.fileExists(atPath: fixture.workdir.appendingPathComponent("out/a/y.txt").path))
        #expect(log.all.filter { $0.hasPrefix("key:") || $0.hasPrefix("run:") } == ["key:a/x.txt,a/z.txt", "run:a/x.txt,a/z.txt"])
    }

    @Test func forceRerunsTheStageIgnoringItsCache() async throws {
        let fixture = try EngineFixture(sources: ["x.txt": "X"])
        defer { fixture.directory.remove() }
        _ = try await fixture.run(twoStages(fixture), stages: stages)
        log.reset()
        let summary = try await fixture.run(twoStages(fixture), stages: stages,
                                            options: RunOptions(jobs: 2, force: ["a"]))
        #expect(log.all == ["a/x.txt"])
        #expect(summary.outcome("b/x.txt") == .cached)
    }
}
