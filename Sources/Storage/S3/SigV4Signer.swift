import ContentHash
import Crypto
import Foundation

/// Signs S3 requests with AWS Signature Version 4 (header and query-string forms).
///
/// ```swift
/// let signer = SigV4Signer(credentials: creds, region: "us-east-1")
/// let headers = signer.signedHeaders(method: "GET", url: url, headers: [:], payloadHash: SigV4Signer.emptyPayloadHash, date: Date())
/// let link = signer.presignedURL(method: "GET", url: url, expires: 3600, date: Date())
/// ```
///
/// The URL's path must already be percent-encoded the way S3 expects (see ``SigV4Signer/encodeKey(_:)``):
/// S3 signs the path as sent, without encoding it twice.
public struct SigV4Signer: Sendable {
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// S3's limit for presigned URLs: seven days.
    public static let maximumExpiry = 604_800

    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to a request: `Authorization`, `x-amz-date`, `x-amz-content-sha256`
    /// and, with a session token, `x-amz-security-token`. `headers` are the request's own
    /// headers to sign as well (for example `Range` or `Content-Type`); `host` is added from the URL.
    public func signedHeaders(
        method: String, url: URL, headers: [String: String], payloadHash: String, date: Date
    ) -> [String: String] {
        let stamp = Self.timestamp(date)
        var toSign: [String: String] = [:]
        for (name, value) in headers { toSign[name.lowercased()] = value }
        toSign["host"] = Self.hostHeader(url)
        toSign["x-amz-date"] = stamp
        toSign["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { toSign["x-amz-security-token"] = token }

        let names = toSign.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(Self.normalizedHeaderValue(toSign[$0] ?? ""))\n" }.joined()
        let signedNames = names.joined(separator: ";")
        let canonicalRequest = [
            method, Self.canonicalPath(url), Self.canonicalQuery(url), canonicalHeaders, signedNames, payloadHash,
        ].joined(separator: "\n")
        let scope = self.scope(stamp)
        let signature = self.signature(canonicalRequest: canonicalRequest, stamp: stamp, scope: scope)

        var result = toSign.filter { $0.key != "host" }
        result["authorization"] =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope),SignedHeaders=\(signedNames),Signature=\(signature)"
        return result
    }

    /// A presigned URL for `method` on `url`, valid for `expires` seconds from `date`.
    /// - Important: the result grants access: never log it or put it in an error message.
    public func presignedURL(method: String, url: URL, expires: Int, date: Date) -> URL {
        let stamp = Self.timestamp(date)
        var query = Self.queryItems(url)
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"))
        query.append(("X-Amz-Date", stamp))
        query.append(("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        query.append(("X-Amz-SignedHeaders", "host"))
        let canonicalQuery = Self.encodeQuery(query)
        let canonicalRequest = [
            method, Self.canonicalPath(url), canonicalQuery, "host:\(Self.hostHeader(url))\n", "host",
            Self.unsignedPayload,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonicalRequest, stamp: stamp, scope: scope(stamp))
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.percentEncodedQuery = canonicalQuery + "&X-Amz-Signature=" + signature
        // `components` came from a valid URL and we only replaced its query with encoded ASCII.
        return components?.url ?? url
    }

    /// Checks a URL made by ``presignedURL(method:url:expires:date:)`` with these credentials:
    /// the signature matches and `now` lies within its validity.
    /// - Throws: ``StorageError`` with code `accessDenied` saying which check failed.
    public func verifyPresignedURL(_ url: URL, method: String = "GET", now: Date) throws {
        let items = Self.queryItems(url)
        func value(_ name: String) -> String? { items.first { $0.0 == name }?.1 }
        guard let stamp = value("X-Amz-Date"), let expiresText = value("X-Amz-Expires"),
              let expires = Int(expiresText), let signature = value("X-Amz-Signature"),
              let date = Self.parseTimestamp(stamp)
        else { throw StorageError(.accessDenied, "the URL is not a presigned URL") }
        var unsignedComponents = URLComponents(url: url, resolvingAgainstBaseURL: false)
        unsignedComponents?.percentEncodedQuery = Self.encodeQuery(items.filter { !$0.0.hasPrefix("X-Amz-") })
        if unsignedComponents?.percentEncodedQuery == "" { unsignedComponents?.percentEncodedQuery = nil }
        guard let unsigned = unsignedComponents?.url else { throw StorageError(.accessDenied, "the URL is malformed") }
        let expected = presignedURL(method: method, url: unsigned, expires: expires, date: date)
        guard Self.queryItems(expected).first(where: { $0.0 == "X-Amz-Signature" })?.1 == signature else {
            throw StorageError(.accessDenied, "the presigned URL's signature does not match")
        }
        guard now >= date.addingTimeInterval(-900), now <= date.addingTimeInterval(TimeInterval(expires)) else {
            throw StorageError(.accessDenied, "the presigned URL has expired")
        }
    }

    // MARK: - Derivation

    private func scope(_ stamp: String) -> String {
        "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signature(canonicalRequest: String, stamp: String, scope: String) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256", stamp, scope, ContentHash.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(stamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return ContentHash.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    // MARK: - Canonical forms

    /// Lower-case hex SHA-256 of `data`: the `x-amz-content-sha256` of a payload.
    public static func payloadHash(_ data: Data) -> String { ContentHash.sha256(of: data) }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }

    static func parseTimestamp(_ stamp: String) -> Date? {
        let digits = Array(stamp.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: digits[range], as: UTF8.self)) }
        var components = DateComponents()
        components.year = number(0..<4)
        components.month = number(4..<6)
        components.day = number(6..<8)
        components.hour = number(9..<11)
        components.minute = number(11..<13)
        components.second = number(13..<15)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: components)
    }

    /// Percent-encodes an object key for a URL path: RFC 3986 unreserved characters and `/` stay.
    public static func encodeKey(_ key: String) -> String { encode(key, keepSlash: true) }

    static func encode(_ text: String, keepSlash: Bool) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        let isDefault = (url.scheme == "http" && port == 80) || (url.scheme == "https" && port == 443)
        return isDefault ? host : "\(host):\(port)"
    }

    static func canonicalPath(_ url: URL) -> String {
        let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        return path.isEmpty ? "/" : path
    }

    static func queryItems(_ url: URL) -> [(String, String)] {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery,
              !query.isEmpty
        else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    static func encodeQuery(_ items: [(String, String)]) -> String {
        items.map { (encode($0.0, keepSlash: false), encode($0.1, keepSlash: false)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    static func canonicalQuery(_ url: URL) -> String { encodeQuery(queryItems(url)) }

    static func normalizedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
