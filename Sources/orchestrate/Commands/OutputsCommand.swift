import ArgumentParser

struct OutputsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outputs", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'outputs' is not implemented yet")
    }
}
