import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real S3-compatible server for tests: moto's standalone server from the package's `.venv`
/// (installed by `scripts/setup.sh`), listening on a free port of 127.0.0.1.
///
/// ```swift
/// try await MotoServer.with { server in
///     let environment = server.environment  // endpoint and test credentials
/// }
/// ```
public final class MotoServer: Sendable {
    public let endpoint: URL
    // Process is not Sendable; it is only touched in start() and terminate(), which never overlap.
    private nonisolated(unsafe) let process: Process

    /// Environment variables that point AWS clients at this server, with dummy credentials.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "AKIDMOTOTEST",
            "AWS_SECRET_ACCESS_KEY": "moto-test-secret", "AWS_REGION": "us-east-1", "HOME": "/nonexistent",
        ]
    }

    private init(endpoint: URL, process: Process) {
        self.endpoint = endpoint
        self.process = process
    }

    /// The package root, found from this file's path (Sources/TestSupport/MotoServer.swift).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var pythonPath: URL { packageRoot.appendingPathComponent(".venv/bin/python") }

    /// Starts a server and waits until it answers (at most 60 s).
    public static func start() async throws -> MotoServer {
        let executable = packageRoot.appendingPathComponent(".venv/bin/moto_server")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestSupportError("moto_server not found at \(executable.path): run scripts/setup.sh")
        }
        let port = try freePort()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard let endpoint = URL(string: "http://127.0.0.1:\(port)") else { throw TestSupportError("bad port \(port)") }
        let server = MotoServer(endpoint: endpoint, process: process)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard process.isRunning else { throw TestSupportError("moto_server exited with \(process.terminationStatus)") }
            var request = URLRequest(url: server.endpoint.appendingPathComponent("moto-api/reset"))
            request.httpMethod = "POST"
            if let (_, response) = try? await URLSession.shared.data(for: request),  // Not up yet: try again.
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return server
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        server.terminate()
        throw TestSupportError("moto_server did not answer on port \(port) within 60 s")
    }

    /// Runs `body` with a fresh server and stops the server afterwards, also when `body` throws.
    public static func with<T: Sendable>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            server.terminate()
            return result
        } catch {
            server.terminate()
            throw error
        }
    }

    /// Stops the server process and waits for it to exit.
    ///
    /// moto exits on SIGTERM only once its request threads end, and clients keep connections
    /// alive: after a second's grace it gets SIGKILL.
    public func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(1)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func freePort() throws -> Int {
        let process = Process()
        process.executableURL = pythonPath
        process.arguments = [
            "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let port = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("could not find a free port")
        }
        return port
    }
}

/// A failure of a test fixture.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
