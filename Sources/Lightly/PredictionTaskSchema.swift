import JSON

/// A prediction task's `schema.json`: its type and categories.
///
/// ```json
/// {"task_type": "keypoint-detection",
///  "categories": [{"id": 1, "name": "person", "keypoint_names": ["nose", ...], "keypoint_skeleton": [[15, 13], ...]}]}
/// ```
public struct PredictionTaskSchema: Sendable, Hashable, Codable {
    public var taskType: TaskType
    public var categories: [PredictionCategory]

    public init(taskType: TaskType, categories: [PredictionCategory]) {
        self.taskType = taskType
        self.categories = categories
    }

    enum CodingKeys: String, CodingKey {
        case taskType = "task_type"
        case categories
    }

    /// The category with this id, if the schema has one.
    public func category(id: Int) -> PredictionCategory? { categories.first { $0.id == id } }
}

/// One category of a task schema (COCO style). Keys other than the known ones
/// (`supercategory`, …) are kept in `extras` so a round trip loses nothing.
///
/// Keypoint names and skeleton are written `keypoint_names` / `keypoint_skeleton`;
/// the API's camelCase `keypointNames` / `keypointSkeleton` are accepted on input.
public struct PredictionCategory: Sendable, Hashable, Codable {
    public var id: Int
    public var name: String
    /// Names of the keypoints, one per keypoint of every prediction of this category.
    public var keypointNames: [String]?
    /// Pairs of 0-based keypoint indices to connect when drawing.
    public var keypointSkeleton: [[Int]]?
    public var extras: [String: JSONValue]

    public init(
        id: Int, name: String, keypointNames: [String]? = nil, keypointSkeleton: [[Int]]? = nil,
        extras: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.name = name
        self.keypointNames = keypointNames
        self.keypointSkeleton = keypointSkeleton
        self.extras = extras
    }

    static let namesKeys = ["keypoint_names", "keypointNames"]
    static let skeletonKeys = ["keypoint_skeleton", "keypointSkeleton"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicCodingKey.self)
        id = try container.decode(Int.self, forKey: DynamicCodingKey("id"))
        name = try container.decode(String.self, forKey: DynamicCodingKey("name"))
        keypointNames = try Self.namesKeys.lazy.compactMap { key in
            try container.decodeIfPresent([String].self, forKey: DynamicCodingKey(key))
        }.first
        keypointSkeleton = try Self.skeletonKeys.lazy.compactMap { key in
            try container.decodeIfPresent([[Int]].self, forKey: DynamicCodingKey(key))
        }.first
        extras = try container.extras(excluding: Set(["id", "name"] + Self.namesKeys + Self.skeletonKeys))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicCodingKey.self)
        try container.encode(extras: extras)
        try container.encode(id, forKey: DynamicCodingKey("id"))
        try container.encode(name, forKey: DynamicCodingKey("name"))
        try container.encodeIfPresent(keypointNames, forKey: DynamicCodingKey("keypoint_names"))
        try container.encodeIfPresent(keypointSkeleton, forKey: DynamicCodingKey("keypoint_skeleton"))
    }
}

extension PredictionCategory {
    /// COCO's 17 person keypoints, in the order Keypoint R-CNN predicts them.
    public static let cocoKeypointNames = [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ]

    /// COCO's person skeleton, converted from COCO's 1-based indices to 0-based ones.
    public static let cocoKeypointSkeleton: [[Int]] = [
        [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9],
        [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
    ].map { pair in pair.map { $0 - 1 } }

    /// COCO's person (id 1, as torchvision labels it), with keypoint names and skeleton.
    public static let cocoPerson = PredictionCategory(
        id: 1, name: "person", keypointNames: cocoKeypointNames, keypointSkeleton: cocoKeypointSkeleton
    )
}
