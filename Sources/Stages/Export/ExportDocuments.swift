import Foundation
import Lightly
import PluginAPI

/// One entry of `filenames-and-read-urls.json`, as the Lightly client's
/// `export_filenames_and_read_urls_by_tag_name` returns it.
struct FileNameAndReadURL: Codable, Sendable, Hashable {
    var fileName: String
    var readUrl: String
    var datasourceUrl: String
}

/// A selected frame with what the documents need about it.
struct ExportRecord: Sendable {
    var frame: ExportedFrame
    var readURL: String
    var datasourceURL: String
    /// The task's predictions for the frame (none when it has no prediction file).
    var predictions: [Prediction]
}

/// Builds `filenames-and-read-urls.json`, `label-studio-tasks.json` and `coco-keypoints.json`
/// from the exported frames and their predictions.
struct ExportDocuments {
    let task: String
    let schema: PredictionTaskSchema
    let records: [ExportRecord]

    var readURLs: [FileNameAndReadURL] {
        records.map { FileNameAndReadURL(fileName: $0.frame.name, readUrl: $0.readURL, datasourceUrl: $0.datasourceURL) }
    }

    // MARK: Label Studio

    /// One task of Label Studio's JSON import format, with the predictions as pre-annotations.
    struct LabelStudioTask: Codable, Sendable, Hashable {
        struct TaskData: Codable, Sendable, Hashable {
            var image: String
            var lightlyFileName: String
        }

        struct Prediction: Codable, Sendable, Hashable {
            var modelVersion: String
            var score: Double
            var result: [Region]
            enum CodingKeys: String, CodingKey {
                case modelVersion = "model_version", score, result
            }
        }

        /// A `rectanglelabels` or `keypointlabels` region; coordinates in percent of the image.
        struct Region: Codable, Sendable, Hashable {
            struct Value: Codable, Sendable, Hashable {
                var x: Double
                var y: Double
                var width: Double
                var height: Double?
                var rotation: Double?
                var rectanglelabels: [String]?
                var keypointlabels: [String]?
            }

            var id: String
            var fromName: String
            var toName: String
            var type: String
            var originalWidth: Int
            var originalHeight: Int
            var imageRotation: Int
            var score: Double?
            var value: Value
            enum CodingKeys: String, CodingKey {
                case id, fromName = "from_name", toName = "to_name", type, originalWidth = "original_width"
                case originalHeight = "original_height", imageRotation = "image_rotation", score, value
            }
        }

        var id: Int
        var data: TaskData
        var predictions: [Prediction]
    }

    /// The control tags the regions refer to; the labeling config in `docs/stages/export.md` uses them.
    static let rectangleControl = "bbox", keypointControl = "keypoints", imageObject = "image"
    /// A keypoint's drawn size, percent of the image width.
    static let keypointSize = 0.5

    var labelStudioTasks: [LabelStudioTask] {
        records.enumerated().map { offset, record in
            let frame = record.frame
            let (w, h) = (Double(frame.width), Double(frame.height))
            var regions: [LabelStudioTask.Region] = []
            for (object, prediction) in record.predictions.enumerated() {
                let category = schema.category(id: prediction.categoryID)
                let label = category?.name ?? "category_\(prediction.categoryID)"
                func region(_ id: String, _ control: String, _ type: String, score: Double?, _ value: LabelStudioTask.Region.Value) -> LabelStudioTask.Region {
                    LabelStudioTask.Region(
                        id: id, fromName: control, toName: Self.imageObject, type: type, originalWidth: frame.width,
                        originalHeight: frame.height, imageRotation: 0, score: score, value: value)
                }
                if let box = Self.box(prediction) {
                    regions.append(region(
                        "\(offset + 1)-\(object)", Self.rectangleControl, "rectanglelabels", score: prediction.score,
                        .init(x: 100 * box[0] / w, y: 100 * box[1] / h, width: 100 * box[2] / w, height: 100 * box[3] / h,
                              rotation: 0, rectanglelabels: [label])))
                }
                for (point, keypoint) in Self.keypoints(prediction).enumerated() {
                    let name = category?.keypointNames?[safe: point] ?? "keypoint_\(point)"
                    regions.append(region(
                        "\(offset + 1)-\(object)-\(point)", Self.keypointControl, "keypointlabels", score: keypoint.score,
                        .init(x: 100 * keypoint.x / w, y: 100 * keypoint.y / h, width: Self.keypointSize, keypointlabels: [name])))
                }
            }
            let scores = record.predictions.compactMap(\.score)
            let score = scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
            return LabelStudioTask(
                id: offset + 1, data: .init(image: record.readURL, lightlyFileName: frame.name),
                predictions: [.init(modelVersion: task, score: score, result: regions)])
        }
    }

