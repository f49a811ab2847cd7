public import JSON

/// A failure of the selection module: an invalid `selection_config`, inputs that do not fit it,
/// or inputs that contradict each other.
public struct SelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The configuration is malformed (unknown key, wrong type, value out of range).
        public static let invalidConfig = Code("invalid_config")
        /// The configuration names something the inputs lack (task, score, metadata key).
        public static let configMismatch = Code("config_mismatch")
        /// The inputs are inconsistent (array lengths, embedding dimensions).
        public static let invalidInput = Code("invalid_input")
    }

    public var code: Code
    /// Every problem found; `message` is their lines joined.
    public var issues: [ConfigIssue]
    public var message: String { issues.map(\.description).joined(separator: "\n") }

    public init(_ code: Code, issues: [ConfigIssue]) {
        self.code = code
        self.issues = issues
    }

    public init(_ code: Code, at location: ConfigIssue.Location, _ message: String) {
        self.init(code, issues: [ConfigIssue(location, message)])
    }

    public var description: String { message }
}

/// One problem in a `selection_config`, located by its key path
/// (`strategies[2].strategy.type`), or a problem of the inputs alone.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// Where a problem is.
    public enum Location: Sendable, Hashable {
        /// A key path inside `selection_config`; the empty path for the whole config.
        case config(JSONPath)
        /// The inputs, whatever the config says.
        case inputs
    }

    public var location: Location
    public var message: String

    public init(_ location: Location, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `strategies[2].strategy.type: message`; `selection_config: …` for the whole config,
    /// `inputs: …` for the inputs.
    public var description: String {
        switch location {
        case .config(let path): "\(path.components.isEmpty ? "selection_config" : path.description): \(message)"
        case .inputs: "inputs: \(message)"
        }
    }
}
