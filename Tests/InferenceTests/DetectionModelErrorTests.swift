import Foundation
import Inference
import TestSupport
import Testing

@Suite struct DetectionModelErrorTests {
    @Test func aMissingModelFileIsNamed() throws {
        let path = "/nonexistent/keypointrcnn.pt"
        let error = try #require(throws: InferenceError.self) {
            try DetectionModel(url: URL(fileURLWithPath: path))
        }
        #expect(error.code == .modelNotFound)
        #expect(error.description == "model_not_found: '\(path)': the model file does not exist")
    }

    @Test func aCorruptModelFileIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("corrupt.pt")
        try Data("this is not a TorchScript archive".utf8).write(to: url)
        let error = try #require(throws: InferenceError.self) { try DetectionModel(url: url) }
        #expect(error.code == .modelUnreadable)
        #expect(error.file == url.path)
        #expect(error.message.hasPrefix("cannot load TorchScript model: "))
        #expect(error.description.contains("'\(url.path)'"))
    }

    @Test func aTruncatedModelFileIsNamed() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("truncated.pt")
        let whole = try Data(contentsOf: fixture.stub("tuple"))
        try whole.prefix(whole.count / 2).write(to: url)
        let error = try #require(throws: InferenceError.self) { try DetectionModel(url: url) }
        #expect(error.code == .modelUnreadable)
        #expect(error.file == url.path)
    }

    @Test func aModelReturningATensorIsRejected() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.stub("tensor"), threads: 1)
        let frame = FrameTensor(index: 0, pixels: [Float](repeating: 0, count: 12), height: 2, width: 2)
        let error = try #require(throws: InferenceError.self) { try model.detect(frames: [frame]) }
        #expect(error.code == .unexpectedOutput)
        #expect(
            error.message
                == "model returned Tensor, expected List[Dict[str, Tensor]] or a (losses, detections) tuple")
        #expect(error.file == fixture.stub("tensor").path)
    }

    @Test func aModelWithoutKeypointsIsRejected() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.stub("no-keypoints"), threads: 1)
        let frame = FrameTensor(index: 0, pixels: [Float](repeating: 0, count: 12), height: 2, width: 2)
        let error = try #require(throws: InferenceError.self) { try model.detect(frames: [frame]) }
        #expect(error.code == .unexpectedOutput)
        #expect(
            error.message
                == "model returned detections without a 'keypoints' tensor for frame 0 (keys: boxes, labels, scores), "
                + "expected boxes, labels, scores, keypoints, keypoints_scores")
    }

    @Test func aFrameOfTheWrongLengthIsRejected() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.stub("tuple"), threads: 1)
        let frame = FrameTensor(index: 4, pixels: [Float](repeating: 0, count: 10), height: 2, width: 2)
        let error = try #require(throws: InferenceError.self) { try model.detect(frames: [frame]) }
        #expect(error.code == .invalidFrame)
        #expect(error.message == "frame 4 has 10 values, expected 3x2x2")
    }

    @Test func aMissingOperatorLibraryIsNamed() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let library = URL(fileURLWithPath: "/nonexistent/torchvision/_C.so")
        let error = try #require(throws: InferenceError.self) {
            try DetectionModel(url: fixture.model, operatorLibrary: library)
        }
        #expect(error.code == .operatorsUnavailable)
        #expect(error.file == library.path)
        #expect(error.message.contains(TorchvisionOperators.environmentVariable))
    }

    @Test func theOperatorLibraryIsFoundOrOverridden() throws {
        let found = try TorchvisionOperators.locate(environment: [:])
        #expect(found.path.hasPrefix(TorchvisionOperators.searchDirectory + "/_C"))
        let overridden = try TorchvisionOperators.locate(
            environment: [TorchvisionOperators.environmentVariable: "/opt/vision/_C.so"])
        #expect(overridden.path == "/opt/vision/_C.so")
    }
}
