import Foundation
import JSON
import PluginAPI

/// Built-in stages, the engine's own `exec`, and the external plugins found in
/// `plugins/<id>/plugin.yaml`.
public struct PluginRegistry: Sendable {
    public private(set) var stages: [String: any Stage]

    /// Registers `builtins`, the engine's own `exec`, and every external plugin under
    /// `pluginsDirectory` (when given and present): each sub-folder holding a `plugin.yaml`.
    ///
    /// - Throws: ``PipelineError`` listing every problem of every `plugin.yaml`
    ///   (`file:line:col: message`), including an id that is already taken.
    public init(builtins: [any Stage], pluginsDirectory: URL?) throws {
        stages = [:]
        for stage in builtins + [ExecStage()] { stages[stage.descriptor.id] = stage }
        guard let pluginsDirectory else { return }
        var diagnostics: [Diagnostic] = []
        for manifestURL in try Self.manifestFiles(in: pluginsDirectory) {
            do {
                let manifest = try ExternalPluginManifest.load(manifestURL)
                if stages[manifest.descriptor.id] != nil {
                    diagnostics.append(Diagnostic(
                        location: SourceLocation(file: manifestURL.relativePath, line: 1, column: 1),
                        message: "plugin id '\(manifest.descriptor.id)' is already taken by a built-in plugin"))
                    continue
                }
                stages[manifest.descriptor.id] = ExternalStage(manifest: manifest)
            } catch let error as PipelineError {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw PipelineError(diagnostics: diagnostics) }
    }

    public func stage(id: String) -> (any Stage)? { stages[id] }

    /// Every plugin, sorted by id.
    public var all: [any Stage] { stages.keys.sorted().compactMap { stages[$0] } }

    /// Whether `stage` maps or gathers: its plugin's declared mode, except that a plugin with a
    /// boolean `gather` parameter (such as `exec`) gathers when `with: {gather: true}`.
    /// `nil` for an unknown plugin.
    public func mode(of stage: StageSpec) -> PluginDescriptor.Mode? {
        self.stage(id: stage.uses).map { Self.mode(of: $0.descriptor, with: stage.with) }
    }

    /// The mode of a plugin given a stage's `with:` values.
    public static func mode(of descriptor: PluginDescriptor, with: [String: JSONValue]) -> PluginDescriptor.Mode {
        guard let gather = descriptor.parameters.first(where: { $0.name == "gather" && $0.type == .boolean }) else {
            return descriptor.mode
        }
        let value = with["gather"]?.boolValue ?? gather.defaultValue?.boolValue ?? false
        return value ? .gather : .map
    }

    /// `plugins/<id>/plugin.yaml` files, in bytewise order of folder name.
    private static func manifestFiles(in directory: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { directory.appendingPathComponent($0).appendingPathComponent("plugin.yaml") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}
