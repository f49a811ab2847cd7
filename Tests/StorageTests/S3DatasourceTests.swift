import Foundation
import Testing
import TestSupport

@testable import Storage

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The S3 back end against a real moto server process on 127.0.0.1.
@Suite(.motoServer) struct S3DatasourceTests {
    struct SimulatedCrash: Error {}

    static func makeStore(bucket: String = "b-\(UUID().uuidString.prefix(8).lowercased())", prefix: String = "volleyball_lightly",
                          create: Bool = true) async throws -> S3Datasource {
        let server = try MotoServerTrait.server()
        let configuration = try S3Configuration.resolve(
            bucket: bucket, prefix: prefix, endpoint: nil, region: nil, profile: nil, environment: server.environment)
        let store = S3Datasource(configuration: configuration)
        if create { try await store.createBucket() }
        return store
    }

    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> Data {
        var state = seed
        var data = Data(capacity: count)
        for _ in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            data.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return data
    }

    @Test func putHeadListRangedGetAndDelete() async throws {
        let store = try await Self.makeStore()
        let payload = Data("{\"file_name\": \"game 1-000-mp4.png\"}".utf8)
        let stored = try await store.put(".lightly/predictions/pose/game 1-000-mp4.json", data: payload)
        try await store.put("clips/ü x.mp4", data: Data("video".utf8))
        let head = try #require(try await store.head(".lightly/predictions/pose/game 1-000-mp4.json"))
        #expect(head.size == Int64(payload.count))
        #expect(head.etag == stored.etag)
        #expect(head.sha256 == SigV4Signer.payloadHash(payload))
        #expect(try await store.head("missing.json") == nil)
        #expect(try await store.list(prefix: "").map(\.key) == [".lightly/predictions/pose/game 1-000-mp4.json", "clips/ü x.mp4"])
        #expect(try await store.list(prefix: "clips/").map(\.size) == [5])
        #expect(try await store.get("clips/ü x.mp4", range: 1..<4) == Data("ide".utf8))
        #expect(try await store.get(".lightly/predictions/pose/game 1-000-mp4.json", range: nil) == payload)
        try await store.delete("clips/ü x.mp4")
        #expect(try await store.head("clips/ü x.mp4") == nil)
        let missing = await #expect(throws: StorageError.self) { try await store.get("clips/ü x.mp4", range: nil) }
        #expect(missing?.code == .notFound)
    }

    @Test func multipartUploadResumesWithOnlyTheMissingParts() async throws {
        let store = try await Self.makeStore()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = directory.url.appendingPathComponent("match.mp4")
        let bytes = Self.pseudoRandomBytes(16 * 1024 * 1024 + 12345, seed: 7)
        try bytes.write(to: source)
        let sha256 = try FileDigest.sha256(of: source)
        let options = UploadOptions(multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024)

        // First attempt: "crashes" right after the second part is recorded.
        let recorded = Recorder()
        await #expect(throws: SimulatedCrash.self) {
            try await store.upload("input/match.mp4", file: source, sha256: sha256, options: options, resume: nil) { state in
                await recorded.set(state)
                if state.parts.count == 2 { throw SimulatedCrash() }
            }
        }
        let state = try #require(await recorded.state)
        #expect(state.partCount == 4)
        #expect(state.parts.map(\.number) == [1, 2])
        #expect(try await store.head("input/match.mp4") == nil, "an unfinished upload must not be visible")

