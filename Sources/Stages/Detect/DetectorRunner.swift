import Dispatch
import Foundation
import Inference

/// Loads and runs a ``DetectionModel`` on a serial queue of its own: libtorch's calls block
/// for seconds and must stay off Swift's cooperative pool.
final class DetectorRunner: Sendable {
    private let queue = DispatchQueue(label: "orchestrate.detect.infer")
    private let model: DetectionModel

    static func load(url: URL, threads: Int, device: ComputeDevice) async throws -> DetectorRunner {
        let queue = DispatchQueue(label: "orchestrate.detect.load")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { DetectorRunner(model: try DetectionModel(url: url, threads: threads, device: device)) })
            }
        }
    }

    private init(model: DetectionModel) {
        self.model = model
    }

    /// One forward pass over `frames`; one ``Detections`` per frame, in order.
    func detect(_ frames: [FrameTensor]) async throws -> [Detections] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.model.detect(frames: frames) }) }
        }
    }
}

extension Detections {
    /// These detections without those scoring below `threshold` (every per-detection array filtered alike).
    func filtered(minimumScore threshold: Float) -> Detections {
        let kept = scores.indices.filter { scores[$0] >= threshold }
        guard kept.count < scores.count else { return self }
        func pick<T>(_ values: [T]) -> [T] { kept.compactMap { $0 < values.count ? values[$0] : nil } }
        return Detections(
            index: index, boxes: pick(boxes), labels: pick(labels), scores: pick(scores), keypoints: pick(keypoints),
            keypointsScores: pick(keypointsScores), embeddings: embeddings.map { pick($0) }, frameEmbedding: frameEmbedding)
    }
}
