import ArgumentParser

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'runs' is not implemented yet")
    }
}
