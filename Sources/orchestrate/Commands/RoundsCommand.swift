import ArgumentParser
import Foundation
import Stages

struct RoundsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds",
        abstract: "Print the round ledger of the pipeline's Lightly datasources.",
        discussion: """
            For each Lightly datasource a schedule, export or labels stage of the pipeline names, one \
            line per selection round: frames selected, exported, labelled, skipped, rejected, and \
            pending (selected, neither labelled nor rejected: candidates again next round).
            """)

    @Argument(help: "The pipeline file.", completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String

    static let header = ["round", "selected", "exported", "labelled", "skipped", "rejected", "pending"]

    /// The stages that name a Lightly datasource whose rounds count.
    static let stages: Set<String> = ["schedule", "export", "labels"]

    func run() async throws {
        let (loaded, _) = try PipelineLoading.load(pipeline)
        var seen: Set<String> = []
        for stage in loaded.stages where Self.stages.contains(stage.uses) {
            let (datasource, rounds) = try await RoundTable.rounds(with: stage.with, pipelineDirectory: loaded.directory)
            guard seen.insert(datasource).inserted else { continue }
            StandardOutput.write("Lightly datasource \(datasource)")
            StandardOutput.write(Self.header.joined(separator: "  "))
            for round in rounds {
                let values = [round.round, round.selected, round.exported, round.labelled, round.skipped, round.rejected, round.pending]
                // Each number right-aligned under its column's name.
                StandardOutput.write(zip(values, Self.header).map { String($0).leftPadded(to: $1.count) }.joined(separator: "  "))
            }
            if rounds.isEmpty { StandardOutput.write("(no selection run yet)") }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
