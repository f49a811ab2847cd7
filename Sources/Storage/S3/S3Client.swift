import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends signed requests to one bucket, retrying throttling, 5xx and network errors with back-off,
/// and turns failures into ``StorageError``s that name the datasource and key but no secrets.
struct S3Client: Sendable {
    let configuration: S3Configuration
    let session: URLSession
    let datasource: String

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    // One session for every client: a URLSession holds connections and threads until it is
    // invalidated, and datasources are opened per item.
    private static let sharedSession: URLSession = {
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = 60
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.urlCache = nil
        return URLSession(configuration: sessionConfiguration)
    }()

    init(configuration: S3Configuration) {
        self.configuration = configuration
        self.session = Self.sharedSession
        self.datasource = DatasourceURL.s3(bucket: configuration.bucket, prefix: configuration.prefix).description
    }

    var signer: SigV4Signer { SigV4Signer(credentials: configuration.credentials, region: configuration.region) }

    /// Sends one request. `key` is the datasource key (for messages and the URL), nil for the bucket.
    /// Answers with status 404 are returned, not thrown, when `allowNotFound` is set.
    func send(
        _ method: String, key: String?, query: [(String, String)] = [], headers: [String: String] = [:],
        body: Data? = nil, allowNotFound: Bool = false
    ) async throws -> Response {
        let queryText = SigV4Signer.encodeQuery(query)
        guard let url = configuration.url(fullKey: key.map(configuration.fullKey), query: queryText) else {
            throw StorageError(.invalidArgument, "cannot form a request URL", datasource: datasource, key: key)
        }
        let payloadHash = body.map(SigV4Signer.payloadHash) ?? SigV4Signer.emptyPayloadHash
        var attempt = 0
        while true {
            attempt += 1
            var request = URLRequest(url: url)
            request.httpMethod = method
            let signed = signer.signedHeaders(method: method, url: url, headers: headers, payloadHash: payloadHash, date: Date())
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            for (name, value) in signed { request.setValue(value, forHTTPHeaderField: name) }
            if let body {
                request.httpBody = body
                // libcurl would otherwise wait for a 100-continue before sending large bodies.
                request.setValue("", forHTTPHeaderField: "Expect")
            }
            let failure: StorageError
            do {
                let (data, urlResponse) = try await session.data(for: request)
                guard let http = urlResponse as? HTTPURLResponse else {
                    throw StorageError(.protocolError, "the endpoint did not answer over HTTP", datasource: datasource, key: key)
                }
                var responseHeaders: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { responseHeaders[name.lowercased()] = value }
                }
                let response = Response(status: http.statusCode, headers: responseHeaders, body: data)
                if (200..<300).contains(response.status) || (allowNotFound && response.status == 404) {
                    return response
                }
                failure = error(for: response, method: method, key: key)
            } catch let error as StorageError {
                failure = error
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as URLError where error.code == .cancelled {
                throw CancellationError()
            } catch {
                // A URLError's description holds the URL, which may carry a signature: keep only the code.
                let reason = (error as? URLError).map { "URL error \($0.code.rawValue)" } ?? "\(type(of: error))"
                failure = StorageError(
                    .unreachable, "cannot reach the endpoint \(configuration.endpoint?.absoluteString ?? "of AWS S3")",
                    datasource: datasource, key: key, cause: reason)
            }
            guard failure.isTransient, attempt < configuration.maxAttempts else { throw failure }
            // Exponential back-off with jitter: 0.2 s, 0.4 s, 0.8 s … (±25 %).
            let delay = 0.2 * pow(2, Double(attempt - 1)) * Double.random(in: 0.75...1.25)
            try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
    }

    private func error(for response: Response, method: String, key: String?) -> StorageError {
        let document = S3XMLDocument.parse(response.body)
        let code = document?.first("Code")
        let serverMessage = document?.first("Message")
        func make(_ errorCode: StorageError.Code, _ message: String) -> StorageError {
            let cause = ["HTTP \(response.status)", code, serverMessage].compactMap { $0 }.joined(separator: ": ")
            return StorageError(errorCode, message, datasource: datasource, key: key, cause: cause)
        }
        switch (response.status, code) {
        case (_, "NoSuchBucket"):
            return make(.noSuchBucket, "the bucket '\(configuration.bucket)' does not exist")
        case (_, "NoSuchKey"):
            return make(.notFound, "no such object")
        case (_, "NoSuchUpload"):
            return make(.notFound, "the multipart upload no longer exists")
        case (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"), (_, "AccessDenied"), (_, "ExpiredToken"),
            (_, "InvalidToken"), (403, _), (401, _):
            return make(.accessDenied, "access denied: check the credentials and the bucket's permissions")
        case (404, nil) where key == nil:
            return make(.noSuchBucket, "the bucket '\(configuration.bucket)' does not exist")
        case (404, _):
            return make(.notFound, "no such object")
        case (429, _), (500..<600, _), (_, "SlowDown"), (_, "RequestTimeout"):
            return make(.transient, "the server is busy or failing (\(method))")
        default:
            return make(.protocolError, "the request failed (\(method))")
        }
    }
}
