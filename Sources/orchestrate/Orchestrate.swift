import ArgumentParser

@main
struct Orchestrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate",
        abstract: "Run YAML pipelines of cached, resumable stages.",
        subcommands: [
            RunCommand.self, ValidateCommand.self, StatusCommand.self, WhyCommand.self,
            GraphCommand.self, CacheCommand.self, RunsCommand.self, OutputsCommand.self,
            PluginsCommand.self, LightlyCommand.self, ReportCommand.self,
        ]
    )
}
