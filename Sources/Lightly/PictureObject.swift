/// One predicted object as the report and the browser view draw it on a frame picture: its box,
/// score and keypoints in frame pixels. Encoded as `{"bbox": …, "keypoints": […], "score": …}`,
/// absent fields left out.
public struct PictureObject: Sendable, Equatable, Codable {
    /// `[x, y, width, height]` in frame pixels, when predicted.
    public var bbox: [Double]?
    public var score: Double?
    /// `[x, y, confidence]*` in frame pixels (17 COCO keypoints, or none).
    public var keypoints: [Double]

    public init(bbox: [Double]?, score: Double?, keypoints: [Double]) {
        self.bbox = bbox
        self.score = score
        self.keypoints = keypoints
    }

    /// The object a prediction draws; keypoints past the last whole `[x, y, confidence]` are dropped.
    public init(_ prediction: Prediction) {
        var keypoints = prediction.keypoints ?? []
        keypoints.removeLast(keypoints.count % 3)
        self.init(bbox: prediction.bbox, score: prediction.score, keypoints: keypoints)
    }
}
