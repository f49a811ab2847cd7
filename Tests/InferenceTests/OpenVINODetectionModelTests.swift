import Foundation
import Inference
import TestSupport
import Testing

/// `runtime: openvino`: the tiny random Keypoint R-CNN exported to ONNX gives what eager torchvision
/// gives, through the OpenVINO shim; bad models fail with errors naming the file.
@Suite struct OpenVINODetectionModelTests {
    @Test func framesMatchEagerTorchvision() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try OpenVINODetectionModel(url: fixture.onnxModel, threads: ReferenceFixture.threads)
        let request = try model.makeRequest()
        // The three frames in one call: one pass each, results in order.
        let detections = try request.detect(frames: fixture.frames)
        #expect(detections.map(\.index) == fixture.frames.map(\.index))
        for frame in detections {
            #expect(frame.boxes.count == 5)  // the tiny export caps detections at 5
            #expect(frame.embeddings?.first?.count == 1024)
            #expect(frame.frameEmbedding?.count == 256)
        }
        for (frame, reference) in zip(detections, fixture.references).prefix(2) { expectClose(frame, reference) }
        // Frame 2 (100 wide, 120 high, scale 1.28): torchvision resizes to floor(100 × 1.28) = 127
        // columns in double precision, the graph to 128 in float32 (docs/stages/detect.md, "Known
        // limit"), so its detections differ.
        withKnownIssue("the ONNX graph rounds the resized width of a 100x120 frame in float32") {
            #expect(maxDifference(detections[2].frameEmbedding ?? [], fixture.references[2].frame_embedding) <= 1e-3)
        }
    }

    @Test func aPoolOfStreamsGivesTheSameDetectionsAsOneRequest() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let pool = try await DetectionModelPool.load(url: fixture.onnxModel, runtime: .openvino, replicas: 2, threads: 2)
        #expect(pool.replicas == 2)
        #expect(pool.threadsPerReplica == 1)
        async let first = pool.detect([fixture.frames[0]])
        async let second = pool.detect([fixture.frames[1]])
        let results = try await first + second
        for (frame, reference) in zip(results, fixture.references) { expectClose(frame, reference) }
    }

    @Test func aFileThatIsNotAModelIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("model.onnx")
        try Data("this is not an ONNX model".utf8).write(to: url)
        let error = try #require(throws: InferenceError.self) { try OpenVINODetectionModel(url: url) }
        #expect(error.code == .modelUnreadable)
        #expect(error.file == url.path)
        #expect(error.message.hasPrefix("cannot read an OpenVINO or ONNX model: "), "\(error)")
    }

    @Test func aTorchScriptFileIsNotAnOpenVINOModel() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let error = try #require(throws: InferenceError.self) { try OpenVINODetectionModel(url: fixture.model) }
        #expect(error.code == .modelUnreadable)
        #expect(error.description.contains("'\(fixture.model.path)'"))
    }

    @Test func aModelLackingAnOutputIsRejectedAtLoad() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let url = fixture.stub("no-keypoints", format: "onnx")
        let error = try #require(throws: InferenceError.self) { try OpenVINODetectionModel(url: url) }
        #expect(error.code == .unexpectedOutput)
        #expect(error.file == url.path)
        #expect(error.message.hasPrefix("the model has no output 'keypoints' (it has boxes, labels, scores)"), "\(error)")
    }

    @Test func aMissingModelFileIsNamed() throws {
        let url = URL(fileURLWithPath: "/nonexistent/keypointrcnn.onnx")
        let error = try #require(throws: InferenceError.self) { try OpenVINODetectionModel(url: url) }
        #expect(error.description == "model_not_found: '/nonexistent/keypointrcnn.onnx': the model file does not exist")
    }

    @Test func cudaIsRefusedForOpenVINO() async throws {
        let fixture = try await ReferenceFixture.shared.value
        await #expect(throws: InferenceError.self) {
            try await DetectionModelPool.load(url: fixture.onnxModel, runtime: .openvino, device: .cuda)
        }
    }
}

/// Items of one process share one loaded model per model content and settings.
@Suite struct DetectionModelCacheTests {
    @Test func concurrentUsersShareOnePoolAndTheLastReleasesIt() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let cache = DetectionModelCache()
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (leave, leaving) = AsyncStream.makeStream(of: Void.self)
        // Two users hold the pool at once; each reports the pool it got.
        async let first = cache.withPool(url: fixture.onnxModel, digest: "onnx", runtime: .openvino, replicas: 1, threads: 1) { pool in
            enter.yield()
            for await _ in leave { break }
            return ObjectIdentifier(pool)
        }
        for await _ in entered { break }
        let second = try await cache.withPool(url: fixture.onnxModel, digest: "onnx", runtime: .openvino, replicas: 1, threads: 1) {
            ObjectIdentifier($0)
        }
        leaving.yield()
        #expect(try await first == second)
        #expect(await cache.count == 0)
        // Other settings or another runtime are another pool.
        let other = try await cache.withPool(url: fixture.model, digest: "torchscript", runtime: .libtorch, replicas: 1, threads: 1) {
            ObjectIdentifier($0)
        }
        #expect(other != second)
    }
}
