/// What probing a video finds: container, codec, coded size, timing and rotation.
///
/// Sizes are the coded (= display) size; rotation is recorded, never applied.
public struct VideoInfo: Sendable, Hashable, Codable {
    /// The demuxer's name, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`.
    public var container: String
    /// The codec's short name, e.g. `h264`, `mpeg4`, `vp9`, `mjpeg`.
    public var codec: String
    public var width: Int
    public var height: Int
    /// The average frame rate (frames per second); 0 when the container gives none.
    public var fps: Double
    /// The stream's time base as `[numerator, denominator]`: a pts times this is seconds.
    public var timeBase: [Int]
    /// Seconds, `nil` when the container does not say.
    public var duration: Double?
    /// The display matrix's rotation as ffprobe prints it (counter-clockwise degrees, normalised
    /// to 0..359); 0 without a display matrix. Recorded only: frames keep their coded orientation.
    public var rotation: Int
    /// The container's frame-count field, if any. Not the decoded count: see ``VideoDecoder``.
    public var declaredFrameCount: Int?

    public init(
        container: String, codec: String, width: Int, height: Int, fps: Double, timeBase: [Int],
        duration: Double?, rotation: Int, declaredFrameCount: Int?
    ) {
        self.container = container
        self.codec = codec
        self.width = width
        self.height = height
        self.fps = fps
        self.timeBase = timeBase
        self.duration = duration
        self.rotation = rotation
        self.declaredFrameCount = declaredFrameCount
    }

    /// Converts a pts of this stream to seconds.
    public func seconds(pts: Int64) -> Double {
        guard timeBase.count == 2, timeBase[1] != 0 else { return 0 }
        return Double(pts) * Double(timeBase[0]) / Double(timeBase[1])
    }
}

/// One decoded frame's identity: its 0-based index in decode order of the first video stream
/// (as PyAV counts frames), its presentation timestamp in the stream's time base, and whether
/// it is a key frame.
public struct FrameInfo: Sendable, Hashable, Codable {
    public var index: Int
    public var pts: Int64
    public var isKey: Bool

    public init(index: Int, pts: Int64, isKey: Bool) {
        self.index = index
        self.pts = pts
        self.isKey = isKey
    }
}
