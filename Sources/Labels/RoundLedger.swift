/// The round ledger of a Lightly datasource (`.lightly/labels/ledger.json`): what became of each
/// frame an import named. Selection runs say which frames each round selected and the run folders
/// which were exported; the ledger adds the end states (labelled, skipped, rejected). Together
/// they give every selected frame's state: selected → exported → labelled / skipped / rejected,
/// or pending while no import has named it.
public struct RoundLedger: Codable, Sendable, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public var round: Int
        public var runID: String
        public var state: LabelledFrame.State
        public var task: String
        /// SHA-256 of the export that set this state.
        public var source: String
        /// The earlier export this one replaced for the frame, when a corrected export changed it.
        public var replaces: String?

        public init(round: Int, runID: String, state: LabelledFrame.State, task: String, source: String, replaces: String? = nil) {
            self.round = round
            self.runID = runID
            self.state = state
            self.task = task
            self.source = source
            self.replaces = replaces
        }

        enum CodingKeys: String, CodingKey {
            case round, runID = "run_id", state, task, source, replaces
        }
    }

    public var version = 1
    /// By frame name.
    public var frames: [String: Entry] = [:]

    public init() {}

    /// The frames never to select again: labelled or rejected.
    public var settled: Set<String> {
        Set(frames.filter { $0.value.state == .labelled || $0.value.state == .rejected }.keys)
    }

    /// Records an import's frames; a frame whose state came from another export notes which.
    public mutating func record(_ labelled: [LabelledFrame], selected: [String: SelectedFrame], task: String, source: String) {
        for frame in labelled {
            guard let selection = selected[frame.name] else { continue }
            let previous = frames[frame.name]
            let replaces = previous.flatMap { $0.source == source ? $0.replaces : $0.source }
            frames[frame.name] = Entry(round: selection.round, runID: selection.runID, state: frame.state, task: task, source: source, replaces: replaces)
        }
    }
}
