import ArgumentParser

struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "why", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'why' is not implemented yet")
    }
}
