import ContentHash
import Foundation
import JSON
import PluginAPI

/// The parts of an item's cache key. The key is the SHA-256 of their canonical JSON.
///
/// Every field is kept in the database next to the key, so `orchestrate why` can say
/// which one changed, with old and new values.
public struct CacheKeyFields: Sendable, Hashable {
    public var plugin: String
    public var version: String
    /// Resolved `with:` values, defaults filled in; item-level references (`${out}`, …) unresolved.
    public var params: [String: JSONValue]
    public var item: String
    /// Upstream output digests by `STAGE/KEY`: early cut-off comes from these.
    public var inputs: [String: String]
    /// Content digests of the item's source files by source key.
    public var sources: [String: String]
    /// Content digests of `file`-typed parameters by parameter name.
    public var files: [String: String]
    /// ``Stage/externalStateDigest(_:context:)`` when the stage has one.
    public var external: String?

    public init(
        plugin: String, version: String, params: [String: JSONValue], item: String,
        inputs: [String: String], sources: [String: String], files: [String: String], external: String?
    ) {
        self.plugin = plugin
        self.version = version
        self.params = params
        self.item = item
        self.inputs = inputs
        self.sources = sources
        self.files = files
        self.external = external
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "plugin": .string(plugin), "version": .string(version), "params": .object(params),
            "item": .string(item),
            "inputs": .object(inputs.mapValues(JSONValue.string)),
            "sources": .object(sources.mapValues(JSONValue.string)),
            "files": .object(files.mapValues(JSONValue.string)),
        ]
        if let external { object["external"] = .string(external) }
        return .object(object)
    }

    public init(json: JSONValue) throws {
        guard let object = json.objectValue,
              let plugin = object["plugin"]?.stringValue, let version = object["version"]?.stringValue,
              let item = object["item"]?.stringValue
        else { throw CacheError("malformed cache key fields", code: .database) }
        func strings(_ name: String) -> [String: String] {
            (object[name]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
        self.init(
            plugin: plugin, version: version, params: object["params"]?.objectValue ?? [:], item: item,
            inputs: strings("inputs"), sources: strings("sources"), files: strings("files"),
            external: object["external"]?.stringValue
        )
    }

    /// The fields as a cache row stores them (``canonicalJSON``), or nil when the text cannot be
    /// read: a row written by a newer schema counts as "no previous key".
    init?(storedJSON text: String?) {
        guard let text, let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              let fields = try? CacheKeyFields(json: json) else { return nil }
        self = fields
    }

    /// ``json`` in canonical form. Written field by field, in the bytewise key order that
    /// ``CanonicalJSON`` sorts into, because a no-op run computes it for every item: the same
    /// bytes as `CanonicalJSON.string(json)` without building and sorting that value first.
    public var canonicalJSON: String {
        var out = "{"
        out.reserveCapacity(512)
        if let external {
            out += "\"external\":"
            CanonicalJSON.writeString(external, into: &out)
            out += ","
        }
        out += "\"files\":"
        CanonicalJSON.write(files, into: &out)
        out += ",\"inputs\":"
        CanonicalJSON.write(inputs, into: &out)
        out += ",\"item\":"
        CanonicalJSON.writeString(item, into: &out)
        out += ",\"params\":"
        CanonicalJSON.write(.object(params), into: &out)
        out += ",\"plugin\":"
        CanonicalJSON.writeString(plugin, into: &out)
        out += ",\"sources\":"
        CanonicalJSON.write(sources, into: &out)
        out += ",\"version\":"
        CanonicalJSON.writeString(version, into: &out)
        out += "}"
        return out
    }

    /// The cache key: lowercase hex SHA-256 of ``canonicalJSON``.
    public var digest: String { ContentHash.sha256(of: Data(canonicalJSON.utf8)) }

    /// Every leaf field as `path → value`, e.g. `params.threshold → 0.4`, for field-by-field diffs.
    public var flattened: [String: String] {
        var out: [String: String] = ["plugin": plugin, "version": version, "item": item]
        for (name, value) in params { flatten(value, prefix: "params.\(name)", into: &out) }
        for (key, digest) in inputs { out["inputs.\(key)"] = digest }
        for (key, digest) in sources { out["sources.\(key)"] = digest }
        for (name, digest) in files { out["files.\(name)"] = digest }
        if let external { out["external"] = external }
        return out
    }

    private func flatten(_ value: JSONValue, prefix: String, into out: inout [String: String]) {
        if case .object(let object) = value, !object.isEmpty {
            for (key, element) in object { flatten(element, prefix: "\(prefix).\(key)", into: &out) }
        } else {
            out[prefix] = CanonicalJSON.string(value)
        }
    }

    /// The fields that differ from `old`, sorted by path; a missing side is `nil`.
    public func changes(since old: CacheKeyFields) -> [FieldChange] {
        let new = flattened, previous = old.flattened
        return Set(new.keys).union(previous.keys).sorted().compactMap { path in
            new[path] == previous[path] ? nil : FieldChange(path: path, old: previous[path], new: new[path])
        }
    }
}

/// One cache-key field that changed.
public struct FieldChange: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var old: String?
    public var new: String?

    public var description: String { "\(path): \(old ?? "(none)") → \(new ?? "(none)")" }
}
