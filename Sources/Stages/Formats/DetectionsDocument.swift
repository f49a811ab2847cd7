import Foundation
import Inference

/// `detections.json`, the output of `detect` (docs/stage-outputs.md): the item key, the decoded
/// frame count and size copied from the manifest, and one ``Detections`` per kept frame.
struct DetectionsDocument: Codable, Hashable, Sendable {
    static let fileName = "detections.json"

    /// The item key: the video's path relative to the `foreach` base.
    var file: String
    /// Frames the video decodes to (all of them, not only the kept ones), from the manifest.
    var frameCount: Int
    var width: Int
    var height: Int
    /// The kept frames, in index order.
    var frames: [Detections]

    enum CodingKeys: String, CodingKey {
        case file, width, height, frames
        case frameCount = "frame_count"
    }

    /// Sorted keys, compact (embeddings make pretty printing huge), no timestamps:
    /// identical detections give identical bytes.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
