import Foundation

/// A `file` parameter as the engine resolves it, once per run: the absolute URL of the file and
/// the SHA-256 of its bytes. The cache key holds the digest; a stage that identifies the file by
/// content (the detection model cache) takes it from here instead of reading the file again.
public struct ResolvedFile: Sendable, Hashable, Codable {
    public var url: URL
    /// Lowercase hex SHA-256 of the file's bytes.
    public var digest: String

    public init(url: URL, digest: String) {
        self.url = url
        self.digest = digest
    }
}
