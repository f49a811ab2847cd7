extension ConvertStage {
    /// The parts of `detect`'s `detections.json` that the conversion reads.
    struct Detections: Decodable {
        /// Frames the video decodes to (all of them, not only the kept ones): sets the name padding.
        var frameCount: Int
        var frames: [Frame]

        enum CodingKeys: String, CodingKey {
            case frameCount = "frame_count"
            case frames
        }
    }

    /// One kept frame's detections, as torchvision returns them.
    struct Frame: Decodable {
        var index: Int
        /// `[x1, y1, x2, y2]` in pixels.
        var boxes: [[Double]]
        var labels: [Int]
        var scores: [Double]
        /// Per detection, `[x, y, visibility]` per keypoint.
        var keypoints: [[[Double]]]?
        /// Per detection, a raw logit per keypoint.
        var keypointsScores: [[Double]]?

        enum CodingKeys: String, CodingKey {
            case index, boxes, labels, scores, keypoints
            case keypointsScores = "keypoints_scores"
        }
    }
}
