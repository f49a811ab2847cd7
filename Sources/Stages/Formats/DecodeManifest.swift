import Foundation
import Media

/// `manifest.json`, the output of `decode` (docs/stage-outputs.md): the probe data, the decoded
/// frame count and the kept frames. `detect` and `metadata` read it back with ``read(from:)``.
struct DecodeManifest: Codable, Hashable, Sendable {
    static let fileName = "manifest.json"

    /// The item key: the video's path relative to the `foreach` base.
    var file: String
    var container: String
    var codec: String
    var width: Int
    var height: Int
    /// Average frames per second.
    var fps: Double
    var timeBase: [Int]
    /// Seconds; `nil` (written as `null`) when the container does not say.
    var duration: Double?
    /// The display matrix's rotation (ffprobe's counter-clockwise degrees, 0..359); never applied.
    var rotation: Int
    /// Frames actually decoded, as PyAV counts them: what the Lightly frame names are padded to.
    var frameCount: Int
    var sampling: Sampling
    /// The kept frames only, in decode order.
    var frames: [Frame]

    struct Sampling: Codable, Hashable, Sendable {
        var every: Int
        /// Target frames per second; `nil` (written as `null`) when off.
        var fps: Double?
        var dedupThreshold: Double
        /// Adaptive sampling's change threshold; 0 when off.
        var changeThreshold: Double
        /// Adaptive sampling's largest gap between kept frames; 0 when no limit.
        var maxGap: Int

        enum CodingKeys: String, CodingKey {
            case every, fps
            case dedupThreshold = "dedup_threshold"
            case changeThreshold = "change_threshold"
            case maxGap = "max_gap"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(every, forKey: .every)
            try container.encode(fps, forKey: .fps)
            try container.encode(dedupThreshold, forKey: .dedupThreshold)
            try container.encode(changeThreshold, forKey: .changeThreshold)
            try container.encode(maxGap, forKey: .maxGap)
        }
    }

    struct Frame: Codable, Hashable, Sendable {
        var index: Int
        var pts: Int64
        var key: Bool
        /// Hex of the 16×9 grey thumbnail (``FrameSignature/hex``).
        var signature: String
    }

    enum CodingKeys: String, CodingKey {
        case file, container, codec, width, height, fps, duration, rotation, sampling, frames
        case timeBase = "time_base"
        case frameCount = "frame_count"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(self.container, forKey: .container)
        try container.encode(codec, forKey: .codec)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(fps, forKey: .fps)
        try container.encode(timeBase, forKey: .timeBase)
        try container.encode(duration, forKey: .duration)
        try container.encode(rotation, forKey: .rotation)
        try container.encode(frameCount, forKey: .frameCount)
        try container.encode(sampling, forKey: .sampling)
        try container.encode(frames, forKey: .frames)
    }

    /// The frames as seek targets for ``VideoDecoder/seek(to:)``.
    var frameInfos: [FrameInfo] { frames.map { FrameInfo(index: $0.index, pts: $0.pts, isKey: $0.key) } }

    /// Sorted keys, no timestamps: identical inputs give identical bytes.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads `manifest.json` from a directory (an upstream `decode` item's output).
    static func read(from directory: URL) throws -> DecodeManifest {
        try JSONDecoder().decode(DecodeManifest.self, from: Data(contentsOf: directory.appendingPathComponent(fileName)))
    }
}

extension DecodeManifest.Sampling {
    /// Reads manifests written before adaptive sampling existed as having it off.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            every: try container.decode(Int.self, forKey: .every), fps: try container.decodeIfPresent(Double.self, forKey: .fps),
            dedupThreshold: try container.decode(Double.self, forKey: .dedupThreshold),
            changeThreshold: try container.decodeIfPresent(Double.self, forKey: .changeThreshold) ?? 0,
            maxGap: try container.decodeIfPresent(Int.self, forKey: .maxGap) ?? 0)
    }
}
