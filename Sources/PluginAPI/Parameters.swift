import Foundation
import JSON

/// Resolved `with:` values of one item. A stage reads them typed, as its ``StageOptions``
/// (`try Options(context.parameters)`); the by-name accessors below serve ``Option`` itself, the
/// engine's `exec` (whose `argv` is a template per item) and tests.
///
/// Validation has already checked every value against the plugin's ``ParameterSpec``s,
/// so reads of declared parameters only fail on programmer errors.
public struct Parameters: Sendable {
    public var values: [String: JSONValue]
    /// Relative `file` and `path` parameters resolve against this directory.
    public var baseDirectory: URL
    /// For each parameter that flows along `needs` (``ParameterSpec/flowsAlongNeeds``), the values
    /// the nearest upstream stages declaring it use, by name, whether or not this stage declares
    /// it: a `schedule` sees the `task` of the `convert` stages above it. Given to
    /// ``Stage/validate(_:)`` by the engine; empty when the stage runs.
    public var upstreamValues: [String: [JSONValue]]
    /// The `file` parameters that are set, by name, as the engine resolved them once for the run
    /// (a template's, once for the item): what an ``Option`` of ``ResolvedFile`` reads. Empty in
    /// ``Stage/validate(_:)``, which runs before anything is hashed.
    public var files: [String: ResolvedFile]
    /// What ``Stage/decodeSettings(_:)`` made of these values when the pipeline loaded
    /// (`schedule`'s typed selection config), handed to every item so that nothing decodes them
    /// again. `nil` for a stage without settings, and where the engine has none to give (a Slurm
    /// worker, a stage whose values hold item-level templates): the stage decodes them then.
    public var settings: (any Sendable)?

    public init(
        values: [String: JSONValue], baseDirectory: URL, upstreamValues: [String: [JSONValue]] = [:],
        files: [String: ResolvedFile] = [:], settings: (any Sendable)? = nil
    ) {
        self.values = values
        self.baseDirectory = baseDirectory
        self.upstreamValues = upstreamValues
        self.files = files
        self.settings = settings
    }

    public subscript(name: String) -> JSONValue? { values[name] }

    /// A string parameter, for the stand-in stages of tests; a stage reads its ``StageOptions``.
    public func string(_ name: String) throws -> String {
        guard let value = values[name]?.stringValue else {
            throw StageError("parameter '\(name)' must be a string", code: .invalidParameter)
        }
        return value
    }
}
