/// A pose embedding computed from keypoints alone, so object-level DIVERSITY needs no model.
///
/// Each keypoint is taken relative to the box centre and divided by the box's longer side, which
/// removes position and scale; each offset is weighted by its confidence, so unsure keypoints pull
/// the vector less; the result is scaled to unit length. Two people in the same pose anywhere in
/// the frame, at any size, get nearly the same vector; distances lie in [0, 2].
///
/// ```swift
/// let vector = PoseEmbedding.make(keypoints: detection.keypoints ?? [], box: [x, y, w, h])
/// ```
public enum PoseEmbedding {
    /// The embedding length for `keypointCount` keypoints.
    public static func dimension(keypointCount: Int) -> Int { 2 * keypointCount }

    /// - Parameters:
    ///   - keypoints: flat `[x, y, confidence, ...]`; the length must be a multiple of 3.
    ///   - box: `[x, y, width, height]` in pixels; nil to use the tight box over the keypoints with
    ///     confidence > 0.
    /// - Returns: `2 × keypoint count` floats of unit length, or all zeros when no keypoint has a
    ///   positive confidence or the box is empty.
    public static func make(keypoints: [Double], box: [Double]? = nil) -> [Float] {
        let count = keypoints.count / 3
        var vector = [Float](repeating: 0, count: dimension(keypointCount: count))
        let visible = (0 ..< count).filter { keypoints[3 * $0 + 2] > 0 && keypoints[3 * $0 + 2].isFinite }
        guard !visible.isEmpty else { return vector }
        let (x0, y0, width, height): (Double, Double, Double, Double)
        if let box, box.count == 4 {
            (x0, y0, width, height) = (box[0], box[1], box[2], box[3])
        } else {
            let xs = visible.map { keypoints[3 * $0] }, ys = visible.map { keypoints[3 * $0 + 1] }
            let (minX, minY) = (xs.min() ?? 0, ys.min() ?? 0)
            (x0, y0, width, height) = (minX, minY, (xs.max() ?? 0) - minX, (ys.max() ?? 0) - minY)
        }
        let scale = max(width, height)
        guard scale > 0, scale.isFinite else { return vector }
        let (centreX, centreY) = (x0 + width / 2, y0 + height / 2)
        var norm = 0.0
        for index in visible {
            let confidence = min(keypoints[3 * index + 2], 1)
            let dx = confidence * (keypoints[3 * index] - centreX) / scale
            let dy = confidence * (keypoints[3 * index + 1] - centreY) / scale
            vector[2 * index] = Float(dx)
            vector[2 * index + 1] = Float(dy)
            norm += dx * dx + dy * dy
        }
        guard norm > 0, norm.isFinite else { return [Float](repeating: 0, count: vector.count) }
        let inverse = Float(1 / norm.squareRoot())
        return vector.map { $0 * inverse }
    }
}
