import Foundation

/// Opens datasources from their URLs and the `endpoint`, `region` and `profile` options.
public enum Datasources {
    /// A ``LocalDatasource`` for `file://` URLs and plain paths, an ``S3Datasource`` for `s3://`.
    ///
    /// ```swift
    /// let store = try Datasources.open("s3://lightly/volleyball", endpoint: "http://127.0.0.1:9000",
    ///                                  environment: ProcessInfo.processInfo.environment)
    /// ```
    /// - Throws: ``StorageError`` for a bad URL or endpoint, or missing S3 credentials.
    public static func open(
        _ url: String, relativeTo baseDirectory: URL? = nil, endpoint: String? = nil, region: String? = nil,
        profile: String? = nil, environment: [String: String]
    ) throws -> any BlobStore {
        switch try DatasourceURL(parsing: url, relativeTo: baseDirectory) {
        case .file(let root):
            return LocalDatasource(root: root)
        case .s3(let bucket, let prefix):
            return S3Datasource(configuration: try S3Configuration.resolve(
                bucket: bucket, prefix: prefix, endpoint: endpoint, region: region, profile: profile,
                environment: environment))
        }
    }
}
