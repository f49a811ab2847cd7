/// A Lightly `selection_config` (API `SelectionConfigV4`): how many samples to select and the
/// strategies that decide which.
///
/// Read it from the snake_case form the Lightly docs use, as a parameter's `JSONValue`
/// (``init(parsing:)``) or JSON text (`Decodable`); either throws a ``SelectionError`` at the key
/// path of the first problem, with a "did you mean" for misspelt keys and values:
///
/// ```swift
/// let config = try SelectionConfig(parsing: parameters["selection_config"]!)
/// let issues = config.validate(against: inputs)   // tasks, scores, metadata keys
/// ```
public struct SelectionConfig: Sendable, Hashable {
    /// How many samples to select.
    public enum Size: Sendable, Hashable {
        /// `n_samples`: an absolute number of frames; −1 means no limit (other stopping conditions end
        /// the selection).
        case count(Int)
        /// `proportion_samples`: a fraction in [0, 1] of the input frames.
        case proportion(Double)
    }

    public var size: Size
    /// At least one entry; order does not matter.
    public var strategies: [StrategyEntry]
    /// `lightly_path_regex`: accepted for compatibility and not used.
    public var lightlyPathRegex: String?
    /// `auto_tasks`: accepted (TILING only) and validated; no strategy can use them yet.
    public var autoTasks: [AutoTask]
    /// `constraints`: hard per-video limits on the selected set (not a Lightly key).
    public var constraints: SelectionConstraints?
    /// `round` (not a Lightly key): the selection round, 1 when absent. It changes nothing in the
    /// selection itself; a caller that names runs by their config (the `schedule` stage) gets a new
    /// run for the same data, whose datapool holds the earlier rounds' picks.
    public var round: Int?

    public init(
        size: Size, strategies: [StrategyEntry], lightlyPathRegex: String? = nil, autoTasks: [AutoTask] = [],
        constraints: SelectionConstraints? = nil, round: Int? = nil
    ) {
        self.size = size
        self.strategies = strategies
        self.lightlyPathRegex = lightlyPathRegex
        self.autoTasks = autoTasks
        self.constraints = constraints
        self.round = round
    }
}

/// `selection_config.constraints`: limits every selected set meets exactly, the video being the
/// frame's source video. They count this run's picks only (not the datapool).
public struct SelectionConstraints: Sendable, Hashable {
    /// `per_video_min`: at least this many frames of every video that has candidates.
    public var perVideoMin: Int?
    /// `per_video_max`: at most this many frames of any video.
    public var perVideoMax: Int?
    /// `min_frame_gap`: two selected frames of one video are at least this many frames apart
    /// (by frame index in the video, ``Frame/index``).
    public var minFrameGap: Int?

    public init(perVideoMin: Int? = nil, perVideoMax: Int? = nil, minFrameGap: Int? = nil) {
        self.perVideoMin = perVideoMin
        self.perVideoMax = perVideoMax
        self.minFrameGap = minFrameGap
    }
}

/// One `{input, strategy}` pair of a selection config.
public struct StrategyEntry: Sendable, Hashable {
    public var input: SelectionInput
    public var strategy: SelectionStrategy

    public init(input: SelectionInput, strategy: SelectionStrategy) {
        self.input = input
        self.strategy = strategy
    }
}

/// What a strategy is computed on (`input.type` and its fields).
public enum SelectionInput: Sendable, Hashable {
    /// `EMBEDDINGS`: frame embeddings, or with `task` the object embeddings of that task.
    case embeddings(task: String?)
    /// `EMBEDDINGS` with `dataset_id` and `tag_name`: the query set of SIMILARITY.
    case queryEmbeddings(datasetID: String, tagName: String)
    /// `SCORES`: an active-learning score of a prediction task.
    case scores(task: String, score: String)
    /// `METADATA`: a metadata value by its schema path.
    case metadata(key: String)
    /// `PREDICTIONS`: the class distribution or category count of a task's predictions.
    case predictions(task: String, name: PredictionsName, categories: [String]?)
    /// `RANDOM`: a uniform value in [0, 1) per frame; the run's seed when `random_seed` is absent.
    case random(seed: Int?)

