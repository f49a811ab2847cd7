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
        switch Self.readText(of: fileURL) {
        case .success(let read): text = read
        case .failure(let problem):
            throw PipelineError(diagnostics: [
                Diagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "cannot read pipeline file: \(problem.reason)")
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
        var pipeline = Pipeline(
            name: draft.name ?? absolute.deletingPathExtension().lastPathComponent,
            fileURL: absolute, directory: directory, workdir: workdir, params: draft.params, stages: stages
        )
        pipeline.executor = draft.executor
        return pipeline
    }

    /// Why a pipeline file could not be read, in words a person can act on.
    struct ReadProblem: Error {
        var reason: String
    }

    /// The file's text; a folder, a device or unreadable bytes say so instead of Foundation's codes.
    static func readText(of fileURL: URL) -> Result<String, ReadProblem> {
        var info = stat()
        guard stat(fileURL.path, &info) == 0 else {
            return .failure(ReadProblem(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)).lowercased()))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(ReadProblem(reason: "it is a folder; name the pipeline's YAML file inside it"))
        default: return .failure(ReadProblem(reason: "it is not a regular file"))
        }
        guard let data = FileManager.default.contents(atPath: fileURL.path) else {
            return .failure(ReadProblem(reason: String(cString: strerror(access(fileURL.path, R_OK) == 0 ? EIO : errno)).lowercased()))
        }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(ReadProblem(reason: "it is not UTF-8 text")) }
        return .success(text)
    }
}
