/// The active-learning score names each task type offers, and their per-frame values.
///
/// | task type | scores |
/// |---|---|
/// | classification | uncertainty_least_confidence, uncertainty_margin, uncertainty_entropy |
/// | object-detection, instance-segmentation | object_frequency, objectness_least_confidence, uncertainty_* |
/// | keypoint-detection | mean_uncertainty, object_frequency, objectness_least_confidence, uncertainty_*, temporal_inconsistency, pose_implausibility |
/// | semantic-segmentation | uncertainty_* (mean over the frame's per-category predictions) |
public enum ScoreCatalog {
    public static let uncertaintyScores = ["uncertainty_least_confidence", "uncertainty_margin", "uncertainty_entropy"]
    public static let detectionScores = ["object_frequency", "objectness_least_confidence"] + uncertaintyScores

    /// The score names of a task type.
    public static func names(for type: TaskType) -> [String] {
        switch type {
        case .classification, .semanticSegmentation: uncertaintyScores
        case .objectDetection, .instanceSegmentation: detectionScores
        case .keypointDetection: ["mean_uncertainty"] + detectionScores + ["temporal_inconsistency", "pose_implausibility"]
        }
    }

    /// The per-frame values of score `name` for `task`, aligned with its `detections`; nil when the
    /// task type has no such score. Batch-relative scores (`object_frequency`, `pose_implausibility`)
    /// use all frames given. `frames` (aligned with the detections) tells `temporal_inconsistency`
    /// which frames are neighbours; without it the detections are one video in order.
    public static func frameScores(_ name: String, of task: TaskPredictions, frames: [Frame]? = nil) -> [Double]? {
        guard names(for: task.type).contains(name) else { return nil }
        switch name {
        case "temporal_inconsistency":
            let videos = frames?.map(\.video) ?? Array(repeating: "", count: task.detections.count)
            return TemporalInconsistency.frameScores(keypoints: task.detections.map { $0.map { $0.keypoints ?? [] } }, videos: videos)
        case "pose_implausibility":
            return PoseImplausibility.frameScores(keypoints: task.detections.map { $0.map { $0.keypoints ?? [] } })
        case "object_frequency":
            return Scores.objectFrequency(labels: task.detections.map(Scores.labels(of:)))
        case "objectness_least_confidence":
            return task.detections.map { Scores.objectnessLeastConfidence(boxScores: $0.map(\.score)) }
        case "mean_uncertainty":
            return task.detections.map { Scores.meanUncertainty(keypoints: $0.compactMap(\.keypoints)) }
        default:
            let perVector: ([Double]) -> Double = switch name {
            case "uncertainty_least_confidence": Scores.leastConfidence
            case "uncertainty_margin": Scores.margin
            default: Scores.entropy
            }
            return task.detections.map { detections in
                let values = Scores.classProbabilities(of: detections).map(perVector)
                guard !values.isEmpty else { return 0 }
                switch task.type {
                case .classification: return values[0]
                case .semanticSegmentation: return values.reduce(0, +) / Double(values.count)
                default: return values.max() ?? 0
                }
            }
        }
    }
}
