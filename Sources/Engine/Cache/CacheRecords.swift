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

/// A committed cache entry.
public struct CacheEntry: Sendable {
    public var cacheKey: String
    public var item: ItemID
    public var plugin: String
    public var version: String
    /// The key's fields as stored; decoded only when asked for (`cache ls` lists thousands).
    var fieldsJSON: String?
    public var fields: CacheKeyFields? { CacheKeyFields(storedJSON: fieldsJSON) }
    public var outputDigest: String
    public var runID: String
    public var createdAt: Date
    public var lastHitAt: Date
    public var outputs: [OutputFile]
    public var receipts: [JSONValue]

    public var size: Int64 { outputs.reduce(0) { $0 + $1.size } }

    init(_ record: EntryRecord, outputs: [OutputFile], receipts: [JSONValue]) {
        cacheKey = record.cacheKey
        item = record.item
        plugin = record.plugin
        version = record.version
        fieldsJSON = record.fields
        outputDigest = record.outputDigest
        runID = record.runID
        createdAt = record.createdAt
        lastHitAt = record.lastHitAt
        self.outputs = outputs
        self.receipts = receipts
    }
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
