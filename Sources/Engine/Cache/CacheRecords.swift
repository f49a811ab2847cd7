import ContentHash
import Foundation
import JSON
import PluginAPI

/// One committed output file of an item: its path relative to the item's output directory.
public struct OutputFile: Sendable, Hashable, Codable {
    public var path: String
    public var digest: String
    public var size: Int64

    public init(path: String, digest: String, size: Int64) {
        self.path = path
        self.digest = digest
        self.size = size
    }

    /// The digest of a whole output set: what downstream cache keys depend on (early cut-off).
    public static func manifestDigest(_ files: [OutputFile]) -> String {
        var text = ""
        for file in files.sorted(by: { $0.path < $1.path }) { text += "\(file.path)\t\(file.digest)\n" }
        return ContentHash.sha256(of: Data(text.utf8))
    }
}

/// `STAGE/KEY`: one item of a pipeline.
public struct ItemID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var stage: String
    public var key: String

    public init(stage: String, key: String) {
        self.stage = stage
        self.key = key
    }

    /// Parses `STAGE/KEY`; the key may itself contain `/`.
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        stage = String(text[..<slash])
        key = String(text[text.index(after: slash)...])
        if stage.isEmpty || key.isEmpty { return nil }
    }

    public var description: String { "\(stage)/\(key)" }
    public static func < (a: ItemID, b: ItemID) -> Bool { (a.stage, a.key) < (b.stage, b.key) }
}

/// The last recorded state of an item (`items` table).
public struct ItemRecord: Sendable {
    public enum State: String, Sendable { case done, failed }

    public var id: ItemID
    public var state: State
    /// The cache key of the last attempt or hit.
    public var cacheKey: String
    /// The key's fields as stored (canonical JSON); decoded only when asked for, because a run
    /// reads every item's record and needs the fields only of items whose key changed.
    var fieldsJSON: String?
    /// The key's fields, or `nil` when the stored form cannot be read (a newer schema).
    public var fields: CacheKeyFields? { CacheStore.decodeFields(fieldsJSON) }
    public var error: String?
    public var runID: String
    /// Whether `runID` computed the item (`true`) or reused a cache entry.
    public var ran: Bool
    public var updatedAt: Date
}

/// A committed cache entry.
public struct CacheEntry: Sendable {
    public var cacheKey: String
    public var item: ItemID
    public var plugin: String
    public var version: String
    /// The key's fields as stored; decoded only when asked for (`cache ls` lists thousands).
    var fieldsJSON: String?
    public var fields: CacheKeyFields? { CacheStore.decodeFields(fieldsJSON) }
    public var outputDigest: String
    public var runID: String
    public var createdAt: Date
    public var lastHitAt: Date
    public var outputs: [OutputFile]
    public var receipts: [JSONValue]

    public var size: Int64 { outputs.reduce(0) { $0 + $1.size } }
}

/// One `orchestrate run`, as recorded in `runs`.
public struct RunRecord: Sendable {
    public var id: String
    public var pipeline: String
    public var argv: [String]
    public var pid: Int32
    public var startedAt: Date
    public var finishedAt: Date?
    /// `succeeded`, `failed`, or `nil` while running (or killed).
    public var outcome: String?
    public var ran: Int
    public var cached: Int
    public var failed: Int
}

/// What one successful attempt commits in a single transaction.
public struct ItemCommit: Sendable {
    public var item: ItemID
    public var cacheKey: String
    public var fields: CacheKeyFields
    public var outputs: [OutputFile]
    public var receipts: [JSONValue]
    public var runID: String

    public init(item: ItemID, cacheKey: String, fields: CacheKeyFields, outputs: [OutputFile],
                receipts: [JSONValue], runID: String) {
        self.item = item
        self.cacheKey = cacheKey
        self.fields = fields
        self.outputs = outputs
        self.receipts = receipts
        self.runID = runID
    }

    public var outputDigest: String { OutputFile.manifestDigest(outputs) }
}

/// The committed entries a run plans from, in memory: each cache key's output digest and the
/// objects its outputs are.
public struct EntryIndex: Sendable {
    var digests: [String: String] = [:]
    var objects: [String: [OutputFile]] = [:]

    /// The output digest of the entry `key`, or nil when there is none.
    public subscript(key: String) -> String? { digests[key] }

    /// Records an entry committed during the run (its objects were just ingested).
    mutating func record(_ key: String, outputDigest: String) {
        digests[key] = outputDigest
    }

    /// The first output of entry `key` whose object is missing from `store` or has another size
    /// than committed (a deleted or truncated file); nil when every object is there. A stat per
    /// object: cheap next to trusting a damaged entry and failing downstream.
    func damagedOutput(_ key: String, in store: ObjectStore) -> OutputFile? {
        objects[key]?.first { file in
            var info = stat()
            return stat(store.url(for: file.digest).path, &info) != 0 || Int64(info.st_size) != file.size
        }
    }
}
