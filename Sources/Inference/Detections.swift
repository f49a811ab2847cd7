/// One frame's detections, as `detections.json` stores them per frame (docs/stage-outputs.md).
public struct Detections: Codable, Sendable, Hashable {
    /// The frame's index in its video.
    public var index: Int
    /// `[x1, y1, x2, y2]` in pixels, one per detection.
    public var boxes: [[Float]]
    public var labels: [Int]
    public var scores: [Float]
    /// `[[x, y, visibility]]` per keypoint (17 for COCO), one list per detection.
    public var keypoints: [[[Float]]]
    /// Raw keypoint logits, as torchvision returns them, one list per detection.
    public var keypointsScores: [[Float]]
    /// Per-detection RoI features, when the model returns them.
    public var embeddings: [[Float]]?
    /// A per-frame feature, when the model returns it.
    public var frameEmbedding: [Float]?

    public init(
        index: Int, boxes: [[Float]], labels: [Int], scores: [Float], keypoints: [[[Float]]],
        keypointsScores: [[Float]], embeddings: [[Float]]? = nil, frameEmbedding: [Float]? = nil
    ) {
        self.index = index
        self.boxes = boxes
        self.labels = labels
        self.scores = scores
        self.keypoints = keypoints
        self.keypointsScores = keypointsScores
        self.embeddings = embeddings
        self.frameEmbedding = frameEmbedding
    }

    enum CodingKeys: String, CodingKey {
        case index, boxes, labels, scores, keypoints, embeddings
        case keypointsScores = "keypoints_scores"
        case frameEmbedding = "frame_embedding"
    }

    /// A box-only detector (Faster R-CNN) writes no `keypoints` or `keypoints_scores`: read as none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(Int.self, forKey: .index)
        boxes = try container.decode([[Float]].self, forKey: .boxes)
        labels = try container.decode([Int].self, forKey: .labels)
        scores = try container.decode([Float].self, forKey: .scores)
        keypoints = try container.decodeIfPresent([[[Float]]].self, forKey: .keypoints) ?? []
        keypointsScores = try container.decodeIfPresent([[Float]].self, forKey: .keypointsScores) ?? []
        embeddings = try container.decodeIfPresent([[Float]].self, forKey: .embeddings)
        frameEmbedding = try container.decodeIfPresent([Float].self, forKey: .frameEmbedding)
    }
}
