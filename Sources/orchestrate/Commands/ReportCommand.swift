import ArgumentParser

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'report' is not implemented yet")
    }
}
