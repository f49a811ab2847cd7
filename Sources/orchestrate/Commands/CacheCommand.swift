import ArgumentParser

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'cache' is not implemented yet")
    }
}
