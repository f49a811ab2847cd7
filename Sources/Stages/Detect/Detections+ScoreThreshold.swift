import Inference

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
