import Foundation

/// An AWS access key pair, with an optional session token.
///
/// `description` never shows the secret or the token.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(accessKeyID: \(accessKeyID), secret: <redacted>)" }

    /// Finds credentials the way the AWS CLI does, minus instance metadata:
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`(/`AWS_SESSION_TOKEN`) unless a profile is named,
    /// then the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`)
    /// under `profile`, `AWS_PROFILE`, or `default`.
    /// - Throws: ``StorageError`` with code `accessDenied` when none are found (the message
    ///   names where it looked, never a value).
    public static func load(profile: String? = nil, environment: [String: String]) throws -> AWSCredentials {
        if profile == nil, let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
           let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
        let profileName = profile ?? environment["AWS_PROFILE"] ?? "default"
        let file: URL
        if let path = environment["AWS_SHARED_CREDENTIALS_FILE"], !path.isEmpty {
            file = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            file = URL(fileURLWithPath: home).appendingPathComponent(".aws/credentials")
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            // A missing or unreadable file means "no credentials here"; the error below says where we looked.
            throw StorageError(
                .accessDenied,
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '\(profileName)' to \(file.path)")
        }
        let section = parseINI(text)[profileName] ?? [:]
        guard let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw StorageError(.accessDenied, "no AWS credentials for profile '\(profileName)' in \(file.path)")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
    }

    // The credentials file is INI: `[profile]` headers, `key = value` lines, `#`/`;` comments.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst("profile ".count)) }
                current = name
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
