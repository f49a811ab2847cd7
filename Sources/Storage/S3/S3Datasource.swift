import ContentHash
import Crypto
import Foundation
import Markup

/// A datasource in an S3 bucket under a prefix, on AWS or any S3-compatible server.
///
/// Objects carry their SHA-256 as `x-amz-meta-sha256`, so ``head(_:)`` can tell whether a local
/// file is already there. Files from ``UploadOptions/multipartThreshold`` up are sent in parts;
/// an unfinished multipart upload is invisible until completed, so no partial object is ever listed.
public struct S3Datasource: BlobStore {
    public let configuration: S3Configuration
    let client: S3Client

    public init(configuration: S3Configuration) {
        self.configuration = configuration
        self.client = S3Client(configuration: configuration)
    }

    public var location: DatasourceURL { .s3(bucket: configuration.bucket, prefix: configuration.prefix) }
    private var name: String { location.description }

    @discardableResult
    private func validated(_ key: String) throws -> String { try ObjectKey.validate(key, datasource: name) }

    public func checkAccess() async throws {
        _ = try await client.send("HEAD", key: nil)
    }

    /// Creates the bucket (for tests and first-time set-up); an existing bucket of the caller is fine.
    public func createBucket() async throws {
        let body = configuration.region == "us-east-1" ? nil : Data(
            "<CreateBucketConfiguration><LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        _ = try await client.send("PUT", key: nil, body: body)
    }

    public func list(prefix: String) async throws -> [ObjectInfo] {
        let rootPrefix = configuration.prefix.isEmpty ? "" : configuration.prefix + "/"
        var objects: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", rootPrefix + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await client.send("GET", key: nil, query: query)
            guard let document = S3XMLDocument.parse(response.body, recordElement: "Contents") else {
                throw StorageError(.protocolError, "cannot parse the object listing", datasource: name)
            }
            for record in document.records {
                guard let fullKey = record["Key"], fullKey.hasPrefix(rootPrefix), let size = record["Size"].flatMap(Int64.init)
                else { continue }
                objects.append(ObjectInfo(
                    key: String(fullKey.dropFirst(rootPrefix.count)), size: size,
                    etag: record["ETag"].map(Self.unquote), sha256: nil))
            }
            token = document.first("IsTruncated") == "true" ? document.first("NextContinuationToken") : nil
        } while token != nil
        return objects.sorted { $0.key < $1.key }
    }

