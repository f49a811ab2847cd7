/// The `temporal_inconsistency` score of keypoint-detection tasks: how much a frame's poses
/// disagree with the frames before and after it in its video. Needs no tracks and works with
/// any number of people.
///
/// People are matched between consecutive frames by OKS (Hungarian assignment; pairs below
/// ``minimumSimilarity`` stay unmatched). A person matched on both sides scores the root mean
/// square, over its joints visible in all three frames, of the distance from the joint to the
/// midpoint of its two neighbours, divided by the person's scale (√ of its keypoint box area):
/// steady motion scores about 0, a joint that jumps for one frame scores high, and its neighbours
/// half as much. A person matched on one side scores its plain joint jump to that side. A person
/// matched on neither side, and a person matched between the previous and the next frame but
/// missing from this one, score 1 (a detection that flickers). A frame's score is the largest of
/// its values; 0 for a frame without neighbours or people.
public enum TemporalInconsistency {
    /// The OKS below which two poses are not the same person.
    public static let minimumSimilarity = 0.2

    /// - Parameters:
    ///   - keypoints: per frame, the flat `[x, y, confidence, ...]` list of each person.
    ///   - videos: per frame, its video; consecutive frames of the same non-nil video are
    ///     neighbours (frames are in decode order within a video).
    /// - Returns: one score per frame, at least 0.
    public static func frameScores(keypoints: [[[Double]]], videos: [String?]) -> [Double] {
        var scores = [Double](repeating: 0, count: keypoints.count)
        var start = 0
        while start < keypoints.count {
            var end = start + 1
            while end < keypoints.count, videos[start] != nil, videos[end] == videos[start] { end += 1 }
            let poses = keypoints[start ..< end].map { $0.map(Pose.init(keypoints:)) }
            for (offset, score) in sequenceScores(poses).enumerated() { scores[start + offset] = score }
            start = end
        }
        return scores
    }

    /// Scores of one video's frames, in order.
    static func sequenceScores(_ frames: [[Pose]]) -> [Double] {
        guard frames.count > 1 else { return frames.map { _ in 0 } }
        // forward[t][i]: the person of frame t + 1 matched to person i of frame t.
        let forward = (0 ..< frames.count - 1).map { match(frames[$0], frames[$0 + 1]) }
        var backward = frames.map { [Int?](repeating: nil, count: $0.count) }
        for (t, matches) in forward.enumerated() {
            for (person, next) in matches.enumerated() { if let next { backward[t + 1][next] = person } }
        }
        return frames.indices.map { t in
            var worst = 0.0
            for (person, pose) in frames[t].enumerated() {
                let previous = t > 0 ? backward[t][person].map { frames[t - 1][$0] } : nil
                let next = t < forward.count ? forward[t][person].map { frames[t + 1][$0] } : nil
                worst = max(worst, inconsistency(pose, previous: previous, next: next))
            }
            if t > 0, t < forward.count, vanishes(at: t, frames: frames, forward: forward) { worst = max(worst, 1) }
            return worst
        }
    }

    static func match(_ a: [Pose], _ b: [Pose]) -> [Int?] {
        Assignment.maximising(a.map { pose in b.map(pose.similarity) }, minimum: minimumSimilarity)
    }

    static func inconsistency(_ pose: Pose, previous: Pose?, next: Pose?) -> Double {
        let scale = pose.area.squareRoot()
        var sum = 0.0, count = 0
        switch (previous, next) {
        case (let previous?, let next?):
            for (index, joint) in pose.joints.enumerated() {
                guard let joint, let before = previous.joints[safe: index], let after = next.joints[safe: index] else { continue }
                sum += squaredLength(joint - (before + after) / 2) / (scale * scale)
                count += 1
            }
        case (let neighbour?, nil), (nil, let neighbour?):
            for (index, joint) in pose.joints.enumerated() {
                guard let joint, let other = neighbour.joints[safe: index] else { continue }
                sum += squaredLength(joint - other) / (scale * scale)
                count += 1
            }
        case (nil, nil):
            return 1
        }
        return count == 0 ? 0 : (sum / Double(count)).squareRoot()
    }

    /// Whether someone matched between frames t − 1 and t + 1 has no match in frame t.
    static func vanishes(at t: Int, frames: [[Pose]], forward: [[Int?]]) -> Bool {
        let across = match(frames[t - 1], frames[t + 1])
        return across.indices.contains { across[$0] != nil && forward[t - 1][$0] == nil }
    }

    static func squaredLength(_ vector: SIMD2<Double>) -> Double { (vector * vector).sum() }
}

extension Array {
    /// The element at `index`, or nil when out of range; for optional elements, flattened.
    subscript<Wrapped>(safe index: Int) -> Wrapped? where Element == Wrapped? {
        indices.contains(index) ? self[index] : nil
    }
}
