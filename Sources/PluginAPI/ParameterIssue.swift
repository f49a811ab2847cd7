public import JSON

/// A problem with a stage's parameters found by ``Stage/validate(_:)`` before anything runs.
///
/// The engine reports it at the YAML line and column of `path`, so a stage names the deepest
/// key it can: `["selection_config", "strategies", 0, "strategy", "type"]`.
public struct ParameterIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key path from the parameter's name (its first step) to the value at fault.
    public var path: JSONPath
    public var message: String

    public init(_ path: JSONPath, _ message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`, the path written `selection_config.strategies[0].strategy.type`.
    public var description: String { "\(path): \(message)" }
}

/// One or more ``ParameterIssue``s thrown together; run time turns them into a ``StageError``.
public struct ParameterIssues: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [ParameterIssue]

    public init(_ issues: [ParameterIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// The issues as the item failure a stage throws when it meets them at run time.
    public var stageError: StageError { StageError(description, code: .invalidParameter) }
}
