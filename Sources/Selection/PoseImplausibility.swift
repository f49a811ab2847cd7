import Foundation

/// The `pose_implausibility` score of keypoint-detection tasks: how far a predicted person's body
/// proportions are from those of the other people in the same data. Implausible predictions
/// (a forearm twice as long as the other, a shin longer than the torso) are the ones worth
/// labelling.
///
/// For the 17 COCO keypoints, each person gets features: every limb bone's length relative to
/// the median of the person's visible bones (log ratio), and every left/right bone pair's log
/// ratio. Each feature is compared with the datasource's own robust statistics (median, and
/// 1.4826 × the median absolute deviation, at least ``minimumSpread``) as a robust z-score; a
/// person scores the largest |z| of its features, a frame the largest of its people. People with
/// fewer than three visible bones, other keypoint layouts and frames without people score 0.
public enum PoseImplausibility {
    /// The smallest spread (in log ratio) a feature is measured against: proportions within about
    /// 5 % of the typical ones are never implausible, even on very uniform data.
    public static let minimumSpread = 0.05

    /// COCO limb bones as (left, right) pairs of joint pairs: upper arm, forearm, torso side,
    /// thigh, shin.
    static let bonePairs = [((5, 7), (6, 8)), ((7, 9), (8, 10)), ((5, 11), (6, 12)), ((11, 13), (12, 14)), ((13, 15), (14, 16))]
    static let cocoJointCount = 17

    /// Per frame, the score of each person (in detection order).
    /// - Parameter keypoints: per frame, the flat `[x, y, confidence, ...]` list of each person.
    public static func objectScores(keypoints: [[[Double]]]) -> [[Double]] {
        let features = keypoints.map { $0.map { Self.features(of: Pose(keypoints: $0)) } }
        let statistics = robustStatistics(features.flatMap { $0 })
        return features.map { frame in
            frame.map { values in
                var worst = 0.0
                for (index, value) in values.enumerated() {
                    guard let value, let (median, spread) = statistics[index] else { continue }
                    worst = max(worst, abs(value - median) / spread)
                }
                return worst
            }
        }
    }

    /// Per frame, the largest score of its people; 0 without people.
    public static func frameScores(keypoints: [[[Double]]]) -> [Double] {
        objectScores(keypoints: keypoints).map { $0.max() ?? 0 }
    }

    /// The person's features (nil where a bone is not visible): 10 bone ratios, then 5 symmetry
    /// ratios; all nil for other layouts or fewer than three visible bones.
    static func features(of pose: Pose) -> [Double?] {
        let count = 3 * bonePairs.count
        guard pose.joints.count == cocoJointCount else { return Array(repeating: nil, count: count) }
        let bones = bonePairs.flatMap { [pose.length($0.0.0, $0.0.1), pose.length($0.1.0, $0.1.1)] }
            .map { $0.flatMap { $0 > 0 ? $0 : nil } }
        let visible = bones.compactMap { $0 }.sorted()
        guard visible.count >= 3 else { return Array(repeating: nil, count: count) }
        let reference = visible[visible.count / 2]
        let ratios = bones.map { $0.map { log($0 / reference) } }
        let symmetry = bonePairs.indices.map { pair -> Double? in
            guard let left = bones[2 * pair], let right = bones[2 * pair + 1] else { return nil }
            return log(left / right)
        }
        return ratios + symmetry
    }

    /// Per feature, its median and spread over everyone who has it; nil for a feature nobody has.
    static func robustStatistics(_ features: [[Double?]]) -> [(median: Double, spread: Double)?] {
        let count = features.first?.count ?? 0
        return (0 ..< count).map { index in
            let values = features.compactMap { $0[index] }
            guard !values.isEmpty else { return nil }
            let median = Self.median(values)
            let deviation = Self.median(values.map { abs($0 - median) })
            return (median, max(1.4826 * deviation, minimumSpread))
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
