import ArgumentParser
import Engine
import Foundation

/// The pipeline file argument of every command that reads a pipeline.
///
/// ```swift
/// @OptionGroup var options: PipelineOptions
/// let (pipeline, registry) = try options.load()       // validate, graph
/// let session = try options.session(readOnly: true)   // commands that read the cache
/// ```
struct PipelineOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp("The pipeline file.", valueName: "pipeline.yaml"),
        completion: .file(extensions: ["yaml", "yml"])
    )
    var pipelinePath: String

    /// Loads and validates the pipeline with the built-in stages and its `plugins/` folder.
    ///
    /// - Throws: `ExitCode(2)` after printing every problem to stderr as `file:line:col: error: message`.
    func load() throws -> (pipeline: Pipeline, registry: PluginRegistry) {
        try PipelineLoading.load(pipelinePath)
    }

    /// Loads the pipeline and opens its workdir's cache.
    ///
    /// - Parameter readOnly: for commands that only look: a workdir that does not exist yet is
    ///   not created (the cache reads as empty).
    /// - Throws: `ExitCode(2)` for an invalid pipeline, a workdir another pipeline owns or a
    ///   workdir that cannot be created or opened; the reason is printed first.
    func session(readOnly: Bool = false) throws -> PipelineSession {
        let (pipeline, registry) = try load()
        return try PipelineSession(pipeline: pipeline, registry: registry, readOnly: readOnly)
    }
}
