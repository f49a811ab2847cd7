import Foundation
import JSON
import Lightly
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
        /// The prediction tasks the stage merged into the datasource's `tasks.json` (``TasksIndex``):
        /// its own, whatever other uploads list there; absent without any.
        var tasks: [String]?
    }

    var datasources: [Datasource]

    func write(to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: file, options: .atomic)
    }
}

/// One receipt of `upload`: an object (`{datasource, key, size, etag?, sha256}`), or the tasks the
/// stage needs `tasks.json` to list (`{datasource: lightly, key, tasks}`: the index is shared, so
/// its bytes are not the stage's to check; a receipt of an older build holds its size and digest,
/// and is checked as an object). No URLs, no credentials.
enum UploadReceipt: Sendable, Hashable {
    case object(role: UploadPlan.Role, object: UploadManifest.Object)
    case tasks([String])

    init?(_ json: JSONValue) {
        guard let fields = json.objectValue, let role = fields["datasource"]?.stringValue.flatMap(UploadPlan.Role.init),
              let key = fields["key"]?.stringValue
        else { return nil }
        if let tasks = fields["tasks"]?.arrayValue {
            let names = tasks.compactMap(\.stringValue)
            guard role == .lightly, key == LightlyLayout.tasksFile, names.count == tasks.count else { return nil }
            self = .tasks(names)
            return
        }
        guard let size = fields["size"]?.intValue, let sha256 = fields["sha256"]?.stringValue else { return nil }
        self = .object(role: role, object: .init(key: key, size: Int64(size), etag: fields["etag"]?.stringValue, sha256: sha256))
    }

    var role: UploadPlan.Role {
        switch self {
        case .object(let role, _): role
        case .tasks: .lightly
        }
    }

    var key: String {
        switch self {
        case .object(_, let object): object.key
        case .tasks: LightlyLayout.tasksFile
        }
    }

    var json: JSONValue {
        switch self {
        case .object(let role, let object):
            var fields: [String: JSONValue] = [
                "datasource": .string(role.rawValue), "key": .string(object.key), "size": .int(Int(object.size)),
                "sha256": .string(object.sha256),
            ]
            if let etag = object.etag { fields["etag"] = .string(etag) }
            return .object(fields)
        case .tasks(let tasks):
            return .object([
                "datasource": .string(UploadPlan.Role.lightly.rawValue), "key": .string(LightlyLayout.tasksFile),
                "tasks": .array(tasks.map(JSONValue.string)),
            ])
        }
    }
}
