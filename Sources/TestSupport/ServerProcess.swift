import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A test server process listening on a free port of 127.0.0.1: started, polled until it
/// answers, and stopped with SIGTERM, then SIGKILL after a grace period.
public struct ServerProcess: Sendable {
    public let name: String
    public let endpoint: URL
    private let process: ChildProcess

    /// Starts `executable` with the arguments and environment made for a free port, and waits
    /// until a GET of `readyPath` answers 200 or `method`'s status.
    /// - Throws: ``TestSupportError`` when it exits early or does not answer within `timeout`.
    public static func start(
        _ name: String, executable: URL, arguments: (Int) -> [String], environment: (Int) -> [String: String]? = { _ in nil },
        readyPath: String, readyMethod: String = "GET", timeout: Duration
    ) async throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestSupportError("\(name) not found at \(executable.path): run scripts/setup.sh")
        }
        let port = try await FreePort.find()
        guard let endpoint = URL(string: "http://127.0.0.1:\(port)") else { throw TestSupportError("bad port \(port)") }
        let process = try ChildProcess.start(
            executable.path, arguments(port), environment: environment(port), captureOutput: false)
        let server = ServerProcess(name: name, endpoint: endpoint, process: process)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let output = try await process.wait()
                throw TestSupportError("\(name) exited with \(output.status) before it answered")
            }
            var request = URLRequest(url: endpoint.appendingPathComponent(readyPath))
            request.httpMethod = readyMethod
            if let (_, response) = try? await URLSession.shared.data(for: request),  // Not up yet: try again.
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return server
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        await server.terminate()
        throw TestSupportError("\(name) did not answer on port \(port) within \(timeout)")
    }

    /// Stops the server and waits for its end.
    ///
    /// Servers exit on SIGTERM only once their request threads end, and clients keep connections
    /// alive: after a second's grace the server gets SIGKILL.
    public func terminate() async {
        guard process.isRunning else { return }
        process.send(SIGTERM)
        let deadline = ContinuousClock.now + .seconds(1)
        while process.isRunning, ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { break }  // Cancelled: SIGKILL now.
        }
        if process.isRunning { process.send(SIGKILL) }
        _ = try? await process.wait()  // Only the end matters; the server's output is discarded.
    }

    /// Runs `body`, then stops the server, also when `body` throws.
    public func stopping<T: Sendable>(after body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await terminate()
            return result
        } catch {
            await terminate()
            throw error
        }
    }
}

/// A free TCP port for a test server.
public enum FreePort {
    /// A TCP port on 127.0.0.1 that nothing listens on now.
    public static func find() async throws -> Int {
        let output = try await ChildProcess.checked(DebianPython.executable.path, [
            "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ])
        guard let port = Int(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("could not find a free port")
        }
        return port
    }
}
