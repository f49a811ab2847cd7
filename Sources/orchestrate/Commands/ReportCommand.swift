import ArgumentParser
import Foundation
import Report

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild a selection run's HTML and PDF report.",
        discussion: "Reads RUN/report.json and writes RUN/report.html and RUN/report.pdf, then prints their paths."
    )

    @Argument(
        help: ArgumentHelp("A selection run folder holding report.json.", valueName: "RUN"),
        completion: .directory, transform: URL.init(fileURLWithPath:)
    )
    var runFolder: URL

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runFolder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            FileHandle.standardError.write(Data("orchestrate report: '\(runFolder.path)' is not a folder (give a selection run folder holding report.json)\n".utf8))
            throw ExitCode(2)
        }
        do {
            let data = try ReportRenderer.load(runFolder: runFolder)
            let files = try ReportRenderer().render(data, runFolder: runFolder)
            print(files.html.path)
            print(files.pdf.path)
        } catch let error as ReportError {
            FileHandle.standardError.write(Data("orchestrate report: \(error)\n".utf8))
            throw ExitCode(error.code == .unreadable ? 2 : 1)
        }
    }
}
