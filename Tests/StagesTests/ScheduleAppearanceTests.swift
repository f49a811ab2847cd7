import Foundation
import Lightly
import PluginAPI
import Stages
import Testing
import TestSupport

@Suite("schedule stage: appearance embeddings")
struct ScheduleAppearanceTests {
    @Test("object DIVERSITY on a TorchScript crop embedder's embeddings")
    func selectsWithAnEmbeddingModel() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 30, "other.mp4": 24])
        defer { fixture.directory.remove() }
        let model = fixture.directory.url.appendingPathComponent("crops.pt")
        try await DebianPython.exportCropEmbedder(to: model, dimension: 8, inputSize: 16)
        let (run, _) = try await fixture.run("appearance", parameters: [
            "selection_config": fixture.tutorialConfig(samples: 10), "embedding_model": .string(model.path),
            "embedding_input_size": .int(16),
        ])
        #expect(try fixture.lines(run.appendingPathComponent("selected_filenames.txt")).count == 10)
        let log = try String(contentsOf: run.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("frame embeddings: appearance (crops.pt) (mean of the objects of task 'pose')"), "\(log)")
        let rows = try EmbeddingsCSV.read(try String(contentsOf: run.appendingPathComponent("embeddings.csv"), encoding: .utf8))
        #expect(rows.count == 54)
        #expect(rows.allSatisfy { $0.embedding.count == 8 }, "frame embeddings have the model's dimension")

        let pose = try await fixture.run("pose", parameters: ["selection_config": fixture.tutorialConfig(samples: 10)]).0
        let poseRows = try EmbeddingsCSV.read(try String(contentsOf: pose.appendingPathComponent("embeddings.csv"), encoding: .utf8))
        #expect(poseRows.first?.embedding.count == 34)
    }

    @Test("a missing or corrupt model is named; the model file is part of the cache key")
    func badModels() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 12])
        defer { fixture.directory.remove() }
        let missing = fixture.directory.url.appendingPathComponent("missing.pt")
        let corrupt = fixture.directory.url.appendingPathComponent("corrupt.pt")
        try Data("not a model".utf8).write(to: corrupt)
        for url in [missing, corrupt] {
            let error = await ScheduleBadInputTests.stageError {
                try await fixture.run(url.lastPathComponent, parameters: [
                    "selection_config": fixture.tutorialConfig(samples: 3), "embedding_model": .string(url.path),
                ])
            }
            #expect(error?.message.hasPrefix("embedding_model: ") == true, "\(error?.message ?? "no error")")
            #expect(error?.message.contains("'\(url.path)'") == true, "\(error?.message ?? "no error")")
        }
        let spec = ScheduleStage().descriptor.parameters.first { $0.name == "embedding_model" }
        #expect(spec?.type == .file)
    }
}
