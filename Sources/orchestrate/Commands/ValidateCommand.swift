import ArgumentParser
import Engine

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline without running it.",
        discussion: """
            Reports every problem as 'file:line:col: error: message' on standard error and exits \
            with status 2; exits with 0 when the pipeline is valid.
            """
    )

    @OptionGroup var options: PipelineOptions

    func run() async throws {
        let (pipeline, _) = try options.load()
        let count = pipeline.stages.count
        print("\(options.pipelinePath): pipeline '\(pipeline.name)' is valid (\(count) stage\(count == 1 ? "" : "s"))")
    }
}
