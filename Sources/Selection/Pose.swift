import Foundation

/// One detected person's keypoints, reduced to what the pose scores need: the visible joints
/// (confidence > 0) and the person's scale.
struct Pose {
    /// Per joint, its position when visible.
    let joints: [SIMD2<Double>?]
    /// The area of the tight box over the visible joints, at least 1 (square pixels).
    let area: Double

    /// `keypoints` is the flat `[x, y, confidence, ...]` list of a prediction.
    init(keypoints: [Double]) {
        joints = stride(from: 0, to: keypoints.count - 2, by: 3).map { start in
            let confidence = keypoints[start + 2]
            guard confidence > 0, confidence.isFinite, keypoints[start].isFinite, keypoints[start + 1].isFinite else { return nil }
            return SIMD2(keypoints[start], keypoints[start + 1])
        }
        let visible = joints.compactMap { $0 }
        let xs = visible.map(\.x), ys = visible.map(\.y)
        let width = (xs.max() ?? 0) - (xs.min() ?? 0), height = (ys.max() ?? 0) - (ys.min() ?? 0)
        area = max(width * height, 1)
    }

    /// The length of the bone between two joints, when both are visible.
    func length(_ a: Int, _ b: Int) -> Double? {
        guard a < joints.count, b < joints.count, let p = joints[a], let q = joints[b] else { return nil }
        let d = p - q
        return (d * d).sum().squareRoot()
    }

    /// COCO's per-keypoint OKS sigmas for the 17 COCO keypoints.
    static let cocoSigmas = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]
        .map { $0 / 10 }
    /// The sigma of other layouts: about the mean of COCO's.
    static let defaultSigma = 0.07

    /// COCO's object keypoint similarity in [0, 1], over the joints visible in both poses, with
    /// the mean of their areas as the scale; 0 when no joint is visible in both.
    func similarity(to other: Pose) -> Double {
        let sigmas = joints.count == Self.cocoSigmas.count ? Self.cocoSigmas : Array(repeating: Self.defaultSigma, count: joints.count)
        let area = (self.area + other.area) / 2
        var sum = 0.0, count = 0
        for (index, joint) in joints.enumerated() {
            guard let joint, index < other.joints.count, let otherJoint = other.joints[index] else { continue }
            let d = joint - otherJoint
            let k = 2 * sigmas[index]
            sum += exp(-(d * d).sum() / (2 * area * k * k))
            count += 1
        }
        return count == 0 ? 0 : sum / Double(count)
    }
}
