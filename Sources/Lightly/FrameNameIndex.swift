/// Reads frame names back to frames, given the videos of the input datasource and their
/// frame counts: the inverse of ``FrameName``.
///
/// ```swift
/// let index = FrameNameIndex(frameCounts: ["clips/game.mp4": 250])
/// index.frame(named: "clips/game-007-mp4.png")   // FrameName(videoPath: "clips/game.mp4", index: 7, frameCount: 250)
/// index.frame(named: "clips/game-7-mp4.png")     // nil: wrong padding
/// ```
public struct FrameNameIndex: Sendable {
    /// Frame counts by video path (relative to the input datasource, with extension).
    public let frameCounts: [String: Int]

    public init(frameCounts: [String: Int]) { self.frameCounts = frameCounts }

    /// The frame this name denotes, or nil when it is not a frame of a known video
    /// (an image, another video, a wrong padding or an index out of range).
    public func frame(named name: String) -> FrameName? {
        if case .success(let frame) = resolve(name) { frame } else { nil }
    }

    /// The frame this name denotes, or an error saying why it denotes none.
    public func resolve(_ name: String) -> Result<FrameName, LightlyError> {
        guard let parsed = ParsedFrameName(name) else {
            return .failure(LightlyError(
                "'\(name)' is not a frame name ({video without extension}-{index}-{extension}.png)", code: .invalidFrameName))
        }
        guard let count = frameCounts[parsed.videoPath] else {
            return .failure(LightlyError("'\(name)': no video '\(parsed.videoPath)' in the input datasource", code: .invalidFrameName))
        }
        return parsed.resolve(frameCount: count)
    }
}
