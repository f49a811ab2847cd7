// The project's pickers for the selection-quality harness (bench/selection-quality/run.sh): reads
// frames with their true people (used as predictions: joints with visibility > 0 get confidence
// 1, pose embeddings from keypoints and box) and named `selection_config`s, writes each config's
// picks as frame indices: {"name": [indices], ...}.
import Foundation
import Selection

enum QualityPicks {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(input: URL, output: URL) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: input)) as? [String: Any],
              let frameList = root["frames"] as? [[String: Any]], let jobs = root["configs"] as? [[String: Any]] else {
            throw Failure(description: "\(input.path): expected {\"frames\": [...], \"configs\": [...]}")
        }
        let inputs = try selectionInputs(frameList)
        var picks: [String: [Int]] = [:]
        for job in jobs {
            guard let name = job["name"] as? String, let config = job["config"] else {
                throw Failure(description: "\(input.path): a config without 'name' or 'config'")
            }
            let decoded = try JSONDecoder().decode(SelectionConfig.self, from: JSONSerialization.data(withJSONObject: config))
            picks[name] = try Selector.select(decoded, inputs: inputs).selectedFrames
        }
        try JSONSerialization.data(withJSONObject: picks, options: [.sortedKeys]).write(to: output)
    }

    static func selectionInputs(_ frameList: [[String: Any]]) throws -> SelectionInputs {
        var frames: [Frame] = [], detections: [[Detection]] = [], embeddings: [[Float]] = []
        for item in frameList {
            guard let name = item["name"] as? String, let video = item["video"] as? String, let index = item["index"] as? Int,
                  let people = item["people"] as? [[String: Any]] else {
                throw Failure(description: "a frame needs name, video, index and people: \(item)")
            }
            frames.append(Frame(name: name, video: video, metadata: ["video_name": .string(video)], index: index))
            var frameDetections: [Detection] = []
            for person in people {
                guard var keypoints = person["keypoints"] as? [Double], let box = person["bbox"] as? [Double] else {
                    throw Failure(description: "frame '\(name)': a person needs keypoints and bbox")
                }
                for joint in 0 ..< keypoints.count / 3 { keypoints[3 * joint + 2] = keypoints[3 * joint + 2] > 0 ? 1 : 0 }
                frameDetections.append(Detection(categoryID: 0, score: 1, keypoints: keypoints))
                embeddings.append(PoseEmbedding.make(keypoints: keypoints, box: box))
            }
            detections.append(frameDetections)
        }
        let task = TaskPredictions(
            name: "pose", type: .keypointDetection, categories: [0: "person"], detections: detections,
            objectEmbeddings: try EmbeddingMatrix(rows: embeddings))
        return SelectionInputs(frames: frames, tasks: [task])
    }
}
