/// Options of one selection run that are not part of `selection_config`.
public struct SelectionOptions: Sendable, Hashable {
    /// Seeds RANDOM inputs without `random_seed` and the tie-break order; 0 by default.
    public var seed: UInt64
    /// `selected_sequence_length`: select runs of this many consecutive frames of one video.
    public var sequenceLength: Int
    /// Re-evaluate only the candidates that can still win a step (the default). False evaluates
    /// every candidate at every step: the same picks, far slower; for verification and benchmarks.
    public var evaluatesLazily: Bool

    public init(seed: UInt64 = 0, sequenceLength: Int = 1, evaluatesLazily: Bool = true) {
        self.seed = seed
        self.sequenceLength = sequenceLength
        self.evaluatesLazily = evaluatesLazily
    }
}

/// What a selection run picked, in pick order, and why.
public struct SelectionResult: Sendable {
    /// One greedy step: a frame, or a sequence of frames.
    public struct Pick: Sendable, Hashable {
        /// Frame indices into ``SelectionInputs/frames``.
        public var frames: [Int]
        /// Per strategy entry, the factor this pick had before its strength was applied: WEIGHTS,
        /// SIMILARITY, TYPICALITY and BALANCE factors in (0, 1]; for DIVERSITY the raw distance to the
        /// nearest already-selected embedding (infinity when nothing was selected before); 1 for
        /// THRESHOLD.
        public var factors: [Double]
        /// log of the product Π factorˢᵗʳᵉⁿᵍᵗʰ that won the step (only comparable within a step).
        public var logScore: Double
    }

    /// Why the selection ended.
    public enum StopReason: String, Sendable, Hashable {
        case reachedCount = "reached_count"
        case minimumDistance = "minimum_distance"
        case maxSum = "max_sum"
        case exhausted = "exhausted"
    }

    public var picks: [Pick]
    /// Per strategy entry, the scalar input value of every frame (SCORES, numeric METADATA,
    /// CATEGORY_COUNT, RANDOM); nil for embedding and categorical inputs.
    public var inputValues: [[Double]?]
    /// Things the caller should tell the user (more samples asked than exist, unused keys, ...).
    public var warnings: [String]
    public var stopReason: StopReason

    /// The selected frame indices in pick order, datapool excluded.
    public var selectedFrames: [Int] { picks.flatMap(\.frames) }
}
