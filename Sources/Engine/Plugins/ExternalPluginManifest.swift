import Foundation
import PluginAPI

/// A parsed `plugins/<id>/plugin.yaml` (`docs/plugins.md`).
public struct ExternalPluginManifest: Sendable, Hashable {
    public var descriptor: PluginDescriptor
    /// The command to run per item. Elements that start with `./` or `../` are already
    /// resolved to absolute paths inside `directory`; a bare first element (`python3`) is
    /// looked up in `PATH`.
    public var argv: [String]
    /// The plugin's folder.
    public var directory: URL

    public init(descriptor: PluginDescriptor, argv: [String], directory: URL) {
        self.descriptor = descriptor
        self.argv = argv
        self.directory = directory
    }
}
