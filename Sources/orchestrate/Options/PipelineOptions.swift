import ArgumentParser
import Engine
import Foundation

/// The pipeline file argument of every command that reads a pipeline.
///
/// ```swift
/// @OptionGroup var options: PipelineOptions
/// let (pipeline, registry) = try options.load()
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
}
