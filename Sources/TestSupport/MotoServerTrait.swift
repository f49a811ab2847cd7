import Foundation
import Testing

/// Runs a suite against one moto server, started before its first test and stopped after its last.
public struct MotoServerTrait: SuiteTrait, TestScoping {
    public init() {}

    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await MotoServer.with { server in
            try await MotoServerTrait.$current.withValue(server) { try await function() }
        }
    }

    @TaskLocal static var current: MotoServer?

    /// The suite's server.
    public static func server() throws -> MotoServer {
        guard let current else { throw TestSupportError("the suite needs the .motoServer trait") }
        return current
    }
}

extension Trait where Self == MotoServerTrait {
    public static var motoServer: Self { MotoServerTrait() }
}
