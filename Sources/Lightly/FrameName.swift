/// The name of one video frame as a sample: `{video path without extension}-{index}-{extension}.png`.
///
/// The index is zero-padded to the number of digits of the video's frame count, so each
/// video has its own width: frame 7 of a 9-frame `clips/game.mp4` is `clips/game-7-mp4.png`,
/// of a 100-frame one `clips/game-007-mp4.png`. The extension is what follows the last `.`
/// of the file name (dots earlier in the name stay part of it), as Python's `Path.suffix`.
///
/// This is the one place the rule lives; predictions, metadata, selections and exports use it.
public struct FrameName: Sendable, Hashable, CustomStringConvertible {
    /// The video's path relative to the input datasource, with extension (`clips/game.mp4`).
    public var videoPath: String
    public var index: Int
    /// The video's frame count, which sets the padding width.
    public var frameCount: Int

    public init(videoPath: String, index: Int, frameCount: Int) {
        self.videoPath = videoPath
        self.index = index
        self.frameCount = frameCount
    }

    /// Digits of the frame index: `len(str(frame_count))`.
    public static func paddingWidth(frameCount: Int) -> Int { String(max(frameCount, 0)).count }

    /// The frame name, ending in `.png`.
    public var description: String {
        let (stem, ext) = FrameName.splitExtension(videoPath)
        let digits = String(index)
        let padding = String(repeating: "0", count: max(0, FrameName.paddingWidth(frameCount: frameCount) - digits.count))
        return "\(stem)-\(padding)\(digits)-\(ext).png"
    }

    /// The sample's side-file path: the frame name with `.json` for `.png`.
    public var sidecarPath: String { LightlyLayout.sidecarPath(forSample: description) }

    /// Splits `dir/name.ext` into (`dir/name`, `ext`); no extension gives (`path`, "").
    /// Follows Python's `PurePath.suffix`: a leading dot (`.hidden`) or a trailing dot is no extension.
    public static func splitExtension(_ path: String) -> (stem: String, ext: String) {
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[nameStart...]
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex
        else { return (path, "") }
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
    }
}

/// The parts of a frame name, read back without knowing the video: the inverse of
/// ``FrameName/description`` up to the frame count.
public struct ParsedFrameName: Sendable, Hashable {
    /// `clips/game.mp4` for `clips/game-007-mp4.png`.
    public var videoPath: String
    public var index: Int
    /// The index exactly as written, with its padding (`007`).
    public var indexDigits: String
    /// The frame's own image extension (`png`).
    public var imageExtension: String

    /// Parses `{stem}-{digits}-{ext}.{image ext}`, splitting at the last two `-`.
    /// Returns nil when the name does not have that shape.
    public init?(_ name: String) {
        let (withoutImage, imageExt) = FrameName.splitExtension(name)
        guard !imageExt.isEmpty, let extDash = withoutImage.lastIndex(of: "-") else { return nil }
        let videoExt = withoutImage[withoutImage.index(after: extDash)...]
        let rest = withoutImage[..<extDash]
        guard let indexDash = rest.lastIndex(of: "-") else { return nil }
        let digits = rest[rest.index(after: indexDash)...]
        let stem = rest[..<indexDash]
        guard !videoExt.isEmpty, !videoExt.contains("/"), !stem.isEmpty, !stem.hasSuffix("/"),
              !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(digits)
        else { return nil }
        videoPath = "\(stem).\(videoExt)"
        self.index = index
        indexDigits = String(digits)
        imageExtension = imageExt
    }

    /// Checks this name against the video's frame count: the padding width and the index range.
    /// Returns the resolved frame, or a message saying what is wrong.
    public func resolve(frameCount: Int) -> Result<FrameName, LightlyError> {
        let width = FrameName.paddingWidth(frameCount: frameCount)
        if indexDigits.count != width {
            return .failure(LightlyError(
                "frame index '\(indexDigits)' has \(indexDigits.count) digits; '\(videoPath)' has \(frameCount) frames, so it needs \(width)",
                code: .invalidFrameName))
        }
        if index >= frameCount {
            return .failure(LightlyError(
                "frame index \(index) is out of range: '\(videoPath)' has \(frameCount) frames (0…\(frameCount - 1))",
                code: .invalidFrameName))
        }
        if imageExtension != "png" {
            return .failure(LightlyError("a frame name must end in '.png', not '.\(imageExtension)'", code: .invalidFrameName))
        }
        return .success(FrameName(videoPath: videoPath, index: index, frameCount: frameCount))
    }
}
