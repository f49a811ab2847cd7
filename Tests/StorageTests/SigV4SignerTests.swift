import Foundation
import Testing

@testable import Storage

@Suite struct SigV4SignerTests {
    // AWS's published example credentials and date (S3 API reference, "Signature Calculations
    // for the Authorization Header" and "Authenticating Requests: Using Query Parameters").
    static let credentials = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
    static let exampleDate = SigV4Signer.parseTimestamp("20130524T000000Z") ?? Date.distantPast

    @Test func matchesAWSGetObjectExample() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let headers = Self.signer.signedHeaders(
            method: "GET", url: url, headers: ["Range": "bytes=0-9"], payloadHash: SigV4Signer.emptyPayloadHash,
            date: Self.exampleDate)
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers["x-amz-date"] == "20130524T000000Z")
    }

    @Test func matchesAWSPresignedURLExample() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let presigned = Self.signer.presignedURL(method: "GET", url: url, expires: 86400, date: Self.exampleDate)
        #expect(presigned.absoluteString == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    struct Case: Sendable, CustomStringConvertible {
        var method: String
        var url: String
        var headers: [String: String]
        var body: String
        var description: String { "\(method) \(url)" }
    }

    static let botocoreCases: [Case] = [
        Case(method: "GET", url: "http://127.0.0.1:9000/bucket/videos/game%201.mp4", headers: ["Range": "bytes=5-99"], body: ""),
        Case(method: "PUT", url: "http://127.0.0.1:9000/bucket/.lightly/predictions/tasks.json",
             headers: ["Content-Type": "application/octet-stream", "x-amz-meta-sha256": "abc"], body: "{\"tasks\": []}"),
        Case(method: "POST", url: "http://127.0.0.1:9000/bucket/big.mp4?uploads", headers: [:], body: ""),
        Case(method: "PUT", url: "http://127.0.0.1:9000/bucket/big.mp4?partNumber=2&uploadId=a%2Fb%2Bc", headers: [:], body: "part"),
        Case(method: "GET", url: "http://127.0.0.1:9000/bucket?list-type=2&prefix=.lightly%2F&continuation-token=x%3D%3D", headers: [:], body: ""),
        Case(method: "GET", url: "http://bucket.s3.eu-west-1.amazonaws.com/caf%C3%A9/%C3%BC%20x.json", headers: [:], body: ""),
    ]

    @Test(arguments: botocoreCases)
    func matchesBotocoreHeaderSignature(_ testCase: Case) async throws {
        let url = try #require(URL(string: testCase.url))
        let region = testCase.url.contains("eu-west-1") ? "eu-west-1" : "us-east-1"
        let signer = SigV4Signer(credentials: Self.credentials, region: region)
        let body = Data(testCase.body.utf8)
        let ours = signer.signedHeaders(
            method: testCase.method, url: url, headers: testCase.headers, payloadHash: SigV4Signer.payloadHash(body),
            date: Self.exampleDate)
        var botocoreHeaders = testCase.headers
        botocoreHeaders["x-amz-content-sha256"] = SigV4Signer.payloadHash(body)
        let theirs = try await Botocore.sign(.init(
            method: testCase.method, url: testCase.url, headers: botocoreHeaders, body: testCase.body,
            timestamp: "20130524T000000Z", region: region, mode: "header", expires: 0))
        // botocore separates the three fields with ", ", AWS's examples with ","; S3 accepts both.
        #expect(ours["authorization"] == theirs["authorization"]?.replacingOccurrences(of: ", ", with: ","))
    }

    @Test func matchesBotocorePresignedURL() async throws {
        let raw = "http://127.0.0.1:9000/bucket/frames/game%201-050-mp4.png"
        let ours = Self.signer.presignedURL(method: "GET", url: try #require(URL(string: raw)), expires: 3600, date: Self.exampleDate)
        let theirs = try await Botocore.sign(.init(
            method: "GET", url: raw, headers: [:], body: "", timestamp: "20130524T000000Z", region: "us-east-1",
            mode: "presign", expires: 3600))
        let theirText = try #require(theirs["url"])
        let theirURL = try #require(URL(string: theirText))
        func parameters(_ url: URL) -> [String: String] {
            Dictionary(SigV4Signer.queryItems(url), uniquingKeysWith: { $1 })
        }
        #expect(parameters(ours) == parameters(theirURL))
        #expect(parameters(ours)["X-Amz-Signature"]?.count == 64)
        #expect(ours.path == theirURL.path)
    }

    @Test func verifiesItsOwnPresignedURLsAndRefusesExpiredOnes() throws {
        let url = try #require(URL(string: "http://127.0.0.1:9000/bucket/a.png"))
        let presigned = Self.signer.presignedURL(method: "GET", url: url, expires: 60, date: Self.exampleDate)
        try Self.signer.verifyPresignedURL(presigned, now: Self.exampleDate.addingTimeInterval(59))
        let expired = #expect(throws: StorageError.self) {
            try Self.signer.verifyPresignedURL(presigned, now: Self.exampleDate.addingTimeInterval(61))
        }
        #expect(expired?.description == "the presigned URL has expired")
        let other = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wrong"), region: "us-east-1")
        let forged = #expect(throws: StorageError.self) {
            try other.verifyPresignedURL(presigned, now: Self.exampleDate)
        }
        #expect(forged?.description == "the presigned URL's signature does not match")
    }

    @Test func credentialsNeverAppearInDescriptions() {
        #expect(!"\(Self.credentials)".contains("wJalrXUtnFEMI"))
    }
}
