import JSON
import Lightly
import PluginAPI

/// One metadata field: its schema entry and how to place its value in a `metadata` object.
struct MetadataField {
    var entry: MetadataSchemaEntry

    init(_ name: String, path: String, type: MetadataValueDataType) {
        entry = MetadataSchemaEntry(name: name, path: path, defaultValue: Self.defaultValue(for: type), valueDataType: type)
    }

    /// `undefined` for strings (as the tutorial), `false`, or zero.
    static func defaultValue(for type: MetadataValueDataType) -> JSONValue {
        switch type.kind {
        case .string, nil: .string("undefined")
        case .boolean: .bool(false)
        case .integer: .int(0)
        case .number: .double(0)
        }
    }

    /// The static user fields of the `fields` parameter: nested objects become dot-joined
    /// paths; `{value: …, type: …}` (optionally with `name`) sets the type explicitly.
    /// - Throws: ``ParameterIssues`` at the key path of the first bad field (`fields.teams`).
    static func userFields(_ fields: [String: JSONValue]) throws(ParameterIssues) -> [(MetadataField, JSONValue)] {
        var result: [(MetadataField, JSONValue)] = []
        func issue(_ path: String, _ message: String) -> ParameterIssues {
            ParameterIssues([ParameterIssue(location(of: path), message)])
        }
        func visit(_ value: JSONValue, path: String) throws(ParameterIssues) {
            if case .object(let object) = value, let explicitType = object["type"]?.stringValue, let raw = object["value"] {
                let type = MetadataValueDataType(rawValue: explicitType)
                let json = raw
                guard type.kind != nil, type.accepts(json) else {
                    throw issue(path, "\(json) is not a value of type '\(explicitType)'")
                }
                let name = object["name"]?.stringValue ?? path
                result.append((MetadataField(name, path: path, type: type), json))
                return
            }
            let type: MetadataValueDataType
            switch value {
            case .object(let object):
                for key in object.keys.sorted() { try visit(object[key] ?? .null, path: "\(path).\(key)") }
                return
            case .string: type = .categoricalString
            case .bool: type = .categoricalBoolean
            case .int: type = .numericInt
            case .double: type = .numericFloat
            case .null, .array:
                throw issue(path, "a field needs a string, number or boolean value")
            }
            result.append((MetadataField(path, path: path, type: type), value))
        }
        for key in fields.keys.sorted() {
            guard !key.isEmpty, !key.contains("."), key != "lightly" else {
                throw issue(key, "'\(key)' is not a field name (no dots; 'lightly' is reserved)")
            }
            try visit(fields[key] ?? .null, path: key)
        }
        return result
    }

    /// Where the field at a dot-joined path is written in the `fields` parameter: one key per
    /// name between dots (`teams.home` is `fields.teams.home`).
    static func location(of path: String) -> JSONPath {
        JSONPath(["fields"] + path.split(separator: ".", omittingEmptySubsequences: false).map { .key(String($0)) })
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets `value` at a dot-joined path, creating nested objects.
    mutating func set(_ value: JSONValue, atPath path: String) {
        let keys = path.split(separator: ".").map(String.init)
        guard let first = keys.first else { return }
        if keys.count == 1 {
            self[first] = value
            return
        }
        var nested = self[first]?.objectValue ?? [:]
        nested.set(value, atPath: keys.dropFirst().joined(separator: "."))
        self[first] = .object(nested)
    }
}