    public func head(_ key: String) async throws -> ObjectInfo? {
        let response = try await client.send("HEAD", key: try validated(key), allowNotFound: true)
        if response.status == 404 {
            // A HEAD answer has no body: tell a missing bucket from a missing object with one more request.
            try await checkAccess()
            return nil
        }
        return ObjectInfo(
            key: key, size: response.header("content-length").flatMap(Int64.init) ?? 0,
            etag: response.header("etag").map(Self.unquote), sha256: response.header("x-amz-meta-sha256"))
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> Data {
        var headers: [String: String] = [:]
        if let range {
            if range.isEmpty { return Data() }
            headers["Range"] = "bytes=\(range.lowerBound)-\(range.upperBound - 1)"
        }
        return try await client.send("GET", key: try validated(key), headers: headers).body
    }

    @discardableResult
    public func put(_ key: String, data: Data) async throws -> ObjectInfo {
        let sha256 = FileDigest.sha256(of: data)
        let response = try await client.send(
            "PUT", key: try validated(key),
            headers: ["Content-Type": "application/octet-stream", "x-amz-meta-sha256": sha256], body: data)
        return ObjectInfo(key: key, size: Int64(data.count), etag: response.header("etag").map(Self.unquote), sha256: sha256)
    }

    public func upload(
        _ key: String, file: URL, sha256: String, options: UploadOptions, resume: MultipartUploadState?,
        progress: @Sendable (MultipartUploadState) async throws -> Void
    ) async throws -> UploadResult {
        try validated(key)
        let size = try SourceFile.size(of: file, datasource: name, key: key)
        let result: UploadResult
        if size < options.multipartThreshold {
            let data = try read(file, range: 0..<size, key: key)
            try checkDigest(FileDigest.sha256(of: data), of: file, expected: sha256, key: key)
            result = UploadResult(object: try await put(key, data: data), partsSent: 1, bytesSent: size)
        } else {
            result = try await multipartUpload(key, file: file, size: size, sha256: sha256, options: options,
                                               resume: resume, progress: progress)
        }
        try await verifyStored(key, size: size, sha256: sha256)
        return result
    }

    /// Fails when the bytes read for upload are not the bytes the caller hashed: the file changed
    /// between hashing and reading, and the object would not hold what its digest claims.
    private func checkDigest(_ actual: String, of file: URL, expected: String, key: String) throws {
        guard actual == expected else {
            throw StorageError(.io, "the source file '\(file.path)' changed while uploading (its SHA-256 is now \(actual), not \(expected))",
                               datasource: name, key: key)
        }
    }

    /// Asks the server what it stored: the size and the SHA-256 recorded with the object must be
    /// the source's. (Each request's body is also checked by the server against its signed hash.)
    private func verifyStored(_ key: String, size: Int64, sha256: String) async throws {
        guard let stored = try await head(key) else {
            throw StorageError(.protocolError, "the object is missing right after its upload", datasource: name, key: key)
        }
        guard stored.size == size, stored.sha256 == nil || stored.sha256 == sha256 else {
            throw StorageError(
                .protocolError,
                "the stored object does not match its source: \(stored.size) bytes with SHA-256 \(stored.sha256 ?? "?"), expected \(size) bytes with \(sha256)",
                datasource: name, key: key)
        }
    }

    private func multipartUpload(
        _ key: String, file: URL, size: Int64, sha256: String, options: UploadOptions, resume: MultipartUploadState?,
        progress: @Sendable (MultipartUploadState) async throws -> Void
    ) async throws -> UploadResult {
        var state: MultipartUploadState
        if let resume, resume.key == key, resume.sha256 == sha256, resume.size == size {
            state = resume
        } else {
            state = try await createMultipartUpload(key, size: size, partSize: options.partSize, sha256: sha256)
        }
        var partsSent = 0
        var bytesSent: Int64 = 0
        // Every part is read and hashed, also those a resumed upload sent before, so that the
        // completed object is known to hold the bytes of the file the caller hashed.
        var hasher = SHA256()
        let done = Set(state.parts.map(\.number))
        for number in 1...state.partCount {
            try Task.checkCancellation()
            let lower = Int64(number - 1) * state.partSize
            let data = try read(file, range: lower..<min(lower + state.partSize, size), key: key)
            hasher.update(data: data)
            guard !done.contains(number) else { continue }
            let response: S3Client.Response
            do {
                response = try await client.send(
                    "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", state.uploadID)], body: data)
            } catch let error as StorageError where error.code == .notFound && resume != nil {
                // The recorded upload was aborted or expired on the server: start over once.
                return try await multipartUpload(key, file: file, size: size, sha256: sha256, options: options,
                                                 resume: nil, progress: progress)
            }
            guard let etag = response.header("etag") else {
                throw StorageError(.protocolError, "the server sent no ETag for part \(number)", datasource: name, key: key)
            }
            state.parts.append(.init(number: number, etag: Self.unquote(etag)))
            state.parts.sort { $0.number < $1.number }
            partsSent += 1
            bytesSent += Int64(data.count)
            try await progress(state)
        }
        try checkDigest(ContentHash.hex(hasher.finalize()), of: file, expected: sha256, key: key)
        let object = try await completeMultipartUpload(state)
        return UploadResult(object: object, partsSent: partsSent, bytesSent: bytesSent)
    }

    private func createMultipartUpload(_ key: String, size: Int64, partSize: Int64, sha256: String) async throws
        -> MultipartUploadState
    {
        let response = try await client.send(
            "POST", key: key, query: [("uploads", "")],
            headers: ["Content-Type": "application/octet-stream", "x-amz-meta-sha256": sha256])
        guard let uploadID = S3XMLDocument.parse(response.body)?.first("UploadId") else {
            throw StorageError(.protocolError, "the server did not start a multipart upload", datasource: name, key: key)
        }
        return MultipartUploadState(key: key, uploadID: uploadID, size: size, partSize: partSize, sha256: sha256, parts: [])
    }

    private func completeMultipartUpload(_ state: MultipartUploadState) async throws -> ObjectInfo {
        let parts = state.parts.map {
            "<Part><PartNumber>\($0.number)</PartNumber><ETag>\"\(Markup.escape($0.etag))\"</ETag></Part>"
        }
        let body = Data("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
        let response = try await client.send(
            "POST", key: state.key, query: [("uploadId", state.uploadID)],
            headers: ["Content-Type": "application/xml"], body: body)
        // S3 may answer 200 with an <Error> body when completion fails late.
        let document = S3XMLDocument.parse(response.body)
        if let code = document?.first("Code") {
            throw StorageError(.transient, "completing the multipart upload failed", datasource: name, key: state.key, cause: code)
        }
        let etag = document?.first("ETag").map(Self.unquote)
        return ObjectInfo(key: state.key, size: state.size, etag: etag, sha256: state.sha256)
    }

    /// Aborts an unfinished multipart upload (its parts are deleted on the server).
    public func abortMultipartUpload(_ state: MultipartUploadState) async throws {
        _ = try await client.send("DELETE", key: try validated(state.key), query: [("uploadId", state.uploadID)],
                                  allowNotFound: true)
    }

    public func delete(_ key: String) async throws {
        _ = try await client.send("DELETE", key: try validated(key), allowNotFound: true)
    }

    public func readURL(_ key: String, expiresIn: Int, now: Date) throws -> URL {
        guard (1...SigV4Signer.maximumExpiry).contains(expiresIn) else {
            throw StorageError(.invalidArgument, "a read URL's expiry must be 1 s to 7 days, not \(expiresIn) s",
                               datasource: name, key: key)
        }
        guard let url = configuration.url(fullKey: configuration.fullKey(try validated(key))) else {
            throw StorageError(.invalidArgument, "cannot form a URL", datasource: name, key: key)
        }
        return client.signer.presignedURL(method: "GET", url: url, expires: expiresIn, date: now)
    }

    private func read(_ file: URL, range: Range<Int64>, key: String) throws -> Data {
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }  // Read-only: closing cannot lose data.
            try handle.seek(toOffset: UInt64(range.lowerBound))
            let data = try handle.read(upToCount: Int(range.count)) ?? Data()
            guard data.count == range.count else {
                throw StorageError(.io, "the source file '\(file.path)' changed while uploading", datasource: name, key: key)
            }
            return data
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.io, "cannot read the source file '\(file.path)'", datasource: name, key: key,
                               cause: error.localizedDescription)
        }
    }

    static func unquote(_ etag: String) -> String {
        etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
