import Foundation
import JSON
import Lightly

/// Reads Label Studio's JSON export: per task, the last annotation that was not skipped; its
/// `rectanglelabels` regions are the people and its `keypointlabels` regions their joints, linked
/// by `parentID` (a keypoint without one goes to the smallest box that contains it).
struct LabelStudioLabelReader {
    let file: String
    let context: LabelContext

    func read(_ data: Data) -> LabelImport {
        var result = LabelImport(format: .labelStudioJSON)
        let tasks: [LabelStudioTask]
        do {
            tasks = try JSONDecoder().decode([LabelStudioTask].self, from: data)
        } catch {
            result.problems.append(LabelsError("not a Label Studio JSON export (a list of tasks with 'data'): \(error)", code: .invalidFile, file: file))
            return result
        }
        for (index, task) in tasks.enumerated() {
            let id = "task \(task.id.map(String.init) ?? "#\(index)")"
            guard let name = task.data.lightlyFileName else {
                result.problems.append(LabelsError("no frame key: 'data.lightlyFileName' is missing (tasks must come from export's label-studio-tasks.json)",
                                                   code: .invalidFile, file: file, id: id, field: "data.lightlyFileName"))
                continue
            }
            guard let frame = context.frames[name] else {
                result.problems.append(LabelsError("frame '\(name)' was never selected (or its PNG is not in the run folder)",
                                                   code: .unknownFrame, file: file, id: id, field: "data.lightlyFileName"))
                continue
            }
            if let sha = task.data.sha256, sha != frame.sha256 {
                result.problems.append(LabelsError("the frame's PNG has SHA-256 \(frame.sha256), the task was made from \(sha)",
                                                   code: .unknownFrame, file: file, id: id, field: "data.sha256"))
                continue
            }
            let annotations = task.annotations ?? []
            if let (offset, annotation) = annotations.enumerated().last(where: { $0.element.wasCancelled != true }) {
                if let objects = objects(annotation.result, frame: frame, id: id, field: "annotations[\(offset)].result", problems: &result.problems) {
                    result.add(LabelledFrame(name: name, state: .labelled, objects: objects, annotator: Self.annotator(annotation.completedBy),
                                             updatedAt: annotation.updatedAt), file: file, id: id)
                }
            } else if let skipped = annotations.last {
                result.add(LabelledFrame(name: name, state: .skipped, objects: [], annotator: Self.annotator(skipped.completedBy),
                                         updatedAt: skipped.updatedAt), file: file, id: id)
            } else {
                result.empty.append(name)
            }
        }
        return result
    }

    /// The people of one annotation, in pixels; nil when a region has a problem (recorded).
    private func objects(_ regions: [LabelStudioTask.Region], frame: SelectedFrame, id: String, field: String, problems: inout [LabelsError]) -> [Prediction]? {
        let before = problems.count
        func problem(_ message: String, _ path: String) {
            problems.append(LabelsError(message, code: .invalidLabel, file: file, id: id, field: "\(field)\(path)"))
        }
        var boxes: [(id: String, category: PredictionCategory, box: [Double])] = []
        var points: [(offset: Int, parent: String?, name: String, x: Double, y: Double)] = []
        for (offset, region) in regions.enumerated() {
            let path = "[\(offset)]"
            guard region.type == "rectanglelabels" || region.type == "keypointlabels", let value = region.value else { continue }
            if region.originalWidth != frame.width || region.originalHeight != frame.height {
                problem("original_width × original_height is \(region.originalWidth.map(String.init) ?? "missing") × \(region.originalHeight.map(String.init) ?? "missing"), but the frame '\(frame.name)' is \(frame.width) × \(frame.height)",
                        "\(path).original_width")
                continue
            }
            let extent = [value.x, value.y, value.x + (region.type == "rectanglelabels" ? value.width ?? 0 : 0),
                          value.y + (region.type == "rectanglelabels" ? value.height ?? 0 : 0)]
            if extent.contains(where: { $0 < -0.01 || $0 > 100.01 }) {
                problem("coordinates (x \(value.x), y \(value.y)) are not percent of the image (0–100): pixel values where Label Studio expects percent?",
                        "\(path).value")
                continue
            }
            let (w, h) = (Double(frame.width), Double(frame.height))
            if region.type == "rectanglelabels" {
                let name = value.rectanglelabels?.first ?? ""
                guard let category = context.category(named: name) else {
                    problem("unknown label '\(name)'\(context.hint(name, context.categories.map(\.name)))", "\(path).value.rectanglelabels")
                    continue
                }
                boxes.append((region.id ?? "#\(offset)", category,
                              [value.x * w / 100, value.y * h / 100, (value.width ?? 0) * w / 100, (value.height ?? 0) * h / 100]))
            } else {
                let name = value.keypointlabels?.first ?? ""
                let known = context.keypointCategory?.keypointNames ?? []
                guard known.contains(name) else {
                    problem("unknown joint '\(name)'\(context.hint(name, known))", "\(path).value.keypointlabels")
                    continue
                }
                points.append((offset, region.parentID, name, value.x * w / 100, value.y * h / 100))
            }
        }
        var joints: [String: [Double]] = [:]
        for box in boxes { joints[box.id] = LabelGeometry.unlabelled(box.category.keypointNames?.count ?? 0) }
        for point in points {
            let parent = point.parent ?? LabelGeometry.smallestContaining(boxes.map { (id: $0.id, box: $0.box) }, x: point.x, y: point.y)
            guard let parent, let box = boxes.first(where: { $0.id == parent }) else {
                problem(point.parent == nil ? "keypoint '\(point.name)' has no parentID and lies in no person's box"
                                            : "parentID '\(point.parent!)' names no person box of this annotation",
                        "[\(point.offset)].parentID")
                continue
            }
            guard let index = box.category.keypointNames?.firstIndex(of: point.name) else {
                problem("joint '\(point.name)' is not a joint of '\(box.category.name)'", "[\(point.offset)].value.keypointlabels")
                continue
            }
            if joints[parent]![3 * index + 2] > 0 {
                problem("person '\(parent)' has joint '\(point.name)' twice", "[\(point.offset)].value.keypointlabels")
                continue
            }
            joints[parent]!.replaceSubrange(3 * index..<3 * index + 3, with: [point.x, point.y, 2])
        }
        guard problems.count == before else { return nil }
        return boxes.map { box in
            let keypoints = joints[box.id] ?? []
            return Prediction(categoryID: box.category.id, bbox: box.box, keypoints: keypoints.isEmpty ? nil : keypoints)
        }
    }

    /// The annotator's email or id as Label Studio's export gives it.
    static func annotator(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        if let object = value.objectValue { return object["email"]?.stringValue ?? object["id"]?.intValue.map(String.init) }
        return value.stringValue ?? value.intValue.map(String.init)
    }
}
