import ArgumentParser
import BrowserView
import Engine
import Foundation
import PluginAPI
import Stages

struct ViewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Write a browser view of the pipeline's latest selection run into the workdir.",
        discussion: """
            Reads the latest run of the Lightly datasource the pipeline's schedule stage names and \
            writes WORKDIR/view/: index.html with its script, style and data files and a thumbnail \
            and a picture of every candidate frame. Open index.html from disk; no server is needed. \
            A re-run rewrites only the files that changed and decodes only frames it has no \
            pictures of; when neither datasource changed since, it reads and writes nothing. \
            Prints the page's path.
            """)

    @OptionGroup var options: PipelineOptions

    @ArgumentParser.Option(help: ArgumentHelp("The schedule stage whose datasources to read (default: the first one).", valueName: "stage"))
    var stage: String?

    func run() async throws {
        let (pipeline, _) = try options.load()
        let schedule = try Self.scheduleStage(named: stage, in: pipeline)
        let folder = Workdir(pipeline.workdir).browserView
        do {
            let outcome = try await RunView.write(
                with: schedule.with, pipelineDirectory: pipeline.directory, into: folder,
                progress: { StandardError.write("view: \($0)") })
            StandardError.write("""
                view: run \(outcome.runID): \(outcome.frames) frames, \(outcome.decodedFrames) decoded now; \
                \(outcome.files.written.count) files written, \(outcome.files.unchanged) unchanged
                """)
            StandardOutput.write(outcome.page.path)
        } catch let error as StageError {
            StandardError.write("error: \(error.message)")
            throw ExitCode(1)
        } catch let error as ViewError {
            StandardError.write("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// The stage named `name`, else the pipeline's first `schedule` stage; exits 2 when there is none.
    static func scheduleStage(named name: String?, in pipeline: Pipeline) throws -> StageSpec {
        let schedules = pipeline.stages.filter { $0.uses == "schedule" }
        if let name {
            guard let stage = schedules.first(where: { $0.name == name }) else {
                let names = schedules.map(\.name)
                StandardError.write("error: --stage '\(name)' is not a schedule stage of \(pipeline.fileURL.lastPathComponent)\(NameSuggestion.hint(for: name, in: names)) (schedule stages: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
                throw ExitCode(2)
            }
            return stage
        }
        guard let first = schedules.first else {
            StandardError.write("error: \(pipeline.fileURL.lastPathComponent) has no schedule stage, so no selection run to view")
            throw ExitCode(2)
        }
        return first
    }
}
