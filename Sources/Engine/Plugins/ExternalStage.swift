import Foundation
import PluginAPI

/// Runs an external plugin: one process per item, the JSON request on stdin, JSON lines
/// on stdout (design §4). Owner: engine-core.
public struct ExternalStage: Stage {
    public var manifest: ExternalPluginManifest

    public init(manifest: ExternalPluginManifest) {
        self.manifest = manifest
    }

    public var descriptor: PluginDescriptor { manifest.descriptor }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        throw StageError("external plugins are not implemented yet")
    }
}
