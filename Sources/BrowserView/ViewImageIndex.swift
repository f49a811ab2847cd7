import Foundation

/// Which frame pictures the view folder holds, and of which version of their video
/// (`data/images.json`): a re-run decodes only frames whose video changed or whose pictures are
/// missing. Written after the pictures it names, so a killed run redoes what it did not record.
public struct ViewImageIndex: Sendable, Equatable, Codable {
    public var version = 1
    /// Video → what it was when its frames were decoded.
    public var videos: [String: Video] = [:]
    /// Frame name → the video signature its pictures were made from.
    public var frames: [String: String] = [:]

    public struct Video: Sendable, Equatable, Codable {
        /// Size and ETag, digest or modification time: changes when the video does.
        public var signature: String
        public var width: Int
        public var height: Int

        public init(signature: String, width: Int, height: Int) {
            self.signature = signature
            self.width = width
            self.height = height
        }
    }

    public init() {}

    /// Records that `frame`'s pictures were made from `video` as it is now.
    public mutating func record(frame: String, video: String, signature: String, width: Int, height: Int) {
        videos[video] = Video(signature: signature, width: width, height: height)
        frames[frame] = signature
    }
}
