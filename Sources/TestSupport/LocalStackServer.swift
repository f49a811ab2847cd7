import Foundation

/// LocalStack's S3 for the tests that need a server to check presigned URLs: localstack-core
/// from the package's `.venv-localstack` (installed by `scripts/setup.sh`), S3 only, on a free
/// port of 127.0.0.1, with `S3_SKIP_SIGNATURE_VALIDATION=0`, so a presigned GET whose signature
/// does not match, or whose `X-Amz-Date` + `X-Amz-Expires` has passed, is refused with 403.
/// (moto does not check either; it is the faster server for everything else.) Outside Docker,
/// LocalStack keeps a cache (a self-signed certificate, its service catalogue) in
/// `/var/lib/localstack` whatever `LOCALSTACK_VOLUME_DIR` says.
///
/// ```swift
/// try await LocalStackServer.with { server in
///     let environment = server.environment  // endpoint and the credentials LocalStack accepts
/// }
/// ```
public final class LocalStackServer: Sendable {
    private let server: ServerProcess
    private let scratch: TemporaryDirectory
    public var endpoint: URL { server.endpoint }

    /// Environment variables that point AWS clients at this server. LocalStack checks signatures
    /// against the secret `test` whatever the access key.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "HOME": "/nonexistent",
        ]
    }

    private init(server: ServerProcess, scratch: TemporaryDirectory) {
        self.server = server
        self.scratch = scratch
    }

    /// Starts a server and waits until it answers (at most 120 s: it takes ~15 s on two busy cores).
    public static func start() async throws -> LocalStackServer {
        let scratch = try TemporaryDirectory(prefix: "localstack")
        do {
            let server = try await ServerProcess.start(
                "LocalStack", executable: MotoServer.packageRoot.appendingPathComponent(".venv-localstack/bin/python"),
                arguments: { _ in ["-m", "localstack.runtime.main"] },
                environment: { port in
                    ProcessInfo.processInfo.environment.merging([
                        "GATEWAY_LISTEN": "127.0.0.1:\(port)", "SERVICES": "s3", "S3_SKIP_SIGNATURE_VALIDATION": "0",
                        // Twisted's TLS needs service_identity; hypercorn serves plain HTTP as well.
                        "GATEWAY_SERVER": "hypercorn",
                        // Nothing leaves the machine: no certificate download, no analytics, no DNS server.
                        "SKIP_SSL_CERT_DOWNLOAD": "1", "DISABLE_EVENTS": "1", "DNS_ADDRESS": "0",
                        "LOCALSTACK_VOLUME_DIR": scratch.url.path, "TMPDIR": scratch.url.path,
                    ]) { $1 }
                },
                readyPath: "_localstack/health", timeout: .seconds(120))
            return LocalStackServer(server: server, scratch: scratch)
        } catch {
            scratch.remove()
            throw error
        }
    }

    /// Runs `body` with a fresh server and stops the server afterwards, also when `body` throws.
    public static func with<T: Sendable>(_ body: (LocalStackServer) async throws -> T) async throws -> T {
        let localStack = try await start()
        defer { localStack.scratch.remove() }
        return try await localStack.server.stopping { try await body(localStack) }
    }
}
