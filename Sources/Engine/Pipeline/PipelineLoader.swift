import Foundation
import PluginAPI

/// Reads a pipeline file, resolves `${params.…}`, and validates it against the registry
/// before anything runs (design §3). Owner: engine-front.
public struct PipelineLoader: Sendable {
    public var registry: PluginRegistry

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// Loads and validates; throws ``PipelineError`` listing every problem as `file:line:col: message`.
    public func load(_ fileURL: URL) throws -> Pipeline {
        throw PipelineError(diagnostics: [
            Diagnostic(location: SourceLocation(file: fileURL.path, line: 1, column: 1), message: "not implemented")
        ])
    }
}

/// One validation problem.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): error: \(message)" }
}

/// An invalid pipeline: every problem found, in file order.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
