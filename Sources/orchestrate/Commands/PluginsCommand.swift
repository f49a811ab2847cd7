import ArgumentParser

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'plugins' is not implemented yet")
    }
}
