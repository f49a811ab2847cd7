/// A COCO keypoints file (`person_keypoints_*.json` layout): what `export` writes
/// (`coco-keypoints.json`), what `labels` reads (COCO Keypoints 1.0, and Label Studio's COCO
/// export) and the per-round files `labels` writes. Unknown keys are ignored on reading.
public struct COCOKeypointsFile: Codable, Sendable, Hashable {
    public struct Image: Codable, Sendable, Hashable {
        public var id: Int
        /// The image's path: the frame name in `export`'s file; in the label files `labels`
        /// writes, the PNG's key in the Lightly datasource (`.lightly/runs/<run id>/frames/<name>`).
        public var fileName: String
        public var width: Int
        public var height: Int
        /// The frame name, where the file name is not it (the label files).
        public var frameName: String?
        /// SHA-256 of the PNG.
        public var sha256: String?

        public init(id: Int, fileName: String, width: Int, height: Int, frameName: String? = nil, sha256: String? = nil) {
            self.id = id
            self.fileName = fileName
            self.width = width
            self.height = height
            self.frameName = frameName
            self.sha256 = sha256
        }

        enum CodingKeys: String, CodingKey {
            case id, fileName = "file_name", width, height, frameName = "frame_name", sha256
        }
    }

    public struct Annotation: Codable, Sendable, Hashable {
        public var id: Int
        public var imageID: Int
        public var categoryID: Int
        public var bbox: [Double]?
        public var area: Double?
        public var iscrowd: Int?
        /// `[x, y, v]` per keypoint, v as COCO defines it: 0 not labelled (x = y = 0), 1 labelled
        /// but not visible, 2 labelled and visible.
        public var keypoints: [Double]?
        public var numKeypoints: Int?
        public var score: Double?

        public init(
            id: Int, imageID: Int, categoryID: Int, bbox: [Double]?, keypoints: [Double]?, score: Double? = nil
        ) {
            self.id = id
            self.imageID = imageID
            self.categoryID = categoryID
            self.bbox = bbox
            self.area = bbox.map { $0.count == 4 ? $0[2] * $0[3] : 0 }
            self.iscrowd = 0
            self.keypoints = keypoints
            self.numKeypoints = keypoints.map { points in stride(from: 2, to: points.count, by: 3).filter { points[$0] > 0 }.count }
            self.score = score
        }

        enum CodingKeys: String, CodingKey {
            case id, imageID = "image_id", categoryID = "category_id", bbox, area, iscrowd, keypoints
            case numKeypoints = "num_keypoints", score
        }
    }

    public struct Category: Codable, Sendable, Hashable {
        public var id: Int
        public var name: String
        public var supercategory: String?
        public var keypoints: [String]?
        /// 1-based keypoint index pairs, as COCO writes them.
        public var skeleton: [[Int]]?

        public init(id: Int, name: String, keypoints: [String], skeleton: [[Int]]) {
            self.id = id
            self.name = name
            self.supercategory = name
            self.keypoints = keypoints
            self.skeleton = skeleton
        }
    }

    /// `info`, which tools fill with their name (Label Studio: `contributor: "Label Studio"`).
    public struct Info: Codable, Sendable, Hashable {
        public var contributor: String?
        public var description: String?
    }

    public var info: Info?
    public var images: [Image]
    public var annotations: [Annotation]
    public var categories: [Category]

    public init(images: [Image], annotations: [Annotation], categories: [Category]) {
        self.images = images
        self.annotations = annotations
        self.categories = categories
    }

    /// COCO visibility of a predicted keypoint from its score: 0 (not labelled) for a score of 0 or
    /// less, 1 (hidden) below 0.5, 2 (visible) from 0.5.
    public static func visibility(score: Double) -> Double {
        score <= 0 ? 0 : score < visibleScore ? 1 : 2
    }

    /// The keypoint score from which a predicted keypoint counts as visible.
    public static let visibleScore = 0.5
}
