import Foundation
import Inference
import TestSupport
import Testing

@Suite struct EmbeddingModelTests {
    static func floats(_ url: URL) throws -> [Float] {
        try Data(contentsOf: url).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test func embeddingsEqualPythonsForTheSameCrops() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = directory.url.appendingPathComponent("crops.pt")
        try await DebianPython.exportCropEmbedder(to: model, dimension: 12, inputSize: 24, seed: 3, reference: directory.url)
        let crops = try Self.floats(directory.url.appendingPathComponent("crops.f32"))
        let expected = try Self.floats(directory.url.appendingPathComponent("embeddings.f32"))
        let rows = try EmbeddingModel(url: model, threads: 1).embed(ImageBatch(count: 5, height: 24, width: 24, values: crops))
        #expect(rows.count == 5)
        #expect(rows.allSatisfy { $0.count == 12 })
        let difference = zip(rows.joined(), expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(expected.count == 60)
        #expect(difference < 1e-4, "largest difference to Python's output: \(difference)")
    }

    @Test func aMissingModelIsNamed() throws {
        let error = try #require(throws: InferenceError.self) { try EmbeddingModel(url: URL(fileURLWithPath: "/nonexistent/crops.pt")) }
        #expect(error.code == .modelNotFound)
        #expect(error.description == "model_not_found: '/nonexistent/crops.pt': the model file does not exist")
    }

    @Test func aCorruptModelIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("corrupt.pt")
        try Data("not a TorchScript archive".utf8).write(to: url)
        let error = try #require(throws: InferenceError.self) { try EmbeddingModel(url: url) }
        #expect(error.code == .modelUnreadable)
        #expect(error.description.contains("'\(url.path)'"))
    }

    @Test func aBatchOfTheWrongLengthIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("crops.pt")
        try await DebianPython.exportCropEmbedder(to: url)
        let error = try #require(throws: InferenceError.self) {
            try EmbeddingModel(url: url, threads: 1).embed(ImageBatch(count: 2, height: 4, width: 4, values: [0, 1]))
        }
        #expect(error.code == .invalidFrame)
        #expect(error.message == "a batch of 2 images of 3x4x4 needs 96 values, got 2")
    }
}
