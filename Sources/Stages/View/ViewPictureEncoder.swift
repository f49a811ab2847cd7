import Foundation
import Media

/// The view's two JPEGs of a frame, a thumbnail and the full frame, from one encoder of each that
/// stays open for a whole video (opening an FFmpeg encoder costs more than encoding a small
/// frame). Not `Sendable`: one per decoding task.
final class ViewPictureEncoder {
    /// Thumbnails are at most this wide (the grid's tiles are 192 px wide at most).
    static let thumbnailWidth = 192

    private let thumbnails: ImageEncoder
    private let pictures: ImageEncoder

    init() throws {
        // 4:2:0, as the videos themselves almost always are: half the encoding work of 4:4:4.
        thumbnails = try ImageEncoder(.jpeg(quality: 4, chroma: .quarter))
        pictures = try ImageEncoder(.jpeg(quality: 3, chroma: .quarter))
    }

    /// The frame's thumbnail and full picture; `picture` is nil when the frame is no wider than a
    /// thumbnail: then the thumbnail, encoded at the full picture's quality, serves as both.
    func encode(_ image: RGBImage) throws -> (thumbnail: Data, picture: Data?) {
        let thumbnail = image.downscaled(toFitWidth: Self.thumbnailWidth)
        if thumbnail.width == image.width { return (try pictures.encode(image), nil) }
        return (try thumbnails.encode(thumbnail), try pictures.encode(image))
    }
}
