import Foundation
import JSON
import Lightly
import PluginAPI

/// `metadata`: one video's manifest → Lightly metadata (`docs/stages/metadata.md`).
///
/// Writes `.lightly/metadata/schema.json` and `<video path without extension>.json`
/// (`type: video`): `video_name` (the item key, as the tutorial), the computed fields of the
/// manifest, and the static user `fields`; with `frame_level`, also one `type: frame` file per
/// kept frame.
public struct MetadataStage: Stage {
    public init() {}

    public let descriptor = PluginDescriptor(
        id: "metadata", version: "1",
        summary: "Write Lightly metadata for each video: name, size, frame rate, duration and user fields.",
        mode: .map,
        parameters: Options.specs
    )

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        @Option("fields", doc: "Static user fields: name → value (nested objects give dotted paths; {value, type} sets the type).")
        var fields: [String: JSONValue] = [:]
        @Option("frame_level", doc: "Also write one metadata file per kept frame (index, timestamp, key frame).")
        var frameLevel = false
    }

    static let videoFields = [
        MetadataField("Video Name", path: "video_name", type: .categoricalString),
        MetadataField("Codec", path: "codec", type: .categoricalString),
        MetadataField("Width", path: "width", type: .numericInt),
        MetadataField("Height", path: "height", type: .numericInt),
        MetadataField("FPS", path: "fps", type: .numericFloat),
        MetadataField("Duration", path: "duration", type: .numericFloat),
        MetadataField("Frame Count", path: "frame_count", type: .numericInt),
    ]

    static let frameFields = [
        MetadataField("Frame Index", path: "frame_index", type: .numericInt),
        MetadataField("Timestamp", path: "timestamp", type: .numericFloat),
        MetadataField("Key Frame", path: "key_frame", type: .categoricalBoolean),
    ]

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        do {
            _ = try Self.userFields(try Options(parameters))
            return []
        } catch let error as ParameterIssues {
            return error.issues
        } catch {
            return [ParameterIssue([], "\(error)")]
        }
    }

    /// The built-in fields the stage writes.
    private static func builtInFields(_ options: Options) -> [MetadataField] {
        videoFields + (options.frameLevel ? frameFields : [])
    }

    /// The `fields` parameter's user fields, none of which may be (or be inside) a built-in one.
    private static func userFields(_ options: Options) throws(ParameterIssues) -> [(MetadataField, JSONValue)] {
        let userFields = try MetadataField.userFields(options.fields)
        let builtIn = builtInFields(options)
        if let clash = userFields.first(where: { user, _ in
            builtIn.contains { $0.entry.path == user.entry.path || user.entry.path.hasPrefix($0.entry.path + ".") }
        }) {
            let path = clash.0.entry.path
            throw ParameterIssues([ParameterIssue(MetadataField.location(of: path), "'\(path)' is a built-in field")])
        }
        return userFields
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        let options = try Options(context.parameters)
        let frameLevel = options.frameLevel
        let userFields: [(MetadataField, JSONValue)]
        do { userFields = try Self.userFields(options) } catch { throw error.stageError }
        let builtIn = Self.builtInFields(options)
        let manifest = try UpstreamFileLocator.decode(
            DecodeManifest.self, from: UpstreamFileLocator.find("manifest.json", in: item), item: item)

        let writer = LightlyTreeWriter(root: context.outputDirectory)
        try writer.writeMetadataSchema((builtIn.map(\.entry) + userFields.map(\.0.entry)))

        var metadata: [String: JSONValue] = [
            "video_name": .string(item.key),
            "width": .int(manifest.width),
            "height": .int(manifest.height),
            "fps": .double(manifest.fps),
            "frame_count": .int(manifest.frameCount),
            "codec": .string(manifest.codec),
        ]
        if let duration = manifest.duration { metadata["duration"] = .double(duration) }
        for (field, value) in userFields { metadata.set(value, atPath: field.entry.path) }
        try writer.writeMetadata(MetadataFile(fileName: item.key, type: .video, metadata: metadata))

        guard frameLevel else { return }
        for (done, frame) in manifest.frames.enumerated() {
            try Task.checkCancellation()
            guard frame.index >= 0, frame.index < manifest.frameCount else {
                throw StageError("'\(item.key)': frame index \(frame.index) is outside the video's \(manifest.frameCount) frames",
                                 code: .invalidInput)
            }
            let name = FrameName(videoPath: item.key, index: frame.index, frameCount: manifest.frameCount)
            var values: [String: JSONValue] = ["frame_index": .int(frame.index)]
            if let seconds = timestamp(frame, manifest) { values["timestamp"] = .double(seconds) }
            values["key_frame"] = .bool(frame.key)
            try writer.writeMetadata(MetadataFile(fileName: name.description, type: .frame, metadata: values))
            if done % 64 == 63 || done == manifest.frames.count - 1 {
                context.reportProgress(completed: done + 1, total: manifest.frames.count, unit: "frames")
            }
        }
    }

    /// Seconds from the stream start: `pts × time_base`, else `index / fps`.
    private func timestamp(_ frame: DecodeManifest.Frame, _ manifest: DecodeManifest) -> Double? {
        let base = manifest.timeBase
        if base.count == 2, base[1] != 0 {
            return Double(frame.pts) * Double(base[0]) / Double(base[1])
        }
        return manifest.fps > 0 ? Double(frame.index) / manifest.fps : nil
    }
}
