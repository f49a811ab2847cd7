import Foundation
public import JSON

/// Everything a selection run's report shows: the `report.json` a `schedule` run writes.
///
/// The data are raw (one record per input frame, 2-D embedding points, crop entries);
/// every histogram and metric is derived from them when rendering, so `orchestrate report RUN`
/// can re-render from `report.json` alone. Encoding also writes the derived ``statistics``
/// block (dataset sizes and `mean/std/min/median/max` per distribution, close to the Lightly
/// Worker's `report.json`), which decoding ignores.
///
/// ```swift
/// let data = ReportData(run: run, frames: frames, embedding: view, gallery: crops)
/// try ReportRenderer().render(data, into: runFolder)   // report.json, report.html, report.pdf
/// ```
public struct ReportData: Sendable, Equatable, Codable {
    /// The format of `report.json`; bump when a field changes meaning.
    public static let currentVersion = 1

    public var version: Int
    public var run: RunInformation
    /// Selection steps in order, with their input and kept counts and time.
    public var stages: [StageSummary]
    /// One record per input frame (datapool frames included).
    public var frames: [FrameRecord]
    /// The BALANCE target on `video_name` (video → share in 0…1), when the run had one.
    public var videoTarget: [String: Double]?
    /// A 2-D view of the object (or frame) embeddings, when the run had embeddings.
    public var embedding: EmbeddingView?
    /// Crops of the objects in the selected frames.
    public var gallery: [GalleryCrop]

    public init(
        run: RunInformation, stages: [StageSummary] = [], frames: [FrameRecord],
        videoTarget: [String: Double]? = nil, embedding: EmbeddingView? = nil, gallery: [GalleryCrop] = []
    ) {
        self.version = Self.currentVersion
        self.run = run
        self.stages = stages
        self.frames = frames
        self.videoTarget = videoTarget
        self.embedding = embedding
        self.gallery = gallery
    }

    /// Derived numbers: dataset sizes and distribution metrics (written to `report.json`, never read).
    public var statistics: Statistics { Statistics(self) }

    enum CodingKeys: String, CodingKey {
        case version, run, stages, frames, videoTarget = "video_target", embedding, gallery, statistics
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        guard version == Self.currentVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "unsupported report version \(version) (this build reads \(Self.currentVersion))"
            )
        }
        run = try container.decode(RunInformation.self, forKey: .run)
        stages = try container.decodeIfPresent([StageSummary].self, forKey: .stages) ?? []
        frames = try container.decode([FrameRecord].self, forKey: .frames)
        videoTarget = try container.decodeIfPresent([String: Double].self, forKey: .videoTarget)
        embedding = try container.decodeIfPresent(EmbeddingView.self, forKey: .embedding)
        gallery = try container.decodeIfPresent([GalleryCrop].self, forKey: .gallery) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(run, forKey: .run)
        try container.encode(stages, forKey: .stages)
        try container.encode(frames, forKey: .frames)
        try container.encodeIfPresent(videoTarget, forKey: .videoTarget)
        try container.encodeIfPresent(embedding, forKey: .embedding)
        try container.encode(gallery, forKey: .gallery)
        try container.encode(statistics, forKey: .statistics)
    }
}

/// Who, when and how: the run's identity and configuration.
public struct RunInformation: Sendable, Equatable, Codable {
    public var runId: String
    /// The tag the selection is stored under (`initial-tag` for the first run).
    public var tag: String
    /// When the run started, ISO 8601 (`2026-11-25T15:00:00Z`), when known; also the PDF's
    /// creation date.
    public var created: String?
    /// Datasource URLs (never with credentials).
    public var inputDatasource: String
    public var lightlyDatasource: String
    /// The prediction tasks the run read, sorted; `nil` in reports written before they were recorded.
    public var tasks: [String]?
    /// The `selection_config` as given.
    public var selectionConfig: JSONValue
    /// Wall time of the whole run, seconds; nil when not recorded (a run whose files must be the
    /// same bytes every time keeps its durations elsewhere).
    public var totalSeconds: Double?

    public init(
        runId: String, tag: String, created: String?, inputDatasource: String, lightlyDatasource: String,
        tasks: [String]? = nil, selectionConfig: JSONValue, totalSeconds: Double? = nil
    ) {
        self.runId = runId
        self.tag = tag
        self.created = created
        self.inputDatasource = inputDatasource
        self.lightlyDatasource = lightlyDatasource
        self.tasks = tasks
        self.selectionConfig = selectionConfig
        self.totalSeconds = totalSeconds
    }

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", tag, created, inputDatasource = "input_datasource"
        case lightlyDatasource = "lightly_datasource", tasks, selectionConfig = "selection_config"
        case totalSeconds = "total_seconds"
    }
}

/// One step of the selection run (loading, scoring, selecting, cropping…).
public struct StageSummary: Sendable, Equatable, Codable {
    public var name: String
    /// Samples that entered the step and samples it kept (the rest it removed).
    public var input: Int
    public var kept: Int
    /// Wall time of the step; nil when not recorded.
    public var seconds: Double?

    public init(name: String, input: Int, kept: Int, seconds: Double? = nil) {
        self.name = name
        self.input = input
        self.kept = kept
        self.seconds = seconds
    }

    public var removed: Int { input - kept }
}

/// What became of an input frame.
public enum FrameStatus: String, Sendable, Equatable, Codable {
    /// Picked by this run.
    case selected
    /// Not picked.
    case removed
    /// Picked by an earlier run in the same datasource (counts as selected, not picked again).
    case datapool
}

/// One input frame: its video, object count, status and active-learning scores.
public struct FrameRecord: Sendable, Equatable, Codable {
    /// The Lightly frame name (`clip-012-mp4.png`).
    public var name: String
    /// The video key the frame comes from.
    public var video: String
    public var objects: Int
    public var status: FrameStatus
    /// Score name (`object_frequency`, `objectness_least_confidence`, …) → value.
    public var scores: [String: Double]

    public init(name: String, video: String, objects: Int, status: FrameStatus, scores: [String: Double] = [:]) {
        self.name = name
        self.video = video
        self.objects = objects
        self.status = status
        self.scores = scores
    }
}

/// A crop of one object in a selected frame, for the gallery.
public struct GalleryCrop: Sendable, Equatable, Codable {
    /// The crop PNG, relative to the run folder (`crops/clip-012-mp4-0.png`).
    public var path: String
    public var frame: String
    /// The object's score (the gallery sorts ascending: hardest first).
    public var score: Double
    /// `[x, y, s]*` in crop pixel coordinates (17 COCO keypoints, or none).
    public var keypoints: [Double]

    public init(path: String, frame: String, score: Double, keypoints: [Double]) {
        self.path = path
        self.frame = frame
        self.score = score
        self.keypoints = keypoints
    }
}
