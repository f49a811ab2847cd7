import Foundation
import PluginAPI

/// Reads a pipeline file, resolves `${params.…}`, and validates it against the registry
/// before anything runs.
///
/// ```swift
/// let registry = try PluginRegistry(builtins: BuiltinStages.all, pluginsDirectory: dir.appendingPathComponent("plugins"))
/// let pipeline = try PipelineLoader(registry: registry).load(URL(fileURLWithPath: "volleyball.yaml"))
/// ```
public struct PipelineLoader: Sendable {
    public var registry: PluginRegistry

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// Loads and validates.
    ///
    /// Messages name the file as `fileURL.relativePath` (the path as the user gave it).
    /// Stages come back in file order with `with:` type-checked, `${params.…}` resolved,
    /// defaults filled in and durations in seconds.
    ///
    /// - Throws: ``PipelineError`` listing every problem as `file:line:col: message`, in file order.
    public func load(_ fileURL: URL) throws -> Pipeline {
        let file = fileURL.relativePath
        let text: String
        do {
            guard FileManager.default.fileExists(atPath: fileURL.path) else { throw CocoaError(.fileReadNoSuchFile) }
            text = try String(contentsOf: fileURL, encoding: .utf8)
        } catch {
            let reason = (error as? CocoaError)?.code == .fileReadNoSuchFile ? "no such file" : error.localizedDescription
            throw PipelineError(diagnostics: [
                Diagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "cannot read pipeline file: \(reason)")
            ])
        }
        let root = try YAMLComposer.compose(text, file: file).get()
        var reader = PipelineDraftReader(file: file)
        let draft = reader.read(root)

        let absolute = fileURL.standardizedFileURL
        let directory = absolute.deletingLastPathComponent()
        let workdir = PipelinePath.resolve(draft.workdir?.value ?? ".orchestrate", against: directory, isDirectory: true)

        var validator = PipelineValidator(registry: registry, draft: draft, directory: directory, workdir: workdir, file: file)
        let stages = validator.validate()

        var problems = reader.problems
        problems.append(contentsOf: validator.problems.diagnostics)
        guard problems.diagnostics.isEmpty else { throw PipelineError(diagnostics: problems.sorted) }
        return Pipeline(
            name: draft.name ?? absolute.deletingPathExtension().lastPathComponent,
            fileURL: absolute, directory: directory, workdir: workdir, params: draft.params, stages: stages
        )
    }
}
