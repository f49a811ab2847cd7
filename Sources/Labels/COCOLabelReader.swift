import Foundation
import Lightly

/// Reads COCO Keypoints 1.0, and recognises Label Studio's COCO export: that one writes a box
/// annotation per person and keypoints annotations apart, and where it holds fewer keypoint sets
/// than people it lost joints; those frames are reported, never imported as complete.
struct COCOLabelReader {
    let file: String
    let context: LabelContext
    let format: LabelFormat

    /// Label Studio names itself in `info.contributor` and renames images `images/<8 hex>__<name>`.
    static func isLabelStudio(_ coco: COCOKeypointsFile) -> Bool {
        if coco.info?.contributor == "Label Studio" { return true }
        return !coco.images.isEmpty && coco.images.allSatisfy { image in
            guard image.fileName.hasPrefix("images/"), let range = image.fileName.range(of: "__") else { return false }
            let hash = image.fileName[image.fileName.index(image.fileName.startIndex, offsetBy: 7)..<range.lowerBound]
            return hash.count == 8 && hash.allSatisfy(\.isHexDigit)
        }
    }

    func read(_ data: Data) -> LabelImport {
        var result = LabelImport(format: format)
        let coco: COCOKeypointsFile
        do {
            coco = try JSONDecoder().decode(COCOKeypointsFile.self, from: data)
        } catch {
            result.problems.append(LabelsError("not a COCO keypoints file: \(error)", code: .invalidFile, file: file))
            return result
        }
        // Categories by id, checked against the task's schema: same name, same joints in the same order.
        // (Label Studio's lists every label, joints included, as a category: its annotations are matched by geometry.)
        var categories: [Int: PredictionCategory] = [:]
        for (offset, category) in coco.categories.enumerated() where format == .coco {
            guard let known = context.category(named: category.name) else {
                result.problems.append(LabelsError("unknown category '\(category.name)'\(context.hint(category.name, context.categories.map(\.name)))",
                                                   code: .invalidLabel, file: file, id: "category \(category.id)", field: "categories[\(offset)].name"))
                continue
            }
            let expected = known.keypointNames ?? []
            let names = category.keypoints ?? []
            if !names.isEmpty, names != expected {
                let unknown = names.first { !expected.contains($0) }
                let message = if let unknown { "unknown joint '\(unknown)'\(context.hint(unknown, expected))" }
                    else if names.count != expected.count { "\(names.count) joints, but '\(known.name)' has \(expected.count)" }
                    else { "joints in another order than the task's schema (\(expected.joined(separator: ", ")))" }
                result.problems.append(LabelsError(message, code: .invalidLabel, file: file, id: "category \(category.id)", field: "categories[\(offset)].keypoints"))
                continue
            }
            categories[category.id] = known
        }
        var byImage: [Int: [(offset: Int, annotation: COCOKeypointsFile.Annotation)]] = [:]
        for (offset, annotation) in coco.annotations.enumerated() { byImage[annotation.imageID, default: []].append((offset, annotation)) }

        for (offset, image) in coco.images.enumerated() {
            let id = "image \(image.id) '\(image.fileName)'"
            let frame: SelectedFrame
            switch context.image(image.frameName ?? image.fileName, width: image.width, height: image.height, file: file, id: id,
                                 fields: ("images[\(offset)].file_name", "images[\(offset)].width")) {
            case .success(let found): frame = found
            case .failure(let problem): result.problems.append(problem); continue
            }
            let annotations = byImage[image.id] ?? []
            if format == .labelStudioCOCO {
                if let objects = labelStudioObjects(annotations, id: id, problems: &result.problems) {
                    result.add(LabelledFrame(name: frame.name, state: .labelled, objects: objects), file: file, id: id)
                }
                continue
            }
            var objects: [Prediction] = []
            let before = result.problems.count
            for (index, annotation) in annotations {
                if let object = object(annotation, categories: categories, id: id, field: "annotations[\(index)]", problems: &result.problems) {
                    objects.append(object)
                }
            }
            if result.problems.count == before { result.add(LabelledFrame(name: frame.name, state: .labelled, objects: objects), file: file, id: id) }
        }
        result.flagUniformVisibility(file: file)
        return result
    }

