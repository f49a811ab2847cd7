import Foundation

/// The export formats `labels` reads.
public enum LabelFormat: String, CaseIterable, Sendable, Codable {
    /// Label Studio's JSON export: tasks with `annotations` (the reliable one).
    case labelStudioJSON = "label-studio-json"
    /// Label Studio's COCO export: recognised, and refused where it lost keypoints.
    case labelStudioCOCO = "label-studio-coco"
    /// CVAT for images 1.1: `annotations.xml`, or a ZIP holding it.
    case cvat = "cvat-for-images"
    /// COCO Keypoints 1.0 (CVAT's, this project's `coco-keypoints.json`, others').
    case coco = "coco-keypoints"

    /// The format of an export file from its first bytes; nil when none fits.
    public static func detect(_ data: Data) -> LabelFormat? {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .cvat }
        let head = String(decoding: data.prefix(4096), as: UTF8.self).drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if head.hasPrefix("<") { return .cvat }
        if head.hasPrefix("[") { return .labelStudioJSON }
        guard head.hasPrefix("{"), let coco = try? JSONDecoder().decode(COCOKeypointsFile.self, from: data) else { return nil }
        return COCOLabelReader.isLabelStudio(coco) ? .labelStudioCOCO : .coco
    }

    /// Reads an export in this format.
    public func read(_ data: Data, file: String, context: LabelContext) -> LabelImport {
        switch self {
        case .labelStudioJSON: LabelStudioLabelReader(file: file, context: context).read(data)
        case .labelStudioCOCO, .coco: COCOLabelReader(file: file, context: context, format: self).read(data)
        case .cvat: CVATLabelReader(file: file, context: context).read(data)
        }
    }
}
