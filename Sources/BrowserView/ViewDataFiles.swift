import Foundation
import JSON
import Lightly

/// The view's data files, `data/*.js`: each is one call `orchestrateView.receive("NAME", JSON);`,
/// so that a page opened from `file://` loads them with `<script>` tags (a `fetch` of a local
/// file is refused there). The page loads the manifest first, then the first frame shard (its
/// tiles paint at once), then every other frame shard (the grid filters and counts need all
/// frames), and object shards only for the tiles on screen.
enum ViewDataFiles {
    /// Frames per frame shard (names, videos, states and scores of every frame: small).
    static let framesPerShard = 10_000
    /// Frames per object shard (the predictions: about 1 KB per person, loaded on demand).
    static let framesPerObjectShard = 500

    static func frameShardName(_ shard: Int) -> String { "frames-" + padded(shard) }
    static func objectShardName(_ shard: Int) -> String { "objects-" + padded(shard) }
    static let manifestName = "manifest"
    static let embeddingName = "embedding"

    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The script text of data file `name`.
    static func script<Value: Encodable>(_ name: String, _ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return script(name, json: try encoder.encode(value))
    }

    /// The script text of data file `name` holding `json`.
    static func script(_ name: String, json: Data) -> Data {
        var data = Data("orchestrateView.receive(\"\(name)\", ".utf8)
        data.append(json)
        data.append(Data(");\n".utf8))
        return data
    }

    /// `manifest`: what the page needs before any shard.
    struct Manifest: Encodable {
        var version = 1
        var run: ViewRun
        var frameCount: Int
        var framesPerShard: Int
        var framesPerObjectShard: Int
        var scoreNames: [String]
        var videos: [ViewVideo]
        var keypointNames: [String]
        var skeleton: [[Int]]
        var hasEmbedding: Bool

        enum CodingKeys: String, CodingKey {
            case version, run, frameCount = "frame_count", framesPerShard = "frames_per_shard"
            case framesPerObjectShard = "frames_per_object_shard", scoreNames = "score_names", videos
            case keypointNames = "keypoint_names", skeleton, hasEmbedding = "has_embedding"
        }
    }

    /// `frames-NNNN`: frames `[shard × framesPerShard, …)`, one array per field.
    struct FrameShard: Encodable {
        var first: Int
        var names: [String]
        var videos: [Int]
        var indices: [Int]
        var statuses: [Int]
        /// 0: not picked by this run.
        var picks: [Int]
        /// 0: no round picked it.
        var rounds: [Int]
        /// "" when the ledger does not name the frame.
        var states: [String]
        var objectCounts: [Int]
        /// Score name → one value per frame, null where the frame has none.
        var scores: [String: [Double?]]

        init(first: Int, frames: ArraySlice<ViewFrame>, scoreNames: [String]) {
            self.first = first
            names = frames.map(\.name)
            videos = frames.map(\.video)
            indices = frames.map(\.index)
            statuses = frames.map(\.status.rawValue)
            picks = frames.map { $0.pick ?? 0 }
            rounds = frames.map { $0.round ?? 0 }
            states = frames.map { $0.state ?? "" }
            objectCounts = frames.map(\.objects.count)
            scores = Dictionary(uniqueKeysWithValues: scoreNames.map { name in
                (name, frames.map { frame in frame.scores[name].flatMap { $0.isFinite ? $0 : nil } })
            })
        }

        enum CodingKeys: String, CodingKey {
            case first, names, videos, indices, statuses, picks, rounds, states, objectCounts = "object_counts", scores
        }
    }

    /// `objects-NNNN`: the predicted objects of frames `[shard × framesPerObjectShard, …)`,
    /// coordinates rounded to a tenth of a pixel and confidences to a thousandth.
    struct ObjectShard {
        var first: Int
        var objects: [[PictureObject]]

        init(first: Int, frames: ArraySlice<ViewFrame>) {
            self.first = first
            objects = frames.map { frame in
                frame.objects.map { object in
                    PictureObject(
                        bbox: object.bbox.map { $0.map { Self.rounded($0, 10) } },
                        score: object.score.map { Self.rounded($0, 1000) },
                        keypoints: object.keypoints.enumerated().map { Self.rounded($1, $0 % 3 == 2 ? 1000 : 10) })
                }
            }
        }

        private static func rounded(_ value: Double, _ scale: Double) -> Double {
            value.isFinite ? (value * scale).rounded() / scale : 0
        }

        /// The JSON that `JSONEncoder` with sorted keys writes, written directly: the object shards
        /// hold about 100 numbers a person, and `JSONEncoder` made encoding them most of a re-run.
        var json: Data {
            var text = "{\"first\":\(first),\"objects\":["
            for (frame, people) in objects.enumerated() {
                if frame > 0 { text += "," }
                text += "["
                for (number, person) in people.enumerated() {
                    if number > 0 { text += "," }
                    text += "{"
                    if let bbox = person.bbox { text += "\"bbox\":"; Self.append(bbox, to: &text); text += "," }
                    text += "\"keypoints\":"
                    Self.append(person.keypoints, to: &text)
                    if let score = person.score { text += ",\"score\":"; Self.append(score, to: &text) }
                    text += "}"
                }
                text += "]"
            }
            text += "]}"
            return Data(text.utf8)
        }

        private static func append(_ values: [Double], to text: inout String) {
            text += "["
            for (position, value) in values.enumerated() {
                if position > 0 { text += "," }
                append(value, to: &text)
            }
            text += "]"
        }

        /// A whole number without a fraction, as `JSONEncoder` writes it; others in Swift's
        /// shortest round-trip form. Values are finite (``rounded(_:_:)``).
        private static func append(_ value: Double, to text: inout String) {
            if value == value.rounded(), abs(value) < 1e15 { text += String(Int(value)) } else { text += value.description }
        }
    }

    /// `embedding`: the 2-D points, as parallel arrays.
    struct Embedding: Encodable {
        var level: String
        var explainedVariance: [Double]
        var xs: [Double]
        var ys: [Double]
        var frames: [Int]

        init(_ embedding: ViewEmbedding) {
            level = embedding.level
            explainedVariance = embedding.explainedVariance
            xs = embedding.points.map(\.x)
            ys = embedding.points.map(\.y)
            frames = embedding.points.map(\.frame)
        }

        enum CodingKeys: String, CodingKey {
            case level, explainedVariance = "explained_variance", xs, ys, frames
        }
    }
}
