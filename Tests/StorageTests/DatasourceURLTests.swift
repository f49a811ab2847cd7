import Foundation
import Testing
import TestSupport

@testable import Storage

@Suite struct DatasourceURLTests {
    @Test func parsesS3FileAndPlainPaths() throws {
        #expect(try DatasourceURL(parsing: "s3://lightly-bucket/volleyball_lightly/") == .s3(bucket: "lightly-bucket", prefix: "volleyball_lightly"))
        #expect(try DatasourceURL(parsing: "s3://lightly-bucket") == .s3(bucket: "lightly-bucket", prefix: ""))
        #expect(try DatasourceURL(parsing: "file:///data/input") == .file(URL(fileURLWithPath: "/data/input")))
        let base = URL(fileURLWithPath: "/pipelines", isDirectory: true)
        #expect(try DatasourceURL(parsing: "out/input", relativeTo: base).description == "file:///pipelines/out/input")
        #expect(try DatasourceURL(parsing: "s3://b12/a/b").objectURL(".lightly/x.json") == "s3://b12/a/b/.lightly/x.json")
    }

    /// `datasourceUrl` in the export is a URL, percent-encoded as the `readUrl` beside it.
    @Test func objectURLsArePercentEncodedLikeReadURLs() throws {
        let key = "frames/game day #1-mp4-ü%.png"
        #expect(try DatasourceURL(parsing: "s3://b12/my runs").objectURL(key)
                == "s3://b12/my%20runs/frames/game%20day%20%231-mp4-%C3%BC%25.png")
        #expect(try DatasourceURL(parsing: "s3://b12").objectURL("a b.png") == "s3://b12/a%20b.png")
        let root = try TemporaryDirectory(prefix: "datasource url")
        defer { root.remove() }
        let local = LocalDatasource(root: root.url)
        let objectURL = local.location.objectURL(key)
        let readURL = try local.readURL(key, expiresIn: 60, now: Date())
        #expect(objectURL == readURL.absoluteString)
        #expect(objectURL.hasSuffix("/frames/game%20day%20%231-mp4-%C3%BC%25.png"), "\(objectURL)")
        #expect(URL(string: objectURL)?.path == root.url.appendingPathComponent(key).path)
    }

    @Test(arguments: [
        ("s3://", "invalid datasource URL 's3://': it names no bucket"),
        ("s3://Bad_Bucket/x", "invalid datasource URL 's3://Bad_Bucket/x': 'Bad_Bucket' is not a valid bucket name"),
        ("gs://bucket/x", "invalid datasource URL 'gs://bucket/x': only file:// and s3:// datasources are supported"),
        ("s3://bucket/a/../b", "datasource 's3://bucket', key 'a/../b': invalid object key: '..' would escape the datasource root"),
    ])
    func rejectsBadURLs(_ text: String, _ message: String) {
        let error = #expect(throws: StorageError.self) { try DatasourceURL(parsing: text) }
        #expect(error?.description == message)
    }

    @Test(arguments: [
        ("", "it is empty"), ("/etc/passwd", "absolute keys are not allowed"),
        ("a/../../b", "'..' would escape the datasource root"), ("a//b", "empty path segments are not allowed"),
        ("a/./b", "'.' segments are not allowed"), ("..", "'..' would escape the datasource root"),
    ])
    func rejectsKeysThatEscapeTheRoot(_ key: String, _ why: String) {
        let error = #expect(throws: StorageError.self) { try ObjectKey.validate(key, datasource: "s3://b/p") }
        #expect(error?.code == .invalidKey)
        #expect(error?.description == "datasource 's3://b/p', key '\(key)': invalid object key: \(why)")
    }

    @Test func acceptsLightlyKeys() throws {
        #expect(try ObjectKey.validate(".lightly/predictions/tasks.json", datasource: "x") == ".lightly/predictions/tasks.json")
        #expect(try ObjectKey.validate("clips/game 1.mp4", datasource: "x") == "clips/game 1.mp4")
    }
}

@Suite struct AWSCredentialsTests {
    @Test func environmentWinsUnlessAProfileIsNamed() throws {
        let credentials = try AWSCredentials.load(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])
        #expect(credentials == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func readsTheSharedCredentialsFileAndProfile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("credentials")
        try """
        # comment
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = DEFAULTSECRET

        [minio]
        aws_access_key_id=MINIOKEY
        aws_secret_access_key=MINIOSECRET
        """.write(to: file, atomically: true, encoding: .utf8)
        let environment = ["AWS_SHARED_CREDENTIALS_FILE": file.path, "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "ENVSECRET"]
        #expect(try AWSCredentials.load(profile: "minio", environment: environment).accessKeyID == "MINIOKEY")
        #expect(try AWSCredentials.load(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path]).accessKeyID == "DEFAULTKEY")
        #expect(try AWSCredentials.load(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path, "AWS_PROFILE": "minio"])
            .secretAccessKey == "MINIOSECRET")
        let missing = #expect(throws: StorageError.self) {
            try AWSCredentials.load(profile: "nope", environment: environment)
        }
        #expect(missing?.description == "no AWS credentials for profile 'nope' in \(file.path)")
        #expect(missing?.description.contains("SECRET") == false)
    }

    @Test func resolvesEndpointRegionAndAddressing() throws {
        let environment = [
            "AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_DEFAULT_REGION": "eu-central-1",
        ]
        let configuration = try S3Configuration.resolve(
            bucket: "bucket", prefix: "p", endpoint: nil, region: nil, profile: nil, environment: environment)
        #expect(configuration.usesPathStyle)
        #expect(configuration.region == "eu-central-1")
        #expect(configuration.url(fullKey: "p/a b.mp4")?.absoluteString == "http://127.0.0.1:9000/bucket/p/a%20b.mp4")
        let s3Specific = try S3Configuration.resolve(
            bucket: "bucket", prefix: "", endpoint: nil, region: "us-west-2", profile: nil,
            environment: environment.merging(["AWS_ENDPOINT_URL_S3": "https://minio.local"]) { $1 })
        #expect(s3Specific.endpoint?.absoluteString == "https://minio.local")
        #expect(s3Specific.region == "us-west-2")
        let aws = try S3Configuration.resolve(
            bucket: "bucket", prefix: "", endpoint: nil, region: nil, profile: nil,
            environment: ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"])
        #expect(!aws.usesPathStyle)
        #expect(aws.region == "us-east-1")
        #expect(aws.url(fullKey: "x.mp4")?.absoluteString == "https://bucket.s3.us-east-1.amazonaws.com/x.mp4")
    }
}