    // MARK: COCO

    /// A COCO keypoints file (`person_keypoints_*.json` layout).
    struct COCOKeypoints: Codable, Sendable, Hashable {
        struct Image: Codable, Sendable, Hashable {
            var id: Int
            var fileName: String
            var width: Int
            var height: Int
            enum CodingKeys: String, CodingKey {
                case id, fileName = "file_name", width, height
            }
        }

        struct Annotation: Codable, Sendable, Hashable {
            var id: Int
            var imageID: Int
            var categoryID: Int
            var bbox: [Double]
            var area: Double
            var iscrowd: Int
            /// `[x, y, v]` per keypoint: v 2 when visible (score ≥ 0.5), else 1.
            var keypoints: [Double]
            var numKeypoints: Int
            var score: Double?
            enum CodingKeys: String, CodingKey {
                case id, imageID = "image_id", categoryID = "category_id", bbox, area, iscrowd, keypoints
                case numKeypoints = "num_keypoints", score
            }
        }

        struct Category: Codable, Sendable, Hashable {
            var id: Int
            var name: String
            var supercategory: String
            var keypoints: [String]
            /// 1-based keypoint index pairs, as COCO writes them.
            var skeleton: [[Int]]
        }

        var images: [Image]
        var annotations: [Annotation]
        var categories: [Category]
    }

    /// Keypoint score from which a keypoint counts as visible (COCO v = 2).
    static let visibleScore = 0.5

    var coco: COCOKeypoints {
        var images: [COCOKeypoints.Image] = []
        var annotations: [COCOKeypoints.Annotation] = []
        for (offset, record) in records.enumerated() {
            let imageID = offset + 1
            images.append(.init(id: imageID, fileName: record.frame.name, width: record.frame.width, height: record.frame.height))
            for prediction in record.predictions {
                guard let box = Self.box(prediction) else { continue }
                let points = Self.keypoints(prediction)
                annotations.append(.init(
                    id: annotations.count + 1, imageID: imageID, categoryID: prediction.categoryID, bbox: box,
                    area: box[2] * box[3], iscrowd: 0,
                    keypoints: points.flatMap { [$0.x, $0.y, $0.score >= Self.visibleScore ? 2 : 1] },
                    numKeypoints: points.count, score: prediction.score))
            }
        }
        let categories = schema.categories.map { category in
            COCOKeypoints.Category(
                id: category.id, name: category.name, supercategory: category.name, keypoints: category.keypointNames ?? [],
                skeleton: (category.keypointSkeleton ?? []).map { $0.map { $0 + 1 } })
        }
        return COCOKeypoints(images: images, annotations: annotations, categories: categories)
    }

    // MARK: Geometry

    /// `[x, y, s]` triples of a prediction's keypoints.
    static func keypoints(_ prediction: Prediction) -> [(x: Double, y: Double, score: Double)] {
        guard let flat = prediction.keypoints else { return [] }
        return stride(from: 0, to: flat.count - flat.count % 3, by: 3).map { (flat[$0], flat[$0 + 1], flat[$0 + 2]) }
    }

    /// `[x, y, width, height]` in pixels: the prediction's `bbox`, else the tight box over its
    /// keypoints with a positive score; nil when it has neither.
    static func box(_ prediction: Prediction) -> [Double]? {
        if let bbox = prediction.bbox, bbox.count == 4 { return bbox }
        let points = keypoints(prediction).filter { $0.score > 0 }
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
              let minY = points.map(\.y).min(), let maxY = points.map(\.y).max()
        else { return nil }
        return [minX, minY, maxX - minX, maxY - minY]
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
