/// What names one exported frame whatever file name a labelling tool gives it: the video, the
/// frame's index in it, the frame name (``Lightly/FrameName``) and the SHA-256 of its PNG.
///
/// `export` writes it into every Label Studio task's `data`, and the CVAT and COCO images carry
/// the frame name; `labels` maps each annotation back to its frame through it.
public struct FrameKey: Sendable, Hashable, Codable {
    /// The video's key in the input datasource (`clips/game.mp4`).
    public var video: String
    public var frameIndex: Int
    /// The frame name (`clips/game-007-mp4.png`).
    public var frameName: String
    /// SHA-256 of the PNG, hex.
    public var sha256: String

    public init(video: String, frameIndex: Int, frameName: String, sha256: String) {
        self.video = video
        self.frameIndex = frameIndex
        self.frameName = frameName
        self.sha256 = sha256
    }
}
