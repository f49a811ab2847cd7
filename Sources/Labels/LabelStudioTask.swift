import JSON

/// One task of Label Studio's JSON format: what `export` writes (`label-studio-tasks.json`, with
/// predictions as pre-annotations) and what Label Studio's JSON export gives back (the same
/// `data`, plus the annotators' `annotations`). Coordinates are percent of the image (0–100).
public struct LabelStudioTask: Codable, Sendable, Hashable {
    /// The task's `data`: the image URL and the frame key (``FrameKey``), which Label Studio
    /// returns unchanged in its exports.
    public struct TaskData: Codable, Sendable, Hashable {
        public var image: String
        public var lightlyFileName: String?
        public var video: String?
        public var frameIndex: Int?
        public var sha256: String?

        public init(image: String, key: FrameKey) {
            self.image = image
            lightlyFileName = key.frameName
            video = key.video
            frameIndex = key.frameIndex
            sha256 = key.sha256
        }
    }

    /// Regions from a model (`model_version`, `score`): the pre-annotations.
    public struct Prediction: Codable, Sendable, Hashable {
        public var modelVersion: String?
        public var score: Double?
        public var result: [Region]

        public init(modelVersion: String, score: Double, result: [Region]) {
            self.modelVersion = modelVersion
            self.score = score
            self.result = result
        }

        enum CodingKeys: String, CodingKey {
            case modelVersion = "model_version", score, result
        }
    }

    /// An annotator's work on the task, as Label Studio's JSON export gives it.
    public struct Annotation: Codable, Sendable, Hashable {
        public var id: Int?
        /// The annotator: a user id, or an object with an `email`, depending on the export.
        public var completedBy: JSONValue?
        public var result: [Region]
        /// True when the annotator skipped the task.
        public var wasCancelled: Bool?
        public var updatedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, completedBy = "completed_by", result, wasCancelled = "was_cancelled", updatedAt = "updated_at"
        }
    }

    /// A `rectanglelabels` or `keypointlabels` region; `parentID` links a keypoint to its box.
    public struct Region: Codable, Sendable, Hashable {
        public struct Value: Codable, Sendable, Hashable {
            public var x: Double
            public var y: Double
            public var width: Double?
            public var height: Double?
            public var rotation: Double?
            public var rectanglelabels: [String]?
            public var keypointlabels: [String]?

            public init(
                x: Double, y: Double, width: Double?, height: Double? = nil, rotation: Double? = nil,
                rectanglelabels: [String]? = nil, keypointlabels: [String]? = nil
            ) {
                self.x = x
                self.y = y
                self.width = width
                self.height = height
                self.rotation = rotation
                self.rectanglelabels = rectanglelabels
                self.keypointlabels = keypointlabels
            }
        }

        public var id: String?
        public var parentID: String?
        public var fromName: String?
        public var toName: String?
        public var type: String
        public var originalWidth: Int?
        public var originalHeight: Int?
        public var imageRotation: Int?
        public var score: Double?
        public var value: Value?

        public init(
            id: String, parentID: String?, fromName: String, type: String, originalWidth: Int, originalHeight: Int,
            score: Double?, value: Value
        ) {
            self.id = id
            self.parentID = parentID
            self.fromName = fromName
            self.toName = LabelStudioConfig.imageObject
            self.type = type
            self.originalWidth = originalWidth
            self.originalHeight = originalHeight
            self.imageRotation = 0
            self.score = score
            self.value = value
        }

        enum CodingKeys: String, CodingKey {
            case id, parentID, fromName = "from_name", toName = "to_name", type, originalWidth = "original_width"
            case originalHeight = "original_height", imageRotation = "image_rotation", score, value
        }
    }

    public var id: Int?
    public var data: TaskData
    public var predictions: [Prediction]?
    public var annotations: [Annotation]?

    public init(id: Int, data: TaskData, predictions: [Prediction]) {
        self.id = id
        self.data = data
        self.predictions = predictions
        annotations = nil
    }

    enum CodingKeys: String, CodingKey {
        case id, data, predictions, annotations
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int.self, forKey: .id)
        data = try container.decode(TaskData.self, forKey: .data)
        // Label Studio's export lists predictions as ids or as objects: only objects are kept.
        predictions = try? container.decodeIfPresent([Prediction].self, forKey: .predictions)
        annotations = try container.decodeIfPresent([Annotation].self, forKey: .annotations)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(predictions, forKey: .predictions)
        try container.encodeIfPresent(annotations, forKey: .annotations)
    }
}
