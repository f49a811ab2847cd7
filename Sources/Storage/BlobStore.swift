import Foundation

/// One datasource: a flat namespace of objects under a root (a directory or an S3 prefix).
///
/// Keys are relative, `/`-separated, and validated by ``ObjectKey/validate(_:datasource:)``:
/// an implementation rejects a key that would escape its root before touching anything.
/// Writes are all-or-nothing: a reader never sees a partly written object.
///
/// Each implementation has its tests of this contract: `Tests/StorageTests/LocalDatasourceTests.swift`, `S3DatasourceTests.swift`.
public protocol BlobStore: Sendable {
    /// Where this datasource lives (never holds credentials).
    var location: DatasourceURL { get }

    /// Checks that the datasource can be used: the bucket exists and the credentials work,
    /// or the directory exists or can be created.
    /// - Throws: ``StorageError`` (`noSuchBucket`, `accessDenied`, `unreachable`, `io`).
    func checkAccess() async throws

    /// Every object whose key starts with `prefix` (`""` for all), sorted by key.
    func list(prefix: String) async throws -> [ObjectInfo]

    /// The object's size, ETag and recorded SHA-256, or `nil` when there is no such object.
    func head(_ key: String) async throws -> ObjectInfo?

    /// The object's bytes, or those in `range` (byte offsets, end exclusive).
    /// - Throws: ``StorageError`` with code `notFound` when the object does not exist.
    func get(_ key: String, range: Range<Int64>?) async throws -> Data

    /// Stores `data` under `key`, replacing any object there.
    @discardableResult
    func put(_ key: String, data: Data) async throws -> ObjectInfo

    /// Stores the file at `file` under `key`; large files go in parts where the back end has them.
    ///
    /// - Parameters:
    ///   - sha256: the file's SHA-256 (hex), stored with the object so ``head(_:)`` can report it.
    ///   - resume: the state an earlier, interrupted call reported through `progress`: parts it
    ///     lists are not sent again.
    ///   - progress: called after each part is stored, with the state to pass as `resume` after
    ///     a crash. Throwing from it stops the upload and leaves the sent parts in place.
    func upload(
        _ key: String, file: URL, sha256: String, options: UploadOptions, resume: MultipartUploadState?,
        progress: @Sendable (MultipartUploadState) async throws -> Void
    ) async throws -> UploadResult

    /// Removes the object; removing a missing object succeeds.
    func delete(_ key: String) async throws

    /// A URL that reads the object without credentials for `expiresIn` seconds from `now`:
    /// presigned on S3, a `file://` URL locally.
    /// - Important: a presigned URL grants access: never log it.
    func readURL(_ key: String, expiresIn: Int, now: Date) throws -> URL
}

/// What a datasource knows about one object.
public struct ObjectInfo: Sendable, Hashable, Codable {
    public var key: String
    public var size: Int64
    /// The S3 ETag without quotes; `nil` for local files.
    public var etag: String?
    /// The SHA-256 (hex) of the content, when the datasource knows it.
    public var sha256: String?

    public init(key: String, size: Int64, etag: String?, sha256: String?) {
        self.key = key
        self.size = size
        self.etag = etag
        self.sha256 = sha256
    }
}

/// How ``BlobStore/upload(_:file:sha256:options:resume:progress:)`` splits a file.
public struct UploadOptions: Sendable, Hashable {
    /// Files at least this large go in parts (S3 only).
    public var multipartThreshold: Int64
    /// The size of each part but the last. S3 needs at least 5 MiB.
    public var partSize: Int64

    public static let minimumPartSize: Int64 = 5 * 1024 * 1024

    public init(multipartThreshold: Int64 = 16 * 1024 * 1024, partSize: Int64 = 8 * 1024 * 1024) {
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, Self.minimumPartSize)
    }
}

/// The durable state of an unfinished multipart upload: enough to resume it after a crash.
/// Holds no credentials.
public struct MultipartUploadState: Sendable, Hashable, Codable {
    public struct Part: Sendable, Hashable, Codable {
        public var number: Int
        public var etag: String
        public init(number: Int, etag: String) {
            self.number = number
            self.etag = etag
        }
    }

    public var key: String
    public var uploadID: String
    public var size: Int64
    public var partSize: Int64
    /// The SHA-256 of the source file: a changed file never resumes an old upload.
    public var sha256: String
    public var parts: [Part]

    public init(key: String, uploadID: String, size: Int64, partSize: Int64, sha256: String, parts: [Part]) {
        self.key = key
        self.uploadID = uploadID
        self.size = size
        self.partSize = partSize
        self.sha256 = sha256
        self.parts = parts
    }

    public var partCount: Int { Int((size + partSize - 1) / partSize) }
}

/// The outcome of one upload.
public struct UploadResult: Sendable, Hashable {
    public var object: ObjectInfo
    /// Parts (or whole objects) sent by this call; a resumed upload skips recorded parts.
    public var partsSent: Int
    public var bytesSent: Int64

    public init(object: ObjectInfo, partsSent: Int, bytesSent: Int64) {
        self.object = object
        self.partsSent = partsSent
        self.bytesSent = bytesSent
    }
}
