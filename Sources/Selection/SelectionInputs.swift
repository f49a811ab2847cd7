/// Everything a selection runs on, in memory: one entry per candidate frame, the predictions of
/// each task, and embeddings. The `schedule` stage builds it from a Lightly datasource.
public struct SelectionInputs: Sendable {
    /// The frames, in a stable order (video by video, frame index ascending): results index into it.
    public var frames: [Frame]
    /// Prediction tasks; each holds one detection list per frame, aligned with `frames`.
    public var tasks: [TaskPredictions]
    /// Frame-level embeddings, one row per frame (for EMBEDDINGS without `task`).
    public var frameEmbeddings: EmbeddingMatrix?
    /// Query sets for SIMILARITY, keyed by ``queryKey(datasetID:tagName:)``.
    public var queryEmbeddings: [String: EmbeddingMatrix]
    /// The kind of each metadata key (from the metadata schema); keys absent here are inferred from
    /// their values (numbers are numeric, strings and booleans categorical).
    public var metadataKinds: [String: MetadataKind]

    public init(
        frames: [Frame], tasks: [TaskPredictions] = [], frameEmbeddings: EmbeddingMatrix? = nil,
        queryEmbeddings: [String: EmbeddingMatrix] = [:], metadataKinds: [String: MetadataKind] = [:]
    ) {
        self.frames = frames
        self.tasks = tasks
        self.frameEmbeddings = frameEmbeddings
        self.queryEmbeddings = queryEmbeddings
        self.metadataKinds = metadataKinds
    }

    public static func queryKey(datasetID: String, tagName: String) -> String { "\(datasetID)/\(tagName)" }

    public func task(named name: String) -> TaskPredictions? { tasks.first { $0.name == name } }
}

/// A candidate frame (or image).
public struct Frame: Sendable, Hashable {
    /// The sample name, e.g. `game-042-mp4.png`.
    public var name: String
    /// The video the frame belongs to; sequences never cross videos. Nil for images.
    public var video: String?
    /// Metadata values by schema path (`video_name`, `weather.temperature`), defaults applied.
    public var metadata: [String: MetadataValue]
    /// Selected by an earlier run (the datapool): counts as selected, never picked again.
    public var isInDatapool: Bool
    /// The frame's index in its video (decode order), for `constraints.min_frame_gap`; nil takes
    /// the frame's position among the video's frames in ``SelectionInputs/frames``.
    public var index: Int?

    public init(
        name: String, video: String? = nil, metadata: [String: MetadataValue] = [:], isInDatapool: Bool = false,
        index: Int? = nil
    ) {
        self.name = name
        self.video = video
        self.metadata = metadata
        self.isInDatapool = isInDatapool
        self.index = index
    }
}

/// A metadata value.
public enum MetadataValue: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)

    /// The value as a BALANCE category name (`3`, `2.5`, `true`, `sunny`).
    public var categoryName: String {
        switch self {
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): value
        case .bool(let value): String(value)
        }
    }

    public var numericValue: Double? { if case .number(let value) = self { value } else { nil } }
}

/// Whether a metadata key is a number (WEIGHTS, THRESHOLD) or a category (BALANCE).
public enum MetadataKind: String, Sendable, Hashable {
    case numeric
    case categorical
}

/// A prediction task's `task_type`.
public enum TaskType: String, Sendable, Hashable, CaseIterable {
    case classification
    case objectDetection = "object-detection"
    case semanticSegmentation = "semantic-segmentation"
    case instanceSegmentation = "instance-segmentation"
    case keypointDetection = "keypoint-detection"
}

/// One prediction singleton, reduced to what scores need.
public struct Detection: Sendable, Hashable {
    public var categoryID: Int
    /// Confidence in [0, 1].
    public var score: Double
    /// Class probabilities in the order of category ids, when the file has them.
    public var probabilities: [Double]?
    /// Keypoint detections: the flat `[x, y, confidence, ...]` list.
    public var keypoints: [Double]?

    public init(categoryID: Int, score: Double, probabilities: [Double]? = nil, keypoints: [Double]? = nil) {
        self.categoryID = categoryID
        self.score = score
        self.probabilities = probabilities
        self.keypoints = keypoints
    }
}

/// The predictions of one task for every frame.
public struct TaskPredictions: Sendable {
    public var name: String
    public var type: TaskType
    /// Category id → name, from the task's schema.
    public var categories: [Int: String]
    /// One list per frame, aligned with ``SelectionInputs/frames``.
    public var detections: [[Detection]]
    /// One row per detection, frame by frame in detection order (for object-level DIVERSITY).
    public var objectEmbeddings: EmbeddingMatrix?

    public init(
        name: String, type: TaskType, categories: [Int: String], detections: [[Detection]],
        objectEmbeddings: EmbeddingMatrix? = nil
    ) {
        self.name = name
        self.type = type
        self.categories = categories
        self.detections = detections
        self.objectEmbeddings = objectEmbeddings
    }

    /// Category names ordered by id (the order of `probabilities`).
    public var categoryNamesByID: [String] { categories.keys.sorted().compactMap { categories[$0] } }
}
