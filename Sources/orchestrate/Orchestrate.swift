import ArgumentParser
import Foundation

@main
struct Orchestrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate",
        abstract: "Run YAML pipelines of cached, resumable stages.",
        version: Orchestrate.version,
        subcommands: [
            RunCommand.self, ValidateCommand.self, StatusCommand.self, WhyCommand.self,
            GraphCommand.self, CacheCommand.self, RunsCommand.self, OutputsCommand.self,
            PluginsCommand.self, LightlyCommand.self, ReportCommand.self, WorkerCommand.self, RoundsCommand.self,
            ViewCommand.self, ServeCommand.self,
        ]
    )

    /// What `orchestrate --version` prints; raise it with each release.
    static let version = "0.1.0"

    /// Parses and runs a command. Usage mistakes exit 2, not ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            exit(withError: ExitCode(2))
        }
    }
}
