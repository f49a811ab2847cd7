/// A failure to read or encode media: what went wrong (``code``), on which file, and why.
///
/// The ``description`` reads like the Lightly Worker's corruptness report:
/// `'clips/a.mp4': truncated: partial file at frame 37 (37 good frames)`. Its wording may change;
/// match on ``code``.
public struct MediaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file does not exist or cannot be read.
        public static let unreadable = Code("unreadable")
        /// The file has zero bytes.
        public static let emptyFile = Code("empty_file")
        /// No demuxer recognises the content (garbage, or not a media file).
        public static let notAVideo = Code("not_a_video")
        /// A media file without a video stream, or whose video codec has no decoder.
        public static let unsupported = Code("unsupported")
        /// The content is a known format whose extensions do not include the file's.
        public static let wrongExtension = Code("wrong_extension")
        /// The file ends before its data does (cut download, missing index).
        public static let truncated = Code("truncated")
        /// The decoder rejected a packet or flagged a frame as damaged.
        public static let corruptFrame = Code("corrupt_frame")
        /// A frame has no timestamp.
        public static let missingTimestamp = Code("missing_timestamp")
        /// A frame's timestamp is not greater than the previous frame's.
        public static let nonMonotonicTimestamps = Code("non_monotonic_timestamps")
        /// Demuxing went on without the decoder producing frames.
        public static let noProgress = Code("no_progress")
        /// A seek target is not in the video.
        public static let frameNotFound = Code("frame_not_found")
        /// The read was interrupted (task cancellation).
        public static let interrupted = Code("interrupted")
        /// An image could not be encoded, or a parameter is out of range.
        public static let encodingFailed = Code("encoding_failed")
        /// Any other FFmpeg failure.
        public static let ffmpeg = Code("ffmpeg")
    }

    public var code: Code
    /// The file involved (a path as given), or `nil` for in-memory work such as image encoding.
    public var file: String?
    /// The problem in words, without the file name.
    public var message: String
    /// Frames decoded successfully before the failure, when a video decoded partly.
    public var goodFrames: Int?
    /// The FFmpeg status code behind the failure, if any.
    public var ffmpegStatus: Int32?

    public init(_ code: Code, file: String?, _ message: String, goodFrames: Int? = nil, ffmpegStatus: Int32? = nil) {
        self.code = code
        self.file = file
        self.message = message
        self.goodFrames = goodFrames
        self.ffmpegStatus = ffmpegStatus
    }

    public var description: String {
        var text = file.map { "'\($0)': " } ?? ""
        text += "\(code): \(message)"
        if let goodFrames { text += " (\(goodFrames) good frame\(goodFrames == 1 ? "" : "s"))" }
        return text
    }
}
