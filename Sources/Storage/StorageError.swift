import Foundation

/// A failure of a datasource operation.
///
/// The message names the datasource (its URL without credentials) and the object key.
/// It never holds credentials, signatures or presigned URLs.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A datasource URL, key or option that cannot be used.
        public static let invalidArgument = Code("invalid_argument")
        /// A key that is empty, absolute, or would escape the datasource root.
        public static let invalidKey = Code("invalid_key")
        /// No credentials were found, or the server rejected them.
        public static let accessDenied = Code("access_denied")
        /// The bucket does not exist.
        public static let noSuchBucket = Code("no_such_bucket")
        /// The object does not exist.
        public static let notFound = Code("not_found")
        /// The endpoint could not be reached.
        public static let unreachable = Code("unreachable")
        /// Throttling or a server error that outlasted the retries.
        public static let transient = Code("transient")
        /// A local file could not be read or written.
        public static let io = Code("io")
        /// The server answered something this client does not understand.
        public static let protocolError = Code("protocol_error")
    }

    public var code: Code
    public var message: String
    /// The datasource, as `file:///…` or `s3://bucket/prefix`.
    public var datasource: String?
    /// The object key relative to the datasource root.
    public var key: String?
    /// A description of the underlying failure, already free of secrets.
    public var cause: String?

    public init(_ code: Code, _ message: String, datasource: String? = nil, key: String? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.datasource = datasource
        self.key = key
        self.cause = cause
    }

    /// Whether retrying later may succeed (throttling, server errors, network).
    public var isTransient: Bool { code == .transient || code == .unreachable }

    /// `datasource 's3://b/p', key 'k': message (cause)`. The format may change.
    public var description: String {
        var text = ""
        if let datasource { text += "datasource '\(datasource)'" }
        if let key { text += (text.isEmpty ? "" : ", ") + "key '\(key)'" }
        text += (text.isEmpty ? "" : ": ") + message
        if let cause { text += " (\(cause))" }
        return text
    }
}

extension StorageError: LocalizedError {
    public var errorDescription: String? { description }
}
