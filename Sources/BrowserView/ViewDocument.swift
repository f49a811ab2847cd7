public import JSON
public import Lightly

/// Everything the browser view shows of one selection run: the run, its candidate frames with
/// their scores and predicted objects, and the 2-D embedding. ``ViewWriter`` turns it into the
/// view's data files.
public struct ViewDocument: Sendable, Equatable {
    public var run: ViewRun
    /// The score names the grid filters and sorts by, in column order.
    public var scoreNames: [String]
    /// The input datasource's videos, in the frames' order; a frame names its video by index.
    public var videos: [ViewVideo]
    /// The keypoint names and skeleton (0-based index pairs) of the object task's category.
    public var keypointNames: [String]
    public var skeleton: [[Int]]
    /// Every candidate frame of the run, in video order.
    public var frames: [ViewFrame]
    /// The run's 2-D embedding (the report's PCA), when it had embeddings.
    public var embedding: ViewEmbedding?

    public init(
        run: ViewRun, scoreNames: [String], videos: [ViewVideo], keypointNames: [String], skeleton: [[Int]],
        frames: [ViewFrame], embedding: ViewEmbedding?
    ) {
        self.run = run
        self.scoreNames = scoreNames
        self.videos = videos
        self.keypointNames = keypointNames
        self.skeleton = skeleton
        self.frames = frames
        self.embedding = embedding
    }
}

/// The selection run a view shows.
public struct ViewRun: Sendable, Equatable, Codable {
    public var id: String
    public var tag: String
    public var round: Int
    public var created: String?
    /// The Lightly datasource's URL (never with credentials).
    public var datasource: String
    /// The object task whose predictions are drawn.
    public var task: String?
    /// The `selection_config` as given: the frame page explains a pick with its strategies.
    public var selectionConfig: JSONValue

    public init(id: String, tag: String, round: Int, created: String?, datasource: String, task: String?, selectionConfig: JSONValue) {
        self.id = id
        self.tag = tag
        self.round = round
        self.created = created
        self.datasource = datasource
        self.task = task
        self.selectionConfig = selectionConfig
    }

    enum CodingKeys: String, CodingKey {
        case id, tag, round, created, datasource, task, selectionConfig = "selection_config"
    }
}

/// A video of the input datasource, with its frame size (predictions are in its pixels).
public struct ViewVideo: Sendable, Equatable, Codable {
    public var name: String
    /// 0 while none of its frames was decoded.
    public var width: Int
    public var height: Int

    public init(name: String, width: Int, height: Int) {
        self.name = name
        self.width = width
        self.height = height
    }
}

/// One candidate frame.
public struct ViewFrame: Sendable, Equatable {
    /// The Lightly frame name (`clips/game-007-mp4.png`).
    public var name: String
    /// Index into ``ViewDocument/videos``.
    public var video: Int
    /// The frame's index in its video.
    public var index: Int
    public var status: Status
    /// 1-based position in this run's pick order; nil when this run did not pick it.
    public var pick: Int?
    /// The round whose selection picked it (this run's or an earlier one); nil when none did.
    public var round: Int?
    /// Its state in the round ledger (`labelled`, `skipped`, `rejected`), when an import or a
    /// triage named it.
    public var state: String?
    /// Score name → value; a score the frame has no value of is absent.
    public var scores: [String: Double]
    public var objects: [PictureObject]

    /// What the run did with the frame (`FrameStatus` of the report).
    public enum Status: Int, Sendable, Equatable, Codable {
        case removed = 0, selected = 1, datapool = 2
    }

    public init(
        name: String, video: Int, index: Int, status: Status, pick: Int?, round: Int?, state: String?,
        scores: [String: Double], objects: [PictureObject]
    ) {
        self.name = name
        self.video = video
        self.index = index
        self.status = status
        self.pick = pick
        self.round = round
        self.state = state
        self.scores = scores
        self.objects = objects
    }
}

/// The 2-D embedding: one point per object or frame, naming its frame.
public struct ViewEmbedding: Sendable, Equatable {
    /// `objects` or `frames`.
    public var level: String
    public var explainedVariance: [Double]
    public var points: [(x: Double, y: Double, frame: Int)]

    public init(level: String, explainedVariance: [Double], points: [(x: Double, y: Double, frame: Int)]) {
        self.level = level
        self.explainedVariance = explainedVariance
        self.points = points
    }

    public static func == (lhs: ViewEmbedding, rhs: ViewEmbedding) -> Bool {
        lhs.level == rhs.level && lhs.explainedVariance == rhs.explainedVariance
            && lhs.points.elementsEqual(rhs.points) { $0.x == $1.x && $0.y == $1.y && $0.frame == $1.frame }
    }
}
