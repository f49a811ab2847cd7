import Lightly

/// Where `labels` writes in the Lightly datasource, relative to its root:
///
/// ```
/// .lightly/labels/ledger.json                         the round ledger (written last: the commit point)
/// .lightly/labels/<task>/frames/<frame stem>.json     one frame's labels, prediction format, no scores
/// .lightly/labels/<task>/coco/round-<N>.json          COCO keypoints of the frames labelled in round N
/// .lightly/labels/<task>/coco/all-rounds.json         COCO keypoints of every labelled frame
/// .lightly/labels/<task>/imports/<export sha256>.json one import's provenance
/// ```
///
/// The COCO files' `file_name`s are the PNGs' keys in the same datasource
/// (`.lightly/runs/<run id>/frames/<frame name>`), so a trainer resolves them against its root.
public enum LabelLayout {
    public static let root = ".lightly/labels"
    public static let ledgerFile = ".lightly/labels/ledger.json"

    public static func taskDirectory(_ task: String) -> String { "\(root)/\(task)" }
    /// `.lightly/labels/<task>/frames/<frame stem>.json`
    public static func frameFile(task: String, frame: String) -> String {
        "\(taskDirectory(task))/frames/\(LightlyLayout.sidecarPath(forSample: frame))"
    }
    /// `.lightly/labels/<task>/coco/round-<N>.json`
    public static func roundFile(task: String, round: Int) -> String { "\(taskDirectory(task))/coco/round-\(round).json" }
    /// `.lightly/labels/<task>/coco/all-rounds.json`
    public static func allRoundsFile(task: String) -> String { "\(taskDirectory(task))/coco/all-rounds.json" }
    /// `.lightly/labels/<task>/imports/<sha256>.json`
    public static func importFile(task: String, sha256: String) -> String { "\(taskDirectory(task))/imports/\(sha256).json" }
}

/// One import's provenance (`imports/<sha256>.json`).
public struct ImportRecord: Codable, Sendable, Hashable {
    public var format: LabelFormat
    /// The export file's name as given in `source`.
    public var source: String
    public var sha256: String
    public var task: String
    /// The annotators the tool names, sorted.
    public var annotators: [String]
    /// When this export was first imported (ISO 8601, UTC); a re-import keeps it.
    public var importedAt: String
    /// The frames it labelled, skipped or rejected, by state.
    public var frames: [String: LabelledFrame.State]
    public var warnings: [String]

    public init(format: LabelFormat, source: String, sha256: String, task: String, annotators: [String], importedAt: String,
                frames: [String: LabelledFrame.State], warnings: [String]) {
        self.format = format
        self.source = source
        self.sha256 = sha256
        self.task = task
        self.annotators = annotators
        self.importedAt = importedAt
        self.frames = frames
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case format, source, sha256, task, annotators, importedAt = "imported_at", frames, warnings
    }
}
