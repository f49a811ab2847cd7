import Foundation

/// Where a datasource lives: a local directory or an S3 bucket and prefix.
///
/// Parses `file:///abs/dir`, a plain path (relative to a base directory), or
/// `s3://bucket/prefix`. The prefix never starts or ends with `/`.
public enum DatasourceURL: Sendable, Hashable, CustomStringConvertible {
    case file(URL)
    case s3(bucket: String, prefix: String)

    /// - Parameters:
    ///   - string: the URL as written in the pipeline.
    ///   - baseDirectory: relative plain paths resolve against it.
    /// - Throws: ``StorageError`` with code `invalidArgument`.
    public init(parsing string: String, relativeTo baseDirectory: URL? = nil) throws {
        func invalid(_ why: String) -> StorageError {
            StorageError(.invalidArgument, "invalid datasource URL '\(string)': \(why)")
        }
        if string.hasPrefix("s3://") {
            let rest = string.dropFirst("s3://".count)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let bucket = String(parts.first ?? "")
            guard !bucket.isEmpty else { throw invalid("it names no bucket") }
            guard bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
                  (3...63).contains(bucket.count)
            else { throw invalid("'\(bucket)' is not a valid bucket name") }
            let prefix = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
            if !prefix.isEmpty { try ObjectKey.validate(prefix, datasource: "s3://\(bucket)") }
            self = .s3(bucket: bucket, prefix: prefix)
        } else if string.hasPrefix("file://") {
            guard let url = URL(string: string), url.isFileURL, url.path.hasPrefix("/") else {
                throw invalid("a file URL needs an absolute path, as in file:///data/input")
            }
            self = .file(url.standardizedFileURL)
        } else if string.contains("://") {
            throw invalid("only file:// and s3:// datasources are supported")
        } else if string.isEmpty {
            throw invalid("it is empty")
        } else if string.hasPrefix("/") {
            self = .file(URL(fileURLWithPath: string, isDirectory: true).standardizedFileURL)
        } else {
            let base = baseDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            self = .file(base.appendingPathComponent(string, isDirectory: true).standardizedFileURL)
        }
    }

    /// `file:///dir` or `s3://bucket/prefix`.
    public var description: String {
        switch self {
        case .file(let url): "file://\(url.path)"
        case .s3(let bucket, let prefix): prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
        }
    }

    /// The full datasource URL of one object (`s3://bucket/prefix/key`), as in the Lightly export's
    /// `datasourceUrl`: percent-encoded like the read URL (a space is `%20`), so it parses as a URL.
    public func objectURL(_ key: String) -> String {
        switch self {
        case .file(let url): url.appendingPathComponent(key, isDirectory: false).absoluteString
        case .s3(let bucket, let prefix): "s3://\(bucket)/" + SigV4Signer.encodeKey(prefix.isEmpty ? key : "\(prefix)/\(key)")
        }
    }
}
