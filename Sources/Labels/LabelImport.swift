import Foundation
import Lightly

/// What the importer knows about a selected frame: its name, the real size and SHA-256 of its
/// PNG, and the selection run that picked it last.
public struct SelectedFrame: Sendable, Hashable {
    public var name: String
    public var width: Int
    public var height: Int
    public var sha256: String
    public var runID: String
    public var round: Int

    public init(name: String, width: Int, height: Int, sha256: String, runID: String, round: Int) {
        self.name = name
        self.width = width
        self.height = height
        self.sha256 = sha256
        self.runID = runID
        self.round = round
    }
}

/// What every reader checks labels against: the task's categories and the selected frames.
public struct LabelContext: Sendable {
    public var categories: [PredictionCategory]
    /// Selected frames by frame name.
    public var frames: [String: SelectedFrame]
    /// " (did you mean 'x'?)" for a misspelt name, or "".
    public var hint: @Sendable (String, [String]) -> String

    public init(categories: [PredictionCategory], frames: [String: SelectedFrame], hint: @escaping @Sendable (String, [String]) -> String) {
        self.categories = categories
        self.frames = frames
        self.hint = hint
    }

    /// The frame an image or task names: the frame name itself, or a name a tool derived from it
    /// (`images/1a2b3c4d__game-003-mp4.png`, Label Studio's COCO export; a `images/` prefix).
    public func frame(named name: String) -> SelectedFrame? {
        if let frame = frames[name] { return frame }
        var stripped = name
        if stripped.hasPrefix("images/") { stripped.removeFirst("images/".count) }
        if let frame = frames[stripped] { return frame }
        if let range = stripped.range(of: "__"), stripped[..<range.lowerBound].allSatisfy(\.isHexDigit) {
            let rest = String(stripped[range.upperBound...])
            if let frame = frames[rest] { return frame }
            // Label Studio keeps only the last path component.
            let matches = frames.values.filter { ($0.name as NSString).lastPathComponent == rest }
            if matches.count == 1 { return matches[0] }
        }
        return nil
    }

    /// The frame an image of an export names, checked against the PNG's size; else the problem,
    /// at `fields.name` (an unknown frame) or `fields.size` (another size).
    func image(
        _ name: String, width: Int, height: Int, file: String, id: String, fields: (name: String, size: String)
    ) -> Result<SelectedFrame, LabelsError> {
        guard let frame = frame(named: name) else {
            return .failure(LabelsError("'\(name)' names no selected frame (it was never selected, or its PNG is not in the run folder)",
                                        code: .unknownFrame, file: file, id: id, field: fields.name))
        }
        guard width == frame.width, height == frame.height else {
            return .failure(LabelsError("the image is \(width) × \(height), but the frame '\(frame.name)' is \(frame.width) × \(frame.height)",
                                        code: .invalidLabel, file: file, id: id, field: fields.size))
        }
        return .success(frame)
    }

    /// The category of a label name, and its keypoint names.
    func category(named name: String) -> PredictionCategory? { categories.first { $0.name == name } }

    /// The keypoint category (the first with keypoint names).
    var keypointCategory: PredictionCategory? { categories.first { !($0.keypointNames ?? []).isEmpty } }
}

/// One frame's outcome in an export.
public struct LabelledFrame: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, Codable {
        case labelled, skipped, rejected
    }

    public var name: String
    public var state: State
    /// The labels in the prediction format, no scores: keypoints `[x, y, v]` with COCO visibility.
    public var objects: [Prediction]
    /// The annotator, where the tool names one.
    public var annotator: String?
    /// When the annotation was last changed, where the tool says.
    public var updatedAt: String?

    public init(name: String, state: State, objects: [Prediction], annotator: String? = nil, updatedAt: String? = nil) {
        self.name = name
        self.state = state
        self.objects = objects
        self.annotator = annotator
        self.updatedAt = updatedAt
    }
}

/// The result of reading one export: its frames, and every problem found (nothing is written
/// while there is one), and warnings that do not stop the import.
public struct LabelImport: Sendable {
    public var format: LabelFormat
    public var frames: [LabelledFrame] = []
    public var problems: [LabelsError] = []
    public var warnings: [String] = []
    /// Tasks or images with nothing to import (no annotation): their frames stay pending.
    public var empty: [String] = []

    public init(format: LabelFormat) { self.format = format }

    /// Records a frame, or a duplicate problem when an earlier task or image named it.
    mutating func add(_ frame: LabelledFrame, file: String, id: String) {
        if frames.contains(where: { $0.name == frame.name }) {
            problems.append(LabelsError("frame '\(frame.name)' is labelled twice in the export", code: .unknownFrame, file: file, id: id))
        } else {
            frames.append(frame)
        }
    }

    /// Flags an export whose every labelled point is visible: the tool may not record visibility.
    mutating func flagUniformVisibility(file: String) {
        let visibilities = frames.flatMap(\.objects).flatMap { object in
            stride(from: 2, to: object.keypoints?.count ?? 0, by: 3).map { object.keypoints![$0] }
        }.filter { $0 > 0 }
        if !visibilities.isEmpty, visibilities.allSatisfy({ $0 == 2 }) {
            warnings.append("\(file): every one of the \(visibilities.count) labelled points has visibility 2: the tool may not record hidden joints (Label Studio's COCO converter writes 2 everywhere)")
        }
    }
}

/// Geometry shared by the readers.
enum LabelGeometry {
    /// The tight box `[x, y, w, h]` over the labelled points of `[x, y, v]` triples.
    static func box(keypoints: [Double]) -> [Double]? {
        let points = stride(from: 0, to: keypoints.count - keypoints.count % 3, by: 3).filter { keypoints[$0 + 2] > 0 }
        guard let minX = points.map({ keypoints[$0] }).min(), let maxX = points.map({ keypoints[$0] }).max(),
              let minY = points.map({ keypoints[$0 + 1] }).min(), let maxY = points.map({ keypoints[$0 + 1] }).max()
        else { return nil }
        return [minX, minY, maxX - minX, maxY - minY]
    }

    /// Whether `[x, y, w, h]` contains the point.
    static func contains(_ box: [Double], x: Double, y: Double) -> Bool {
        box.count == 4 && x >= box[0] && x <= box[0] + box[2] && y >= box[1] && y <= box[1] + box[3]
    }

    /// The smallest of `boxes` containing the point; nil when none does.
    static func smallestContaining(_ boxes: [(id: String, box: [Double])], x: Double, y: Double) -> String? {
        boxes.filter { contains($0.box, x: x, y: y) }.min { $0.box[2] * $0.box[3] < $1.box[2] * $1.box[3] }?.id
    }

    /// `count` unlabelled keypoints: `[0, 0, 0]` each.
    static func unlabelled(_ count: Int) -> [Double] { Array(repeating: 0, count: 3 * count) }
}
