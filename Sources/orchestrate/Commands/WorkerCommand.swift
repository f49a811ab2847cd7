import ArgumentParser
import Engine
import Foundation
import PluginAPI
import Stages

/// Runs one item attempt inside a cluster job; the `slurm` executor submits it. Hidden: users
/// never call it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one item attempt from the job description in an attempt folder (cluster jobs).",
        shouldDisplay: false)

    @Argument(help: "The attempt folder holding job.json.", completion: .directory)
    var attempt: String

    func run() async throws {
        let status: Int32
        do {
            status = try await ClusterWorker.run(attemptDirectory: URL(fileURLWithPath: attempt, isDirectory: true)) { job in
                let registry = try PluginRegistry(builtins: BuiltinStages.all, pluginsDirectory: job.pluginsDirectory)
                guard let stage = registry.stage(id: job.uses) else {
                    throw StageError("unknown plugin '\(job.uses)' in \(job.pluginsDirectory.path)", code: .failed)
                }
                return stage
            }
        } catch {
            StandardError.write("worker: \(error)")
            throw ExitCode(2)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
