import Foundation
import Inference
import Testing

/// The largest absolute difference between two equally shaped arrays, or infinity on a shape mismatch.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func expectClose(_ detections: Detections, _ reference: ReferenceFixture.Reference, tolerance: Float = 1e-3) {
    #expect(detections.labels == reference.labels)
    #expect(detections.boxes.count == reference.boxes.count)
    #expect(maxDifference(detections.boxes.flatMap { $0 }, reference.boxes.flatMap { $0 }) <= tolerance)
    #expect(maxDifference(detections.scores, reference.scores) <= tolerance)
    #expect(
        maxDifference(
            detections.keypoints.flatMap { $0.flatMap { $0 } }, reference.keypoints.flatMap { $0.flatMap { $0 } })
            <= tolerance)
    #expect(
        maxDifference(detections.keypointsScores.flatMap { $0 }, reference.keypoints_scores.flatMap { $0 })
            <= tolerance)
    #expect(
        maxDifference(detections.embeddings?.flatMap { $0 } ?? [], reference.embeddings.flatMap { $0 }) <= tolerance)
    #expect(maxDifference(detections.frameEmbedding ?? [], reference.frame_embedding) <= tolerance)
}

@Suite struct DetectionModelParityTests {
    @Test func singleFramesMatchEagerTorchvision() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.model, threads: ReferenceFixture.threads)
        for (frame, reference) in zip(fixture.frames, fixture.references) {
            let detections = try #require(try model.detect(frames: [frame]).first)
            #expect(detections.index == frame.index)
            #expect(detections.boxes.count == 5)  // the tiny export caps detections at 5
            #expect(detections.keypoints.allSatisfy { $0.count == 17 && $0.allSatisfy { $0.count == 3 } })
            #expect(detections.embeddings?.first?.count == 1024)
            #expect(detections.frameEmbedding?.count == 256)
            expectClose(detections, reference)
        }
    }

    @Test func aBatchGivesEachFrameItsOwnDetections() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.model, threads: ReferenceFixture.threads)
        // Frames 0 and 1 have the same size, so batching pads nothing and results equal single runs.
        let detections = try model.detect(frames: Array(fixture.frames[0...1]))
        #expect(detections.map(\.index) == [0, 1])
        for (frameDetections, reference) in zip(detections, fixture.references) {
            expectClose(frameDetections, reference)
        }
    }

    @Test func torchvisionTupleOutputIsAccepted() async throws {
        let fixture = try await ReferenceFixture.shared.value
        let model = try DetectionModel(url: fixture.stub("tuple"), threads: 1)
        let pixels = [Float](repeating: 0.25, count: 3 * 4 * 5)
        let detections = try model.detect(frames: [FrameTensor(index: 7, pixels: pixels, height: 4, width: 5)])
        let frame = try #require(detections.first)
        #expect(frame.index == 7)
        #expect(frame.boxes == [[1, 2, 3, 4]])
        #expect(frame.labels == [1])
        #expect(frame.scores == [0.5])
        #expect(frame.keypoints.first?.first == [0.25, 1.25, 2.25])  // arange + the frame's mean, read in place
        #expect(frame.keypointsScores == [[Float](repeating: 2.5, count: 17)])
        #expect(frame.embeddings == nil)
        #expect(frame.frameEmbedding == nil)
    }

    @Test func detectionsEncodeWithTheManifestKeys() throws {
        let detections = Detections(
            index: 3, boxes: [[1, 2, 3, 4]], labels: [1], scores: [0.5], keypoints: [[[1, 2, 1]]],
            keypointsScores: [[0.25]], frameEmbedding: [0.5])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(detections), as: UTF8.self)
        #expect(
            json == #"{"boxes":[[1,2,3,4]],"frame_embedding":[0.5],"index":3,"keypoints":[[[1,2,1]]],"#
                + #""keypoints_scores":[[0.25]],"labels":[1],"scores":[0.5]}"#)
        #expect(try JSONDecoder().decode(Detections.self, from: Data(json.utf8)) == detections)
    }
}