    /// The `input.type` spelling.
    public var typeName: String {
        switch self {
        case .embeddings, .queryEmbeddings: "EMBEDDINGS"
        case .scores: "SCORES"
        case .metadata: "METADATA"
        case .predictions: "PREDICTIONS"
        case .random: "RANDOM"
        }
    }
}

/// `input.name` of a PREDICTIONS input.
public enum PredictionsName: String, Sendable, Hashable, CaseIterable {
    /// The sum of the class-probability vectors (one-hot of `category_id` without probabilities).
    case classDistribution = "CLASS_DISTRIBUTION"
    /// The number of predictions, restricted to `categories` when given.
    case categoryCount = "CATEGORY_COUNT"
}

/// A strategy (`strategy.type` and its fields).
public struct SelectionStrategy: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case diversity = "DIVERSITY"
        case weights = "WEIGHTS"
        case threshold = "THRESHOLD"
        case balance = "BALANCE"
        case similarity = "SIMILARITY"
        case typicality = "TYPICALITY"
    }

    public enum ThresholdOperation: String, Sendable, Hashable, CaseIterable {
        case smaller = "SMALLER"
        case smallerEqual = "SMALLER_EQUAL"
        case bigger = "BIGGER"
        case biggerEqual = "BIGGER_EQUAL"

        /// Whether `value` passes; NaN never does.
        public func passes(_ value: Double, threshold: Double) -> Bool {
            switch self {
            case .smaller: value < threshold
            case .smallerEqual: value <= threshold
            case .bigger: value > threshold
            case .biggerEqual: value >= threshold
            }
        }
    }

    public enum BalanceDistribution: String, Sendable, Hashable, CaseIterable {
        case target = "TARGET"
        case uniform = "UNIFORM"
        case input = "INPUT"
    }

    public var kind: Kind
    /// The exponent of this strategy's factor in the product; 1 by default, 0 disables the factor,
    /// a negative value inverts the preference. Ignored by THRESHOLD.
    public var strength: Double
    /// DIVERSITY `stopping_condition_minimum_distance` (raw Euclidean distance).
    public var minimumDistance: Double?
    /// WEIGHTS `stopping_condition_max_sum`.
    public var maxSum: Double?
    /// WEIGHTS `target_range` (`min_sum`...`max_sum`).
    public var targetRange: ClosedRange<Double>?
    /// THRESHOLD `threshold` and `operation`.
    public var threshold: Double?
    public var operation: ThresholdOperation?
    /// BALANCE `target`: category name → fraction; fractions sum to at most 1.
    public var target: [String: Double]?
    /// BALANCE `distribution`; TARGET when absent.
    public var distribution: BalanceDistribution?
    /// TYPICALITY `num_nearest_neighbors`; 20 when absent.
    public var nearestNeighbors: Int?
    /// TYPICALITY `stopping_condition_minimum_typicality`.
    public var minimumTypicality: Double?

    public init(
        kind: Kind, strength: Double = 1, minimumDistance: Double? = nil, maxSum: Double? = nil,
        targetRange: ClosedRange<Double>? = nil, threshold: Double? = nil, operation: ThresholdOperation? = nil,
        target: [String: Double]? = nil, distribution: BalanceDistribution? = nil,
        nearestNeighbors: Int? = nil, minimumTypicality: Double? = nil
    ) {
        self.kind = kind
        self.strength = strength
        self.minimumDistance = minimumDistance
        self.maxSum = maxSum
        self.targetRange = targetRange
        self.threshold = threshold
        self.operation = operation
        self.target = target
        self.distribution = distribution
        self.nearestNeighbors = nearestNeighbors
        self.minimumTypicality = minimumTypicality
    }
}

/// An `auto_tasks` entry: a synthetic TILING task.
public struct AutoTask: Sendable, Hashable {
    public var name: String
    public var rows: Int
    public var columns: Int
    public var overlap: Double

    public init(name: String, rows: Int, columns: Int, overlap: Double = 0) {
        self.name = name
        self.rows = rows
        self.columns = columns
        self.overlap = overlap
    }
}
