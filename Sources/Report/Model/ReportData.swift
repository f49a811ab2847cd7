import Foundation
public import JSON
public import Lightly

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
    /// The selected frames' pictures with their predicted objects, in pick order.
    public var selectedFrames: [FramePicture]
    /// Crops of the objects in the selected frames.
    public var gallery: [GalleryCrop]
    /// The labelling rounds before this run, oldest first (empty for a first round).
    public var rounds: [RoundRecord]

    public init(
        run: RunInformation, stages: [StageSummary] = [], frames: [FrameRecord],
        videoTarget: [String: Double]? = nil, embedding: EmbeddingView? = nil,
        selectedFrames: [FramePicture] = [], gallery: [GalleryCrop] = [], rounds: [RoundRecord] = []
    ) {
        self.version = Self.currentVersion
        self.run = run
        self.stages = stages
        self.frames = frames
        self.videoTarget = videoTarget
        self.embedding = embedding
        self.selectedFrames = selectedFrames
        self.gallery = gallery
        self.rounds = rounds
    }

    /// Derived numbers: dataset sizes and distribution metrics (written to `report.json`, never read).
    public var statistics: Statistics { Statistics(self) }

    enum CodingKeys: String, CodingKey {
        case version, run, stages, frames, videoTarget = "video_target", embedding
        case selectedFrames = "selected_frames", gallery, rounds, statistics
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
        selectedFrames = try container.decodeIfPresent([FramePicture].self, forKey: .selectedFrames) ?? []
        gallery = try container.decodeIfPresent([GalleryCrop].self, forKey: .gallery) ?? []
        rounds = try container.decodeIfPresent([RoundRecord].self, forKey: .rounds) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(run, forKey: .run)
        try container.encode(stages, forKey: .stages)
        try container.encode(frames, forKey: .frames)
        try container.encodeIfPresent(videoTarget, forKey: .videoTarget)
        try container.encodeIfPresent(embedding, forKey: .embedding)
        try container.encode(selectedFrames, forKey: .selectedFrames)
        try container.encode(gallery, forKey: .gallery)
        if !rounds.isEmpty { try container.encode(rounds, forKey: .rounds) }
        try container.encode(statistics, forKey: .statistics)
    }
}

/// One labelling round as a later selection run sees it: how many frames were labelled (the round
/// ledger) and how the model trained on the labels so far scored on the audit set (`train`'s
/// `metrics.json`), when known. Round 0 is the starting model, before any label.
public struct RoundRecord: Sendable, Equatable, Codable {
    public var round: Int
    /// Frames labelled in this round.
    public var labelled: Int
    /// Frames labelled in this round and every round before it.
    public var labelledSoFar: Int
    /// The audit scores of the model trained on the labels so far; nil when no `train` upstream
    /// of the run scored one.
    public var model: AuditScores?

    public init(round: Int, labelled: Int, labelledSoFar: Int, model: AuditScores? = nil) {
        self.round = round
        self.labelled = labelled
        self.labelledSoFar = labelledSoFar
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case round, labelled, labelledSoFar = "labelled_so_far", model
    }
}

/// A model's COCO average precision on a labelled audit set (pycocotools, the default OKS sigmas).
public struct AuditScores: Sendable, Equatable, Codable {
    public var keypointAP: Double
    public var boxAP: Double

    public init(keypointAP: Double, boxAP: Double) {
        self.keypointAP = keypointAP
        self.boxAP = boxAP
    }

    enum CodingKeys: String, CodingKey {
        case keypointAP = "keypoint_ap", boxAP = "box_ap"
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

/// One step of the selection run (loading, selecting, writing frames…).
public struct StageSummary: Sendable, Equatable, Codable {
    public var name: String
    /// What entered the step and what it kept, counted in `inputUnit` and `keptUnit`.
    public var input: Int
    public var kept: Int
    /// What `input` and `kept` count (`files`, `frames`); when they differ, nothing was "removed".
    public var inputUnit: String
    public var keptUnit: String
    /// One sentence saying what the counts are, when the name alone does not.
    public var detail: String?
    /// Wall time of the step; nil when not recorded.
    public var seconds: Double?

    public init(
        name: String, input: Int, kept: Int, inputUnit: String = "frames", keptUnit: String = "frames",
        detail: String? = nil, seconds: Double? = nil
    ) {
        self.name = name
        self.input = input
        self.kept = kept
        self.inputUnit = inputUnit
        self.keptUnit = keptUnit
        self.detail = detail
        self.seconds = seconds
    }

    /// What the step dropped; nil when it counts other things than it takes in.
    public var removed: Int? { inputUnit == keptUnit ? input - kept : nil }

    enum CodingKeys: String, CodingKey {
        case name, input, kept, inputUnit = "input_unit", keptUnit = "kept_unit", detail, seconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        input = try container.decode(Int.self, forKey: .input)
        kept = try container.decode(Int.self, forKey: .kept)
        inputUnit = try container.decodeIfPresent(String.self, forKey: .inputUnit) ?? "frames"
        keptUnit = try container.decodeIfPresent(String.self, forKey: .keptUnit) ?? "frames"
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        seconds = try container.decodeIfPresent(Double.self, forKey: .seconds)
    }
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

/// A selected frame as the report shows it: the whole picture with the object task's predictions.
public struct FramePicture: Sendable, Equatable, Codable {
    /// The frame PNG, relative to the run folder (`frames/clip-012-mp4.png`).
    public var path: String
    /// The Lightly frame name (`clip-012-mp4.png`).
    public var frame: String
    /// 1-based position in the pick order.
    public var pick: Int
    /// The predicted objects, in frame pixels; empty for a frame without detections.
    public var objects: [PictureObject]

    public init(path: String, frame: String, pick: Int, objects: [PictureObject]) {
        self.path = path
        self.frame = frame
        self.pick = pick
        self.objects = objects
    }
}
