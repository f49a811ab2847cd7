/// The kind of a prediction task, as written in a task's `schema.json` (`task_type`).
public enum TaskType: String, Sendable, Hashable, Codable, CaseIterable {
    case classification
    case objectDetection = "object-detection"
    case keypointDetection = "keypoint-detection"
    case instanceSegmentation = "instance-segmentation"
    case semanticSegmentation = "semantic-segmentation"

    /// Whether each prediction of this type must carry a `bbox`.
    public var requiresBoundingBox: Bool { self == .objectDetection || self == .instanceSegmentation }
    /// Whether each prediction of this type must carry a `score` (classification may omit it).
    public var requiresScore: Bool { self != .classification }
    /// Whether each prediction of this type must carry a `segmentation` (RLE counts).
    public var requiresSegmentation: Bool { self == .instanceSegmentation || self == .semanticSegmentation }
}
