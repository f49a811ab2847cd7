import Foundation
import Media
import PluginAPI

/// Exact frames of one video, decoded in one sequential pass: frame N is the N-th frame the
/// decoder produces, as the Lightly frame names count them.
enum FrameExtractor {
    /// The pictures of `indices` (any order); frames past the end of the video are an error.
    /// - Parameter datasource: for messages: the video's datasource URL.
    static func frames(_ indices: Set<Int>, of video: URL, datasource: String) throws -> [Int: RGBImage] {
        var images: [Int: RGBImage] = [:]
        try forEach(indices, of: video, datasource: datasource) { images[$0] = $1 }
        return images
    }

    /// Calls `body` with each frame of `indices` in video order, holding one picture at a time;
    /// frames past the end of the video are an error.
    /// - Parameter threads: decoder threads; 0: one per core. A caller that decodes one video per
    ///   core gives 1: threads handing small frames to each other cost more than they save.
    static func forEach(
        _ indices: Set<Int>, of video: URL, datasource: String, threads: Int = 0, _ body: (Int, RGBImage) throws -> Void
    ) throws {
        guard let last = indices.max() else { return }
        var reached = -1
        do {
            let decoder = try VideoDecoder(url: video, threads: threads)
            while let frame = try decoder.next() {
                reached = frame.index
                if indices.contains(frame.index) { try body(frame.index, try frame.rgbImage()) }
                if frame.index >= last { break }
            }
        } catch let error as MediaError {
            throw StageError("input datasource \(datasource): \(error.description)", code: .invalidInput)
        }
        if let missing = indices.filter({ $0 > reached }).min() {
            throw StageError(
                "input datasource \(datasource): '\(video.lastPathComponent)' has no frame \(missing) (it ends before), but its predictions name it",
                code: .invalidInput)
        }
    }

    /// The pixel box of an object: its `bbox`, else the tight box over keypoints with a positive
    /// confidence; clipped to the picture. Nil when nothing of it is inside the picture.
    static func box(bbox: [Double]?, keypoints: [Double]?, width: Int, height: Int) -> (x: Int, y: Int, width: Int, height: Int)? {
        var x0: Double, y0: Double, x1: Double, y1: Double
        if let bbox, bbox.count == 4 {
            (x0, y0, x1, y1) = (bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3])
        } else if let keypoints {
            let visible = stride(from: 0, to: keypoints.count - 2, by: 3).filter { keypoints[$0 + 2] > 0 }
            guard !visible.isEmpty else { return nil }
            let xs = visible.map { keypoints[$0] }, ys = visible.map { keypoints[$0 + 1] }
            (x0, y0, x1, y1) = (xs.min() ?? 0, ys.min() ?? 0, xs.max() ?? 0, ys.max() ?? 0)
        } else {
            return nil
        }
        guard [x0, y0, x1, y1].allSatisfy(\.isFinite) else { return nil }
        let left = max(0, Int(x0.rounded(.down))), top = max(0, Int(y0.rounded(.down)))
        let right = min(width, Int(x1.rounded(.up))), bottom = min(height, Int(y1.rounded(.up)))
        guard right > left, bottom > top else { return nil }
        return (left, top, right - left, bottom - top)
    }
}
