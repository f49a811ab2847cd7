import Foundation

/// A real S3-compatible server for tests: moto's standalone server from the package's `.venv`
/// (installed by `scripts/setup.sh`), listening on a free port of 127.0.0.1.
///
/// ```swift
/// try await MotoServer.with { server in
///     let environment = server.environment  // endpoint and test credentials
/// }
/// ```
public final class MotoServer: Sendable {
    private let server: ServerProcess
    public var endpoint: URL { server.endpoint }

    /// Environment variables that point AWS clients at this server, with dummy credentials.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "AKIDMOTOTEST",
            "AWS_SECRET_ACCESS_KEY": "moto-test-secret", "AWS_REGION": "us-east-1", "HOME": "/nonexistent",
        ]
    }

    private init(server: ServerProcess) {
        self.server = server
    }

    /// The package root, found from this file's path (Sources/TestSupport/MotoServer.swift).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var pythonPath: URL { packageRoot.appendingPathComponent(".venv/bin/python") }

    /// Starts a server and waits until it answers (at most 60 s).
    public static func start() async throws -> MotoServer {
        MotoServer(server: try await ServerProcess.start(
            "moto_server", executable: packageRoot.appendingPathComponent(".venv/bin/moto_server"),
            arguments: { ["-H", "127.0.0.1", "-p", String($0)] }, readyPath: "moto-api/reset", readyMethod: "POST",
            timeout: .seconds(60)))
    }

    /// Runs `body` with a fresh server and stops the server afterwards, also when `body` throws.
    public static func with<T: Sendable>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let moto = try await start()
        return try await moto.server.stopping { try await body(moto) }
    }
}

/// A failure of a test fixture.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
