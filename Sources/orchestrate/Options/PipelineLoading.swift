import ArgumentParser
import Engine
import Foundation
import Stages

/// How the CLI builds the plugin registry and loads pipelines; every command uses these, so
/// problems print and exit the same way everywhere (exit status 2).
enum PipelineLoading {
    /// The built-in stages, `exec`, and the external plugins in `plugins/` beside the pipeline
    /// (or in the current directory's `plugins/` when `pipelinePath` is `nil`).
    ///
    /// - Throws: `ExitCode(2)` after printing the problems of broken `plugin.yaml` files.
    static func registry(forPipelineAt pipelinePath: String?) throws -> PluginRegistry {
        let folder = pipelinePath.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        let plugins = URL(fileURLWithPath: folder.isEmpty ? "plugins" : folder + "/plugins", isDirectory: true)
        return try exitingOnProblems { try PluginRegistry(builtins: BuiltinStages.all, pluginsDirectory: plugins) }
    }

    /// Loads and validates the pipeline at `path` (as the user wrote it: messages name it so).
    ///
    /// - Throws: `ExitCode(2)` after printing every problem to stderr.
    static func load(_ path: String) throws -> (pipeline: Pipeline, registry: PluginRegistry) {
        let registry = try registry(forPipelineAt: path)
        let pipeline = try exitingOnProblems { try PipelineLoader(registry: registry).load(URL(fileURLWithPath: path)) }
        return (pipeline, registry)
    }

    /// Runs `body`, turning a ``PipelineError`` into its lines on stderr and exit status 2.
    static func exitingOnProblems<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PipelineError {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
    }
}
