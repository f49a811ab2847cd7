import Foundation
import Labels
import Lightly
import PluginAPI
import Storage

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

    /// The frame key labelling tools carry back (``FrameKey``).
    var key: FrameKey {
        let parsed = ParsedFrameName(frame.name)
        return FrameKey(
            video: parsed?.videoPath ?? "", frameIndex: parsed?.index ?? 0, frameName: frame.name,
            sha256: FileDigest.sha256(of: frame.png))
    }
}

/// Builds the documents `export` writes (`filenames-and-read-urls.json`, Label Studio tasks and
/// config, COCO keypoints, the CVAT archive) from the exported frames and their predictions.
struct ExportDocuments {
    let task: String
    let schema: PredictionTaskSchema
    let records: [ExportRecord]

    var readURLs: [FileNameAndReadURL] {
        records.map { FileNameAndReadURL(fileName: $0.frame.name, readUrl: $0.readURL, datasourceUrl: $0.datasourceURL) }
    }

    // MARK: Label Studio

    /// A keypoint's drawn size, percent of the image width.
    static let keypointSize = 0.5

    /// The labeling config the tasks refer to (`label-studio-config.xml`).
    var labelStudioConfig: LabelStudioConfig {
        LabelStudioConfig(
            categories: schema.categories.map(\.name),
            keypointNames: schema.categories.first { $0.keypointNames != nil }?.keypointNames ?? [])
    }

    /// One task per frame in pick order; each keypoint region's `parentID` is its person's box.
    var labelStudioTasks: [LabelStudioTask] {
        records.enumerated().map { offset, record in
            let frame = record.frame
            let (w, h) = (Double(frame.width), Double(frame.height))
            var regions: [LabelStudioTask.Region] = []
            for (object, prediction) in record.predictions.enumerated() {
                let category = schema.category(id: prediction.categoryID)
                let label = category?.name ?? "category_\(prediction.categoryID)"
                func region(_ id: String, parent: String?, _ control: String, _ type: String, score: Double?, _ value: LabelStudioTask.Region.Value) -> LabelStudioTask.Region {
                    LabelStudioTask.Region(
                        id: id, parentID: parent, fromName: control, type: type, originalWidth: frame.width,
                        originalHeight: frame.height, score: score, value: value)
                }
                let boxID = "\(offset + 1)-\(object)"
                let box = Self.box(prediction)
                if let box {
                    regions.append(region(
                        boxID, parent: nil, LabelStudioConfig.rectangleControl, "rectanglelabels", score: prediction.score,
                        .init(x: 100 * box[0] / w, y: 100 * box[1] / h, width: 100 * box[2] / w, height: 100 * box[3] / h,
                              rotation: 0, rectanglelabels: [label])))
                }
                for (point, keypoint) in Self.keypoints(prediction).enumerated() {
                    let name = category?.keypointNames?[safe: point] ?? "keypoint_\(point)"
                    regions.append(region(
                        "\(boxID)-\(point)", parent: box == nil ? nil : boxID, LabelStudioConfig.keypointControl, "keypointlabels",
                        score: keypoint.score,
                        .init(x: 100 * keypoint.x / w, y: 100 * keypoint.y / h, width: Self.keypointSize, keypointlabels: [name])))
                }
            }
            let scores = record.predictions.compactMap(\.score)
            let score = scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
            return LabelStudioTask(
                id: offset + 1, data: .init(image: record.readURL, key: record.key),
                predictions: [.init(modelVersion: task, score: score, result: regions)])
        }
    }

    // MARK: COCO

    var coco: COCOKeypointsFile {
        var images: [COCOKeypointsFile.Image] = []
        var annotations: [COCOKeypointsFile.Annotation] = []
        for (offset, record) in records.enumerated() {
            let imageID = offset + 1
            images.append(.init(id: imageID, fileName: record.frame.name, width: record.frame.width, height: record.frame.height,
                                sha256: record.key.sha256))
            for prediction in record.predictions {
                guard let box = Self.box(prediction) else { continue }
                annotations.append(.init(
                    id: annotations.count + 1, imageID: imageID, categoryID: prediction.categoryID, bbox: box,
                    keypoints: Self.keypoints(prediction).flatMap { point in
                        let visibility = COCOKeypointsFile.visibility(score: point.score)
                        return visibility == 0 ? [0, 0, 0] : [point.x, point.y, visibility]
                    },
                    score: prediction.score))
            }
        }
        let categories = schema.categories.map { category in
            COCOKeypointsFile.Category(
                id: category.id, name: category.name, keypoints: category.keypointNames ?? [],
                skeleton: (category.keypointSkeleton ?? []).map { $0.map { $0 + 1 } })
        }
        return COCOKeypointsFile(images: images, annotations: annotations, categories: categories)
    }

    // MARK: CVAT

    /// CVAT for images 1.1: a skeleton label per keypoint category (its joints as point labels,
    /// COCO's edges), a box and a skeleton per person with the same `group_id`.
    var cvat: CVATDocument {
        var labels: [CVATDocument.Label] = []
        var edges: [String: [[Int]]] = [:]
        for category in schema.categories {
            if let names = category.keypointNames, !names.isEmpty {
                labels.append(.init(name: category.name, type: "skeleton", parent: nil))
                labels += names.map { .init(name: $0, type: "points", parent: category.name) }
                edges[category.name] = category.keypointSkeleton ?? []
            }
        }
        let images = records.enumerated().map { offset, record in
            var image = CVATDocument.Image(id: offset, name: record.frame.name, width: record.frame.width, height: record.frame.height)
            for (object, prediction) in record.predictions.enumerated() {
                let category = schema.category(id: prediction.categoryID)
                let label = category?.name ?? "category_\(prediction.categoryID)"
                let group = object + 1
                if let box = Self.box(prediction) {
                    image.boxes.append(.init(label: label, xtl: box[0], ytl: box[1], xbr: box[0] + box[2], ybr: box[1] + box[3],
                                             groupID: group, occluded: false))
                }
                let points = Self.keypoints(prediction).enumerated().map { index, point in
                    let visibility = COCOKeypointsFile.visibility(score: point.score)
                    return CVATDocument.Point(
                        label: category?.keypointNames?[safe: index] ?? "keypoint_\(index)", x: point.x, y: point.y,
                        outside: visibility == 0, occluded: visibility == 1, groupID: nil)
                }
                if !points.isEmpty { image.skeletons.append(.init(label: label, groupID: group, points: points)) }
            }
            return image
        }
        return CVATDocument(labels: labels, images: images, edges: edges)
    }

    /// The archive CVAT imports as "CVAT for images 1.1": `annotations.xml` and `images/<frame name>`.
    var cvatArchive: Data {
        var zip = StoredZip()
        zip.add("annotations.xml", Data(cvat.xml.utf8))
        for record in records { zip.add("images/\(record.frame.name)", record.frame.png) }
        return zip.data
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