    /// One annotation as a label; nil with a problem when its joints do not fit its category.
    private func object(
        _ annotation: COCOKeypointsFile.Annotation, categories: [Int: PredictionCategory], id: String, field: String, problems: inout [LabelsError]
    ) -> Prediction? {
        guard let category = categories[annotation.categoryID] else {
            problems.append(LabelsError("category_id \(annotation.categoryID) is not a category of the file", code: .invalidLabel, file: file, id: id, field: "\(field).category_id"))
            return nil
        }
        let joints = category.keypointNames?.count ?? 0
        var keypoints = annotation.keypoints ?? []
        if !keypoints.isEmpty, keypoints.count != 3 * joints {
            let message = keypoints.count % 3 == 0 ? "\(keypoints.count / 3) joints, but '\(category.name)' has \(joints)" : "\(keypoints.count) numbers are not [x, y, v] triples"
            problems.append(LabelsError(message, code: .invalidLabel, file: file, id: id, field: "\(field).keypoints"))
            return nil
        }
        for index in stride(from: 2, to: keypoints.count, by: 3) where ![0, 1, 2].contains(keypoints[index]) {
            problems.append(LabelsError("visibility \(keypoints[index]) is not 0, 1 or 2", code: .invalidLabel, file: file, id: id, field: "\(field).keypoints[\(index)]"))
            return nil
        }
        for index in stride(from: 2, to: keypoints.count, by: 3) where keypoints[index] == 0 { keypoints.replaceSubrange(index - 2...index, with: [0, 0, 0]) }
        let box = annotation.bbox.flatMap { $0.count == 4 ? $0 : nil } ?? LabelGeometry.box(keypoints: keypoints)
        return Prediction(categoryID: category.id, bbox: box, keypoints: keypoints.isEmpty ? (joints > 0 ? LabelGeometry.unlabelled(joints) : nil) : keypoints)
    }

    /// Label Studio's COCO export of one image: box annotations (no keypoints) and keypoints
    /// annotations apart. Complete only when every box gets a keypoints set; else the loss is
    /// reported and nothing is imported.
    private func labelStudioObjects(
        _ annotations: [(offset: Int, annotation: COCOKeypointsFile.Annotation)], id: String, problems: inout [LabelsError]
    ) -> [Prediction]? {
        let hasPoints = { (a: COCOKeypointsFile.Annotation) in (a.keypoints ?? []).contains { $0 != 0 } }
        let boxes = annotations.filter { !hasPoints($0.annotation) }
        let sets = annotations.filter { hasPoints($0.annotation) }
        let setPoints = sets.map { ($0.annotation.keypoints ?? []).count / 3 }.reduce(0, +)
        guard sets.count >= boxes.count else {
            problems.append(LabelsError(
                "Label Studio's COCO export lost keypoints: \(boxes.count) people but \(sets.count) keypoints set\(sets.count == 1 ? "" : "s") (\(setPoints) points); import its JSON export instead",
                code: .lossyExport, file: file, id: id, field: "annotations"))
            return nil
        }
        var objects: [Prediction] = []
        var used = Set<Int>()
        for set in sets {
            guard let keypointsCategory = context.keypointCategory else { return nil }
            let points = set.annotation.keypoints ?? []
            guard points.count == 3 * (keypointsCategory.keypointNames?.count ?? 0) else {
                problems.append(LabelsError("\(points.count / 3) joints, but '\(keypointsCategory.name)' has \(keypointsCategory.keypointNames?.count ?? 0)",
                                            code: .invalidLabel, file: file, id: id, field: "annotations[\(set.offset)].keypoints"))
                return nil
            }
            // Its person: the unused box that holds most of its points.
            let best = boxes.indices.filter { !used.contains($0) }.max { a, b in
                inside(points, boxes[a].annotation.bbox) < inside(points, boxes[b].annotation.bbox)
            }
            if let best { used.insert(best) }
            let box = best.flatMap { boxes[$0].annotation.bbox } ?? LabelGeometry.box(keypoints: points)
            objects.append(Prediction(categoryID: keypointsCategory.id, bbox: box, keypoints: points))
        }
        return objects
    }

    private func inside(_ points: [Double], _ box: [Double]?) -> Int {
        guard let box else { return 0 }
        return stride(from: 0, to: points.count, by: 3).filter { points[$0 + 2] > 0 && LabelGeometry.contains(box, x: points[$0], y: points[$0 + 1]) }.count
    }
}
