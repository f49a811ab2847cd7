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
    /// Frames per object shard (the predictions, packed: about 150 bytes a person, loaded on demand).
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

    /// `objects-NNNN`: the predicted people of frames `[shard × framesPerObjectShard, …)` as
    /// `{"first": N, "counts": [people per frame], "people": base64}`. The base64 holds 16-bit
    /// little-endian integers, per person: its box (x, y, width, height in quarter pixels), its
    /// score (in thousandths), its joint count, then each joint's x, y (quarter pixels) and
    /// confidence (thousandths); ``absent`` where a person has no box or score. Packed because
    /// the page loads every shard once while the grid scrolls: as JSON objects (about 340 bytes
    /// and a dozen heap objects a person) 100,000 frames left Chromium with 600–700 MB of
    /// garbage it collected late; packed, a person is about 150 bytes and the page decodes a
    /// shard into one typed array.
    struct ObjectShard {
        var first: Int
        var objects: [[PictureObject]]

        /// The value of a box or score a person does not have.
        static let absent = Int16.min
        /// Quarter pixels: 0.25 px is finer than any screen shows a frame, and Int16 reaches 8,191 px.
        private static let pixelScale = 4.0
        private static let fractionScale = 1000.0

        init(first: Int, frames: ArraySlice<ViewFrame>) {
            self.first = first
            objects = frames.map(\.objects)
        }

        var json: Data {
            var values: [Int16] = []
            for person in objects.joined() {
                values += person.bbox.flatMap { $0.count == 4 ? $0.map { Self.packed($0, Self.pixelScale) } : nil }
                    ?? Array(repeating: Self.absent, count: 4)
                values.append(person.score.map { Self.packed($0, Self.fractionScale) } ?? Self.absent)
                values.append(Int16(person.keypoints.count / 3))
                for (position, value) in person.keypoints.enumerated() {
                    values.append(Self.packed(value, position % 3 == 2 ? Self.fractionScale : Self.pixelScale))
                }
            }
            let bytes = values.map(\.littleEndian).withUnsafeBytes { Data($0) }
            let counts = objects.map { String($0.count) }.joined(separator: ",")
            return Data("{\"first\":\(first),\"counts\":[\(counts)],\"people\":\"\(bytes.base64EncodedString())\"}".utf8)
        }

        /// `value × scale`, rounded and clamped to Int16 (never ``absent``); 0 when not finite.
        /// Clamped as a Double: `Int(_:)` of a value past Int's range (a prediction of 1e300) traps.
        private static func packed(_ value: Double, _ scale: Double) -> Int16 {
            guard value.isFinite else { return 0 }
            return Int16(min(Double(Int16.max), max(Double(Int16.min) + 1, (value * scale).rounded())))
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
