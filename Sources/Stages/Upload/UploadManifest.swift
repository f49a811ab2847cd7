import Foundation
import JSON
import PluginAPI

/// `upload.json`: what each datasource holds after the upload. No timestamps, sorted, so an
/// unchanged re-upload commits the same bytes.
struct UploadManifest: Codable, Sendable, Hashable {
    struct Object: Codable, Sendable, Hashable {
        var key: String
        var size: Int64
        /// The S3 ETag; absent for local datasources.
        var etag: String?
        var sha256: String
    }

    struct Datasource: Codable, Sendable, Hashable {
        /// `input` or `lightly`.
        var role: String
        /// `file:///…` or `s3://bucket/prefix` (no endpoint, no credentials).
        var url: String
        var objects: [Object]
    }

    var datasources: [Datasource]

    func write(to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: file, options: .atomic)
    }
}

/// One receipt of `upload`: `{datasource, key, size, etag?, sha256}`. No URLs, no credentials.
struct UploadReceipt: Sendable, Hashable {
    var role: UploadPlan.Role
    var object: UploadManifest.Object

    init(role: UploadPlan.Role, object: UploadManifest.Object) {
        self.role = role
        self.object = object
    }

    init?(_ json: JSONValue) {
        guard let fields = json.objectValue, let role = fields["datasource"]?.stringValue.flatMap(UploadPlan.Role.init),
              let key = fields["key"]?.stringValue, let size = fields["size"]?.intValue,
              let sha256 = fields["sha256"]?.stringValue
        else { return nil }
        self.role = role
        self.object = .init(key: key, size: Int64(size), etag: fields["etag"]?.stringValue, sha256: sha256)
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "datasource": .string(role.rawValue), "key": .string(object.key), "size": .int(Int(object.size)),
            "sha256": .string(object.sha256),
        ]
        if let etag = object.etag { fields["etag"] = .string(etag) }
        return .object(fields)
    }
}
