import Foundation

/// The parts of the `train` plugin's `metrics.json` (plugins/train/train.py, docs/stages/train.md)
/// that a selection report shows: how many frames the model was trained on, and the audit set's
/// scores of the starting and the trained model. Unknown keys (the loss per step) are ignored.
struct TrainMetrics: Decodable, Sendable, Hashable {
    struct Scores: Decodable, Sendable, Hashable {
        var boxAP: Double
        var keypointAP: Double

        enum CodingKeys: String, CodingKey {
            case boxAP = "box_ap", keypointAP = "keypoint_ap"
        }
    }

    struct Audit: Decodable, Sendable, Hashable {
        var start: Scores
        var trained: Scores
    }

    static let fileName = "metrics.json"

    var labelledFrames: Int
    var steps: Int
    /// Present when `train` had an `audit` set.
    var audit: Audit?

    enum CodingKeys: String, CodingKey {
        case labelledFrames = "labelled_frames", steps, audit
    }

    /// Every `metrics.json` of the upstream outputs (an item folder, or a gather's folder of
    /// item folders) that reads as train's, fewest labelled frames first; `skipped` names the
    /// files of that name that do not.
    static func find(in inputs: [String: URL]) -> (metrics: [TrainMetrics], skipped: [String]) {
        var found: [TrainMetrics] = [], skipped: [String] = []
        for stage in inputs.keys.sorted() {
            guard let folder = inputs[stage] else { continue }
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            let candidates = [folder.appendingPathComponent(fileName)] + children.map { folder.appendingPathComponent("\($0)/\(fileName)") }
            for url in candidates where FileManager.default.fileExists(atPath: url.path) {
                if let metrics = try? JSONDecoder().decode(TrainMetrics.self, from: Data(contentsOf: url)) {
                    found.append(metrics)
                } else {
                    skipped.append(url.path)
                }
            }
        }
        return (found.sorted { $0.labelledFrames < $1.labelledFrames }, skipped)
    }
}