        // Second attempt from the recorded state: sends parts 3 and 4 only.
        let result = try await store.upload("input/match.mp4", file: source, sha256: sha256, options: options, resume: state) { _ in }
        #expect(result.partsSent == 2)
        #expect(result.bytesSent == Int64(bytes.count) - 2 * options.partSize)
        #expect(result.object.etag?.hasSuffix("-4") == true)
        #expect(try await store.get("input/match.mp4", range: nil) == bytes)
        #expect(try await store.head("input/match.mp4")?.sha256 == sha256)
    }

    @Test func readURLsReturnTheBytesOverPlainHTTP() async throws {
        let store = try await Self.makeStore()
        let payload = Self.pseudoRandomBytes(70_000, seed: 3)
        try await store.put("frames/game 1-050-mp4.png", data: payload)
        let url = try store.readURL("frames/game 1-050-mp4.png", expiresIn: 3600, now: Date())
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(data == payload)
        #expect(!url.absoluteString.contains(store.configuration.credentials.secretAccessKey))
        try store.client.signer.verifyPresignedURL(url, now: Date())
    }

    // moto 5.2.5 does not check the expiry of presigned URLs (its s3 package never reads
    // X-Amz-Expires): here the signer's own verification checks the window a URL is signed for,
    // and StagesTests' ExportReadURLExpiryTests has LocalStack refuse an expired one.
    @Test func anExpiredReadURLIsRefusedByTheSignersVerification() async throws {
        let store = try await Self.makeStore()
        try await store.put("a.png", data: Data("png".utf8))
        let issued = Date().addingTimeInterval(-3600)
        let url = try store.readURL("a.png", expiresIn: 60, now: issued)
        try store.client.signer.verifyPresignedURL(url, now: issued.addingTimeInterval(30))
        let error = #expect(throws: StorageError.self) { try store.client.signer.verifyPresignedURL(url, now: Date()) }
        #expect(error?.description == "the presigned URL has expired")
        let tooLong = #expect(throws: StorageError.self) { try store.readURL("a.png", expiresIn: 8 * 86400, now: Date()) }
        #expect(tooLong?.code == .invalidArgument)
    }

    @Test func aMissingBucketIsNamedInTheError() async throws {
        let store = try await Self.makeStore(bucket: "no-such-bucket", create: false)
        let error = await #expect(throws: StorageError.self) { try await store.checkAccess() }
        #expect(error?.code == .noSuchBucket)
        #expect(error?.description.hasPrefix("datasource 's3://no-such-bucket/volleyball_lightly': the bucket 'no-such-bucket' does not exist") == true)
        let put = await #expect(throws: StorageError.self) { try await store.put("x.json", data: Data()) }
        #expect(put?.code == .noSuchBucket)
        #expect(put?.key == "x.json")
    }

    @Test func keysThatEscapeTheRootAreRejectedBeforeAnyRequest() async throws {
        let store = try await Self.makeStore()
        let error = await #expect(throws: StorageError.self) { try await store.put("../other/x.json", data: Data()) }
        #expect(error?.code == .invalidKey)
        #expect(try await store.list(prefix: "").isEmpty)
    }

    @Test func anUnreachableEndpointFailsWithAClearError() async throws {
        var configuration = try S3Configuration.resolve(
            bucket: "bucket", prefix: "", endpoint: "http://127.0.0.1:9", region: nil, profile: nil,
            environment: ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "very-secret-value"])
        configuration.maxAttempts = 2
        let store = S3Datasource(configuration: configuration)
        let error = await #expect(throws: StorageError.self) { try await store.put("a/b.json", data: Data("{}".utf8)) }
        #expect(error?.code == .unreachable)
        #expect(error?.description.hasPrefix("datasource 's3://bucket', key 'a/b.json': cannot reach the endpoint http://127.0.0.1:9") == true)
        #expect(error?.description.contains("very-secret-value") == false)
    }

    actor Recorder {
        var state: MultipartUploadState?
        func set(_ state: MultipartUploadState) { self.state = state }
    }
}

/// Wrong credentials, against a server of its own: switching moto's authentication on is
/// server-wide and would break the other suites' requests.
@Suite struct S3CredentialTests {
    @Test func wrongCredentialsFailWithAccessDeniedAndNoSecretInTheMessage() async throws {
        try await MotoServer.with { server in
            var request = URLRequest(url: server.endpoint.appendingPathComponent("moto-api/reset-auth"))
            request.httpMethod = "POST"
            request.httpBody = Data("0".utf8)
            // Not form data: moto reads the raw body, which werkzeug consumes for form posts.
            request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            var environment = server.environment
            environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-value"
            let store = S3Datasource(configuration: try S3Configuration.resolve(
                bucket: "bucket", prefix: "p", endpoint: nil, region: nil, profile: nil, environment: environment))
            let error = await #expect(throws: StorageError.self) { try await store.put("k.json", data: Data("{}".utf8)) }
            #expect(error?.code == .accessDenied)
            #expect(error?.description.hasPrefix("datasource 's3://bucket/p', key 'k.json': access denied: check the credentials") == true)
            #expect(error?.description.contains("wrong-secret-value") == false)
        }
    }
}
