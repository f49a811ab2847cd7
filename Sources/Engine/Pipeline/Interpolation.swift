import Foundation
import PluginAPI

/// The item-level values `${item.path}`, `${item.name}`, `${item.stem}`, `${out}` and
/// `${in.STAGE}` resolve to. Owner: engine-front.
public struct InterpolationScope: Sendable {
    public var params: [String: JSONValue]
    /// The item's source file, when it descends from a `foreach` match.
    public var itemPath: URL?
    public var itemKey: String
    public var outputDirectory: URL?
    public var inputs: [String: URL]

    public init(
        params: [String: JSONValue], itemPath: URL?, itemKey: String,
        outputDirectory: URL?, inputs: [String: URL]
    ) {
        self.params = params
        self.itemPath = itemPath
        self.itemKey = itemKey
        self.outputDirectory = outputDirectory
        self.inputs = inputs
    }
}

/// Resolves `${…}` references inside strings of a JSON value. Owner: engine-front.
public enum Interpolation {
    public static func resolve(_ value: JSONValue, in scope: InterpolationScope) throws -> JSONValue {
        value
    }
}
