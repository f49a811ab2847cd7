import Foundation

/// How to reach one S3 datasource: bucket, prefix, endpoint, region, addressing and credentials.
public struct S3Configuration: Sendable {
    public var bucket: String
    public var prefix: String
    /// A custom endpoint (MinIO, Ceph, R2, moto); `nil` for AWS.
    public var endpoint: URL?
    public var region: String
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`.
    public var usesPathStyle: Bool
    public var credentials: AWSCredentials
    /// Attempts per request on throttling, 5xx and network errors.
    public var maxAttempts: Int = 4

    public init(
        bucket: String, prefix: String, endpoint: URL?, region: String, usesPathStyle: Bool,
        credentials: AWSCredentials
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.region = region
        self.usesPathStyle = usesPathStyle
        self.credentials = credentials
    }

    /// Resolves options in this order (docs/storage.md): an endpoint from `endpoint`, else
    /// `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (any endpoint means path-style addressing);
    /// the region from `region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`;
    /// credentials through ``AWSCredentials/load(profile:environment:)``.
    /// - Throws: ``StorageError`` (`invalidArgument`, `accessDenied`).
    public static func resolve(
        bucket: String, prefix: String, endpoint: String?, region: String?, profile: String?,
        environment: [String: String]
    ) throws -> S3Configuration {
        let datasource = DatasourceURL.s3(bucket: bucket, prefix: prefix).description
        let endpointText = [endpoint, environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        var endpointURL: URL?
        if let endpointText {
            guard let url = URL(string: endpointText), let scheme = url.scheme, ["http", "https"].contains(scheme),
                  url.host != nil
            else {
                throw StorageError(.invalidArgument, "invalid endpoint URL '\(endpointText)': use http://host:port or https://host",
                                   datasource: datasource)
            }
            endpointURL = url
        }
        let resolvedRegion = [region, environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
        let credentials: AWSCredentials
        do { credentials = try AWSCredentials.load(profile: profile, environment: environment) } catch var error as StorageError {
            error.datasource = datasource
            throw error
        }
        return S3Configuration(
            bucket: bucket, prefix: prefix, endpoint: endpointURL, region: resolvedRegion,
            usesPathStyle: endpointURL != nil, credentials: credentials)
    }

    /// The full key in the bucket of a datasource key.
    func fullKey(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix)/\(key)" }

    /// The URL of an object (`key` is a full key) or of the bucket (`key` nil), with `query` already encoded.
    func url(fullKey key: String?, query: String? = nil) -> URL? {
        let path = key.map { "/" + SigV4Signer.encodeKey($0) } ?? "/"
        var base: String
        if let endpoint {
            var text = endpoint.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            base = usesPathStyle ? "\(text)/\(bucket)" : text.replacingOccurrences(of: "://", with: "://\(bucket).")
        } else {
            base = usesPathStyle
                ? "https://s3.\(region).amazonaws.com/\(bucket)" : "https://\(bucket).s3.\(region).amazonaws.com"
        }
        var text = base + (usesPathStyle && key == nil ? "" : path)
        if let query, !query.isEmpty { text += "?" + query }
        return URL(string: text)
    }
}
