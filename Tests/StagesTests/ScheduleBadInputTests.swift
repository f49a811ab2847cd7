import Foundation
import JSON
import Lightly
import PluginAPI
import Stages
import Testing
import TestSupport

@Suite("schedule stage: bad input")
struct ScheduleBadInputTests {
    static func stageError(_ body: () async throws -> Void) async -> StageError? {
        do { try await body() } catch let error as StageError { return error } catch { return nil }
        return nil
    }

    @Test("config errors name the key path; unknown names list the known ones")
    func configErrors() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 40])
        defer { fixture.directory.remove() }

        var config = fixture.tutorialConfig(samples: 5)
        if case .object(var root) = config {
            root["n_sample"] = root.removeValue(forKey: "n_samples")
            config = .object(root)
        }
        let typo = await Self.stageError { try await fixture.run("typo", parameters: ["selection_config": config]) }
        #expect(typo?.code == .invalidParameter)
        #expect(typo?.message.contains("selection_config.n_sample: unknown key 'n_sample'. Did you mean 'n_samples'?") == true, "\(typo?.message ?? "no error")")

        let badScore = JSONValue.object([
            "n_samples": .int(5),
            "strategies": .array([fixture.strategy(
                ["type": .string("SCORES"), "task": .string(ScheduleFixture.task), "score": .string("object_frequncy")],
                ["type": .string("WEIGHTS")])]),
        ])
        let score = await Self.stageError { try await fixture.run("score", parameters: ["selection_config": badScore]) }
        #expect(score?.message.contains("selection_config.strategies[0].input.score: unknown score 'object_frequncy'") == true, "\(score?.message ?? "no error")")
        #expect(score?.message.contains("mean_uncertainty") == true)

        let badTask = JSONValue.object([
            "n_samples": .int(5),
            "strategies": .array([fixture.strategy(["type": .string("EMBEDDINGS"), "task": .string("people")], ["type": .string("DIVERSITY")])]),
        ])
        let task = await Self.stageError { try await fixture.run("task", parameters: ["selection_config": badTask]) }
        #expect(task?.message.contains("selection_config.strategies[0].input.task: unknown task 'people'") == true, "\(task?.message ?? "no error")")
        #expect(task?.message.contains("'pose'") == true)

        let worker = await Self.stageError {
            try await fixture.run("worker", parameters: [
                "selection_config": fixture.tutorialConfig(samples: 5), "worker_config": .object(["embedding": .string("x.csv")]),
            ])
        }
        #expect(worker?.message == "worker_config.embedding: option 'embedding' does not exist (did you mean 'embeddings'?)")

        let csv = await Self.stageError {
            try await fixture.run("csv", parameters: [
                "selection_config": fixture.tutorialConfig(samples: 5), "worker_config": .object(["embeddings": .string("mine.csv")]),
            ])
        }
        #expect(csv?.message.contains(".lightly/embeddings/mine.csv: no such file") == true, "\(csv?.message ?? "no error")")
        #expect(csv?.message.contains(fixture.lightly.path) == true)
    }

    @Test("missing prediction files and too many samples give warnings, not failures")
    func warnings() async throws {
        let skipped: Set<String> = ["clip-03-mp4.png", "clip-04-mp4.png"]
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 40], skipPredictions: skipped)
        defer { fixture.directory.remove() }
        // A second task with predictions for only ten frames.
        let writer = LightlyTreeWriter(root: fixture.lightly)
        try writer.writeTasks([ScheduleFixture.task, "ball"])
        try writer.writeSchema(PredictionTaskSchema(taskType: .objectDetection, categories: [PredictionCategory(id: 0, name: "ball")]), task: "ball")
        for index in 0..<10 {
            try writer.writePredictions(PredictionFile(
                fileName: FrameName(videoPath: "clip.mp4", index: index, frameCount: 40).description,
                predictions: [Prediction(categoryID: 0, score: 0.5, bbox: [1, 1, 4, 4])]), task: "ball")
        }
        // The tutorial's config names 'pose' only: 'ball' is not read, frames 3 and 4 are no candidates.
        let (poses, _) = try await fixture.run("poses", parameters: ["selection_config": fixture.tutorialConfig(samples: 1000)])
        #expect(try fixture.lines(poses.appendingPathComponent("selected_filenames.txt")).count == 38)
        #expect(!(try String(contentsOf: poses.appendingPathComponent("log.txt"), encoding: .utf8)).contains("'ball'"))

        guard case .object(var config) = fixture.tutorialConfig(samples: 1000), let strategies = config["strategies"]?.arrayValue else {
            Issue.record("the tutorial config has no strategies")
            return
        }
        config["strategies"] = .array(strategies + [fixture.strategy(
            ["type": .string("PREDICTIONS"), "task": .string("ball"), "name": .string("CATEGORY_COUNT")], ["type": .string("WEIGHTS")])])
        let (run, _) = try await fixture.run("all", parameters: ["selection_config": .object(config)])
        let selected = try fixture.lines(run.appendingPathComponent("selected_filenames.txt"))
        // Frames 3 and 4 have a prediction file only in 'ball': they are candidates with no poses.
        #expect(selected.count == 40)
        let log = try String(contentsOf: run.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("WARNING task 'pose': 2 of 40 frames have no prediction file"), "\(log)")
        #expect(log.contains("WARNING task 'ball': 30 of 40 frames have no prediction file"))
        #expect(log.contains("WARNING selection:"), "\(log)")
    }
}
