import Foundation
import Selection
import TestSupport
import Testing

/// The tutorial's selection config on five synthetic volleyball videos of different lengths.
@Suite struct TutorialScenarioTests {
    static let videos = ["v1.mp4": 60, "v2.mp4": 90, "v3.mp4": 130, "v4.mp4": 170, "v5.mp4": 250]

    static func makeInputs() -> SelectionInputs {
        var random = TestRandom(state: 2024)
        var frames: [Frame] = []
        var detections: [[Detection]] = []
        var embeddings: [Float] = []
        for (video, length) in videos.sorted(by: { $0.key < $1.key }) {
            let stem = video.replacingOccurrences(of: ".mp4", with: "")
            let crowd = random.int(2 ..< 6)
            for index in 0 ..< length {
                frames.append(Frame(
                    name: "\(stem)-\(String(format: "%03d", index))-mp4.png", video: video,
                    metadata: ["video_name": .string(video)]))
                let people = max(0, crowd + random.int(-3 ..< 5))
                var frameDetections: [Detection] = []
                for _ in 0 ..< people {
                    let (x, y, size) = (random.unit() * 900, random.unit() * 500, 40 + random.unit() * 120)
                    let confidence = 0.3 + 0.7 * random.unit()
                    var keypoints: [Double] = []
                    for _ in 0 ..< 17 {
                        keypoints += [x + random.unit() * size, y + random.unit() * size * 2, min(1, confidence * (0.5 + random.unit()))]
                    }
                    frameDetections.append(Detection(categoryID: 1, score: confidence, keypoints: keypoints))
                    embeddings += PoseEmbedding.make(keypoints: keypoints, box: [x, y, size, size * 2])
                }
                detections.append(frameDetections)
            }
        }
        let task = TaskPredictions(
            name: "keypoint_rcnn_detection", type: .keypointDetection, categories: [1: "person"], detections: detections,
            // Every vector has 34 values, so the matrix is well formed.
            objectEmbeddings: try! EmbeddingMatrix(dimension: 34, values: embeddings))
        return SelectionInputs(frames: frames, tasks: [task], metadataKinds: ["video_name": .categorical])
    }

    static let config = """
    {"n_samples": 100, "strategies": [
      {"input": {"type": "EMBEDDINGS", "task": "keypoint_rcnn_detection"}, "strategy": {"type": "DIVERSITY"}},
      {"input": {"type": "SCORES", "task": "keypoint_rcnn_detection", "score": "object_frequency"}, "strategy": {"type": "WEIGHTS"}},
      {"input": {"type": "SCORES", "task": "keypoint_rcnn_detection", "score": "objectness_least_confidence"}, "strategy": {"type": "WEIGHTS"}},
      {"input": {"type": "METADATA", "key": "video_name"}, "strategy": {"type": "BALANCE", "target": {
        "v1.mp4": 0.2, "v2.mp4": 0.2, "v3.mp4": 0.2, "v4.mp4": 0.2, "v5.mp4": 0.2}}}
    ]}
    """

    @Test func selectsTwentyPerVideoWithMoreAndHarderObjects() throws {
        let inputs = Self.makeInputs()
        let config = try decodeConfig(Self.config)
        let result = try Selector.select(config, inputs: inputs)
        let selected = result.selectedFrames
        #expect(selected.count == 100)
        #expect(Set(selected).count == 100)
        for video in Self.videos.keys {
            let count = selected.count { inputs.frames[$0].video == video }
            #expect(abs(count - 20) <= 1, "\(video): \(count)")
        }
        let detections = inputs.tasks[0].detections
        func meanObjects(_ frames: [Int]) -> Double { Double(frames.reduce(0) { $0 + detections[$1].count }) / Double(frames.count) }
        func meanConfidence(_ frames: [Int]) -> Double {
            let scores = frames.flatMap { detections[$0].map(\.score) }
            return scores.reduce(0, +) / Double(scores.count)
        }
        let all = Array(inputs.frames.indices)
        #expect(meanObjects(selected) > meanObjects(all))
        #expect(meanConfidence(selected) < meanConfidence(all))
        // The same seed gives the same selection.
        #expect(try Selector.select(config, inputs: inputs).selectedFrames == selected)
    }
}
