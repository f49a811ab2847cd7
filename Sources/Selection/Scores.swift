import Foundation

/// Active-learning scores, as the open-source Lightly scorers (pip `lightly` ≤ 1.4.6) computed them.
///
/// Every function is pure and returns finite values (NaN becomes 0, as `np.nan_to_num` does).
public enum Scores {
    /// `object_frequency` defaults of `ScorerObjectDetection`.
    public static let frequencyPenalty = 0.25
    public static let minScore = 0.9

    // MARK: Object detection

    /// `object_frequency` for a batch of frames, each given by the labels of its boxes.
    ///
    /// Per frame, every distinct label counts 1 and every further box of that label
    /// `frequencyPenalty`; the sums are mapped linearly from the batch's [min, max] to
    /// [`minScore`, 1] (`np.interp`, so all frames get 1 when the sums are all equal).
    public static func objectFrequency(
        labels: [[Int]], frequencyPenalty: Double = frequencyPenalty, minScore: Double = minScore
    ) -> [Double] {
        let sums = labels.map { frameLabels -> Double in
            var perLabel: [Int: Double] = [:]
            for label in frameLabels {
                perLabel[label] = perLabel[label].map { $0 + frequencyPenalty } ?? 1
            }
            return perLabel.values.reduce(0, +)
        }
        guard let low = sums.min(), let high = sums.max() else { return [] }
        return sums.map { interpolate($0, from: (low, high), to: (minScore, 1)) }
    }

    /// `objectness_least_confidence`: 1 − the mean box score; 0 for a frame without boxes.
    public static func objectnessLeastConfidence(boxScores: [Double]) -> Double {
        guard !boxScores.isEmpty else { return 0 }
        return finite(1 - boxScores.reduce(0, +) / Double(boxScores.count))
    }

    /// The class-probability vectors of a frame's boxes: the file's `probabilities` when present,
    /// else the scorer's `from_scores` construction: `max(max label, 1) + 1` classes, the score at the
    /// label and `(1 − score) / max(max label, 1)` everywhere else.
    public static func classProbabilities(of detections: [Detection]) -> [[Double]] {
        let classes = max(detections.map(\.categoryID).max() ?? 1, 1)
        return detections.map { detection in
            if let probabilities = detection.probabilities, !probabilities.isEmpty { return probabilities }
            var vector = [Double](repeating: (1 - detection.score) / Double(classes), count: classes + 1)
            if detection.categoryID >= 0, detection.categoryID <= classes { vector[detection.categoryID] = detection.score }
            return vector
        }
    }

    /// The label of each box: the argmax of its probabilities, else its `category_id`.
    public static func labels(of detections: [Detection]) -> [Int] {
        detections.map { detection in
            guard let probabilities = detection.probabilities, let top = probabilities.indices.max(by: {
                probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1)
            }) else { return detection.categoryID }
            return top
        }
    }

    // MARK: Classification (per probability vector, normalised to [0, 1])

    /// `uncertainty_least_confidence`: (1 − max p) / (1 − 1/C).
    public static func leastConfidence(_ probabilities: [Double]) -> Double {
        let p = expanded(probabilities)
        let raw = 1 - (p.max() ?? 0)
        return interpolate(raw, from: (0, 1 - 1 / Double(p.count)), to: (0, 1))
    }

    /// `uncertainty_margin`: 1 − (largest − second largest).
    public static func margin(_ probabilities: [Double]) -> Double {
        let sorted = expanded(probabilities).sorted(by: >)
        let raw = 1 - (sorted[0] - sorted[1])
        return interpolate(raw, from: (0, 1), to: (0, 1))
    }

    /// `uncertainty_entropy`: −Σ p log₂ p / log₂ C.
    public static func entropy(_ probabilities: [Double]) -> Double {
        let p = expanded(probabilities)
        let raw = -p.reduce(0) { $1 > 0 ? $0 + $1 * log2($1) : $0 }
        return interpolate(raw, from: (0, log2(Double(p.count))), to: (0, 1))
    }

    // MARK: Keypoint detection

    /// `mean_uncertainty`: 1 − the mean over instances of the mean keypoint confidence (every third
    /// value of `keypoints`); instances without keypoints are skipped; 0 without instances.
    public static func meanUncertainty(keypoints: [[Double]]) -> Double {
        let means = keypoints.compactMap { flat -> Double? in
            let confidences = stride(from: 2, to: flat.count, by: 3).map { flat[$0] }
            guard !confidences.isEmpty else { return nil }
            return confidences.reduce(0, +) / Double(confidences.count)
        }
        guard !means.isEmpty else { return 0 }
        return finite(1 - means.reduce(0, +) / Double(means.count))
    }

    // MARK: Helpers

    /// `np.interp` with two points: clipped at both ends; the right value when the points coincide.
    static func interpolate(_ x: Double, from xs: (Double, Double), to ys: (Double, Double)) -> Double {
        guard !x.isNaN else { return 0 }
        if x >= xs.1 { return ys.1 }
        if x <= xs.0 { return ys.0 }
        return finite(ys.0 + (x - xs.0) * (ys.1 - ys.0) / (xs.1 - xs.0))
    }

    // A single probability p stands for the two classes [p, 1 − p], as in the scorers.
    static func expanded(_ probabilities: [Double]) -> [Double] {
        switch probabilities.count {
        case 0: [1, 0]
        case 1: [probabilities[0], 1 - probabilities[0]]
        default: probabilities
        }
    }

    static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }
}
