import Foundation
import PluginAPI

/// A parsed `plugins/<id>/plugin.yaml` (design §4). Owner: engine-front.
public struct ExternalPluginManifest: Sendable, Hashable {
    public var descriptor: PluginDescriptor
    /// The command to run per item, relative paths resolved against `directory`.
    public var argv: [String]
    /// The plugin's folder.
    public var directory: URL

    public init(descriptor: PluginDescriptor, argv: [String], directory: URL) {
        self.descriptor = descriptor
        self.argv = argv
        self.directory = directory
    }
}
