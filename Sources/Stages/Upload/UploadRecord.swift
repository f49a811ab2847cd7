import Foundation
import PluginAPI
import Storage

/// What one `upload` stage of one pipeline wrote in one datasource, kept in that datasource under
/// `.orchestrate/uploads/<pipeline>/<stage>.<role>.json`, so that a later run can remove what the
/// pipeline no longer produces and nothing else: not objects another tool put there, not objects
/// another pipeline's record claims. Sorted, no timestamps.
struct UploadRecord: Codable, Sendable, Hashable {
    var pipeline: String
    var stage: String
    /// `input` or `lightly`.
    var datasource: String
    /// The keys the stage wrote and its current plan still holds, sorted.
    var keys: [String]

    /// The records' folder in every datasource `upload` writes to.
    static let folder = ".orchestrate/uploads/"

    /// This record's key: pipeline and stage names percent-encoded into one safe segment each.
    var key: String {
        func segment(_ name: String) -> String {
            name.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? name
        }
        return "\(Self.folder)\(segment(pipeline))/\(segment(stage)).\(datasource).json"
    }

    private static let segmentCharacters = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    /// The stored record of `pipeline`/`stage` in `store`, empty when there is none.
    static func load(pipeline: String, stage: String, role: UploadPlan.Role, from store: any BlobStore) async throws -> UploadRecord {
        var record = UploadRecord(pipeline: pipeline, stage: stage, datasource: role.rawValue, keys: [])
        guard try await mapped({ try await store.head(record.key) }) != nil else { return record }
        record.keys = try await read(record.key, from: store).keys
        return record
    }

    /// The keys every other record in `store` claims (other pipelines, other stages, the other role).
    static func keysClaimed(besides own: UploadRecord, in store: any BlobStore) async throws -> Set<String> {
        var claimed = Set<String>()
        for object in try await mapped({ try await store.list(prefix: folder) }) where object.key != own.key && object.key.hasSuffix(".json") {
            claimed.formUnion(try await read(object.key, from: store).keys)
        }
        return claimed
    }

    /// Stores the record (replacing the earlier one in one write).
    func write(to store: any BlobStore) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var sorted = self
        sorted.keys = Array(Set(keys)).sorted()
        let data = try encoder.encode(sorted)
        try await mapped { try await store.put(key, data: data) }
    }

    private static func read(_ key: String, from store: any BlobStore) async throws -> UploadRecord {
        let data = try await mapped { try await store.get(key, range: nil) }
        do { return try JSONDecoder().decode(UploadRecord.self, from: data) } catch {
            // Removing objects on the word of a record that cannot be read would be a guess.
            throw StageError(
                "datasource \(store.location), key '\(key)': not an upload record (\(error)); remove it to let upload write a new one",
                code: .invalidInput)
        }
    }
}
