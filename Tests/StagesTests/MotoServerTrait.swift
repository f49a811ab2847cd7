import Foundation
import Testing
import TestSupport

/// Runs a suite against one moto server, started before its first test and stopped after its last.
struct MotoServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await MotoServer.with { server in
            try await MotoServerTrait.$current.withValue(server) { try await function() }
        }
    }

    @TaskLocal static var current: MotoServer?

    /// The suite's server.
    static func server() throws -> MotoServer {
        guard let current else { throw TestSupportError("the suite needs the .motoServer trait") }
        return current
    }
}

extension Trait where Self == MotoServerTrait {
    static var motoServer: Self { MotoServerTrait() }
}
