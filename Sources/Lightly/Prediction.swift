import JSON

/// One prediction of a per-file prediction JSON (a COCO result without `image_id`).
///
/// Which fields are required depends on the task type: all types need
/// `category_id`; detection and segmentation need `score`; object detection and instance
/// segmentation need `bbox`; segmentations need `segmentation`; keypoint detection needs
/// `keypoints`. Unknown keys are kept in `extras`.
public struct Prediction: Sendable, Hashable, Codable {
    public var categoryID: Int
    /// Confidence in [0, 1].
    public var score: Double?
    /// `[x, y, width, height]` in pixels, origin top-left.
    public var bbox: [Double]?
    /// `[x1, y1, s1, x2, y2, s2, …]`: pixel coordinates and a confidence in [0, 1] per keypoint.
    public var keypoints: [Double]?
    /// Run-length encoding of a binary mask, row-major, starting with the count of zeros.
    public var segmentation: [Int]?
    /// One probability per category, in the order of category ids.
    public var probabilities: [Double]?
    public var extras: [String: JSONValue]

    public init(
        categoryID: Int, score: Double? = nil, bbox: [Double]? = nil, keypoints: [Double]? = nil,
        segmentation: [Int]? = nil, probabilities: [Double]? = nil, extras: [String: JSONValue] = [:]
    ) {
        self.categoryID = categoryID
        self.score = score
        self.bbox = bbox
        self.keypoints = keypoints
        self.segmentation = segmentation
        self.probabilities = probabilities
        self.extras = extras
    }

    static let knownKeys: Set<String> = ["category_id", "score", "bbox", "keypoints", "segmentation", "probabilities"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicCodingKey.self)
        categoryID = try container.decode(Int.self, forKey: DynamicCodingKey("category_id"))
        score = try container.decodeIfPresent(Double.self, forKey: DynamicCodingKey("score"))
        bbox = try container.decodeIfPresent([Double].self, forKey: DynamicCodingKey("bbox"))
        keypoints = try container.decodeIfPresent([Double].self, forKey: DynamicCodingKey("keypoints"))
        segmentation = try container.decodeIfPresent([Int].self, forKey: DynamicCodingKey("segmentation"))
        probabilities = try container.decodeIfPresent([Double].self, forKey: DynamicCodingKey("probabilities"))
        extras = try container.extras(excluding: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicCodingKey.self)
        try container.encode(extras: extras)
        try container.encode(categoryID, forKey: DynamicCodingKey("category_id"))
        try container.encodeIfPresent(score, forKey: DynamicCodingKey("score"))
        try container.encodeIfPresent(bbox, forKey: DynamicCodingKey("bbox"))
        try container.encodeIfPresent(keypoints, forKey: DynamicCodingKey("keypoints"))
        try container.encodeIfPresent(segmentation, forKey: DynamicCodingKey("segmentation"))
        try container.encodeIfPresent(probabilities, forKey: DynamicCodingKey("probabilities"))
    }
}

/// A per-file prediction JSON: `{"file_name": …, "predictions": […]}`.
///
/// `fileName` is the sample's path relative to the input datasource, with its extension;
/// for a video frame, the frame name (``FrameName``) ending in `.png`.
public struct PredictionFile: Sendable, Hashable, Codable {
    public var fileName: String
    public var predictions: [Prediction]

    public init(fileName: String, predictions: [Prediction]) {
        self.fileName = fileName
        self.predictions = predictions
    }

    enum CodingKeys: String, CodingKey {
        case fileName = "file_name"
        case predictions
    }
}
