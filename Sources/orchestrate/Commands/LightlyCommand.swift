import ArgumentParser

struct LightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lightly", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'lightly' is not implemented yet")
    }
}
