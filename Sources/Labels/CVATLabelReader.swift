import Foundation
import Spawn
import Lightly

/// Reads CVAT for images 1.1: per image, skeletons (a person's joints as `points` children) with
/// their boxes by `group_id`, and plain `points` shapes (one per joint, named by their label),
/// grouped by `group_id` or, without one, given to the smallest box that contains them.
/// Outside joints are not labelled (v 0), occluded ones hidden (v 1), the others visible (v 2).
struct CVATLabelReader {
    let file: String
    let context: LabelContext

    func read(_ data: Data) -> LabelImport {
        var result = LabelImport(format: .cvat)
        let document: CVATDocument
        do {
            document = try CVATDocument.read(try Self.annotationsXML(data, file: file), file: file)
        } catch let error as LabelsError {
            result.problems.append(error)
            return result
        } catch {
            result.problems.append(LabelsError("\(error)", code: .invalidFile, file: file))
            return result
        }
        // A skeleton label of the task must have the schema's joints in its order.
        for label in document.labels where label.type == "skeleton" {
            guard let category = context.category(named: label.name) else { continue }
            let joints = document.joints(of: label.name), expected = category.keypointNames ?? []
            guard joints != expected else { continue }
            let unknown = joints.first { !expected.contains($0) }
            let message = if let unknown { "unknown joint '\(unknown)'\(context.hint(unknown, expected))" }
                else if joints.count != expected.count { "skeleton '\(label.name)' has \(joints.count) joints, but the task's schema has \(expected.count)" }
                else { "skeleton '\(label.name)' lists its joints in another order than the task's schema" }
            result.problems.append(LabelsError(message, code: .invalidLabel, file: file, id: "label '\(label.name)'", field: "meta.task.labels"))
        }
        for image in document.images {
            let id = "image \(image.id) '\(image.name)'"
            let frame: SelectedFrame
            switch context.image(image.name, width: image.width, height: image.height, file: file, id: id, fields: ("name", "width")) {
            case .success(let found): frame = found
            case .failure(let problem): result.problems.append(problem); continue
            }
            let before = result.problems.count
            let objects = objects(image, id: id, problems: &result.problems)
            if result.problems.count == before { result.add(LabelledFrame(name: frame.name, state: .labelled, objects: objects), file: file, id: id) }
        }
        return result
    }

    /// The XML of a file that is `annotations.xml` itself or a ZIP holding it (read with `unzip`).
    static func annotationsXML(_ data: Data, file: String) throws -> Data {
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return data }
        let result: (termination: Spawn.Termination, stdout: Data)
        do { result = try Spawn.output(of: ["unzip", "-p", file, "annotations.xml"]) } catch {
            throw LabelsError("cannot run unzip to read the archive: \(error)", code: .invalidFile, file: file)
        }
        let xml = result.stdout
        guard result.termination == .exited(0), !xml.isEmpty else {
            throw LabelsError("the archive holds no annotations.xml (CVAT for images 1.1 puts it at the top)", code: .invalidFile, file: file)
        }
        return xml
    }

    private func objects(_ image: CVATDocument.Image, id: String, problems: inout [LabelsError]) -> [Prediction] {
        func problem(_ message: String, _ field: String) {
            problems.append(LabelsError(message, code: .invalidLabel, file: file, id: id, field: field))
        }
        var people: [(key: String, category: PredictionCategory, box: [Double]?, keypoints: [Double])] = []
        func person(for label: String, key: String, field: String) -> Int? {
            if let index = people.firstIndex(where: { $0.key == key }) { return index }
            guard let category = context.category(named: label) else {
                problem("unknown label '\(label)'\(context.hint(label, context.categories.map(\.name)))", field)
                return nil
            }
            people.append((key, category, nil, LabelGeometry.unlabelled(category.keypointNames?.count ?? 0)))
            return people.count - 1
        }
        func place(_ point: CVATDocument.Point, in index: Int, field: String) {
            let names = people[index].category.keypointNames ?? []
            guard let joint = names.firstIndex(of: point.label) else {
                return problem("unknown joint '\(point.label)'\(context.hint(point.label, names))", field)
            }
            guard people[index].keypoints[3 * joint + 2] == 0 else { return problem("joint '\(point.label)' appears twice in one person", field) }
            let value: [Double] = point.outside ? [0, 0, 0] : [point.x, point.y, point.occluded ? 1 : 2]
            people[index].keypoints.replaceSubrange(3 * joint..<3 * joint + 3, with: value)
        }
        for (offset, box) in image.boxes.enumerated() {
            let key = box.groupID.map { "group \($0)" } ?? "box \(offset)"
            if let index = person(for: box.label, key: key, field: "box[\(offset)].label") {
                people[index].box = [box.xtl, box.ytl, box.xbr - box.xtl, box.ybr - box.ytl]
            }
        }
        for (offset, skeleton) in image.skeletons.enumerated() {
            let key = skeleton.groupID.map { "group \($0)" } ?? "skeleton \(offset)"
            guard let index = person(for: skeleton.label, key: key, field: "skeleton[\(offset)].label") else { continue }
            for (pointOffset, point) in skeleton.points.enumerated() { place(point, in: index, field: "skeleton[\(offset)].points[\(pointOffset)].label") }
        }
        let keypointLabel = context.keypointCategory?.name ?? ""
        for (offset, point) in image.points.enumerated() {
            let field = "points[\(offset)]"
            let key: String
            if let group = point.groupID {
                key = "group \(group)"
            } else if let owner = LabelGeometry.smallestContaining(people.compactMap { person in person.box.map { (id: person.key, box: $0) } }, x: point.x, y: point.y) {
                key = owner
            } else {
                problem("point '\(point.label)' has no group_id and lies in no person's box", field)
                continue
            }
            if let index = person(for: keypointLabel, key: key, field: field) { place(point, in: index, field: "\(field).label") }
        }
        return people.map { person in
            Prediction(categoryID: person.category.id, bbox: person.box ?? LabelGeometry.box(keypoints: person.keypoints),
                       keypoints: person.keypoints.isEmpty ? nil : person.keypoints)
        }
    }
}
