import Foundation
import Inference
import Lightly

/// The tutorial's `lightly_predictions_from_torch_output`, in Swift.
///
/// torchvision returns float32 tensors, and `detections.json` holds them as `Float`s; the tutorial
/// calls `.tolist()` (float32 → double) and `int()` on them:
/// - keypoints: `[int(x), int(y), sigmoid(s)]` per keypoint, `int` truncating toward zero and the
///   sigmoid computed in float32 (`torch.sigmoid(torch.tensor([s]))`);
/// - `bbox`: `[int(x1), int(y1), int(x2 - x1), int(y2 - y1)]`, the differences in double precision;
/// - `score` and `category_id` as predicted.
enum TutorialConversion {
    struct Failure: Error { var message: String }

    /// The predictions of one frame, skipping detections scored below `scoreThreshold`.
    static func predictions(
        _ frame: Detections, withKeypoints: Bool, keypointCount: Int, scoreThreshold: Double
    ) throws -> [Prediction] {
        let count = frame.boxes.count
        guard frame.labels.count == count, frame.scores.count == count else {
            throw Failure(message: "frame \(frame.index): \(count) boxes, \(frame.labels.count) labels and \(frame.scores.count) scores")
        }
        var predictions: [Prediction] = []
        for detection in 0..<count {
            let score = Double(frame.scores[detection])
            guard score >= scoreThreshold else { continue }
            let box = frame.boxes[detection].map(Double.init)
            guard box.count == 4 else {
                throw Failure(message: "frame \(frame.index), detection \(detection): a box needs 4 numbers, found \(box.count)")
            }
            let bbox = try [box[0], box[1], box[2] - box[0], box[3] - box[1]].map { value in
                Double(try truncated(value, frame: frame.index))
            }
            var prediction = Prediction(categoryID: frame.labels[detection], score: score, bbox: bbox)
            if withKeypoints {
                prediction.keypoints = try keypoints(frame, detection: detection, expected: keypointCount)
            }
            predictions.append(prediction)
        }
        return predictions
    }

    private static func keypoints(_ frame: Detections, detection: Int, expected: Int) throws -> [Double] {
        guard let points = frame.keypoints[safe: detection], let scores = frame.keypointsScores[safe: detection] else {
            throw Failure(message: "frame \(frame.index), detection \(detection): no keypoints or keypoints_scores")
        }
        guard points.count == expected, scores.count == expected else {
            throw Failure(message: "frame \(frame.index), detection \(detection): \(points.count) keypoints and \(scores.count) keypoint scores, expected \(expected)")
        }
        var flat: [Double] = []
        flat.reserveCapacity(3 * expected)
        for (point, logit) in zip(points, scores) {
            guard point.count >= 2 else {
                throw Failure(message: "frame \(frame.index), detection \(detection): a keypoint needs [x, y, visibility]")
            }
            flat.append(Double(try truncated(Double(point[0]), frame: frame.index)))
            flat.append(Double(try truncated(Double(point[1]), frame: frame.index)))
            flat.append(Double(sigmoid(logit)))
        }
        return flat
    }

    /// `torch.sigmoid` on a float32 value.
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// Python's `int()`: truncation toward zero; refuses values no integer can hold.
    static func truncated(_ value: Double, frame: Int) throws -> Int {
        guard value.isFinite, abs(value) < 9e15 else {
            throw Failure(message: "frame \(frame): coordinate \(value) is not a finite pixel position")
        }
        return Int(value.rounded(.towardZero))
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
