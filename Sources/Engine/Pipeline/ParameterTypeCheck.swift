import Foundation
import JSON
import PluginAPI

/// Checks `with:` values against a plugin's declared ``ParameterType``s.
enum ParameterTypeCheck {
    /// What is wrong with `value` for `type` (`expects integer, got 'two'`), or `nil` when it fits.
    static func problem(_ value: JSONValue, _ type: ParameterType) -> String? {
        fits(value, type) ? nil : "expects \(type), got \(describe(value))\(suggestion(value, type))"
    }

    static func fits(_ value: JSONValue, _ type: ParameterType) -> Bool {
        switch type {
        case .any: return true
        case .string, .file, .path: return value.stringValue != nil
        case .integer: if case .int = value { return true } else { return false }
        case .number: return value.doubleValue != nil
        case .boolean: return value.boolValue != nil
        case .duration: return seconds(of: value) != nil
        case .url:
            guard let text = value.stringValue else { return false }
            return !text.contains("://") || text.hasPrefix("file://") || text.hasPrefix("s3://")
        case .oneOf(let choices): return value.stringValue.map(choices.contains) ?? false
        case .list(let element): return value.arrayValue?.allSatisfy { fits($0, element) } ?? false
        case .object: return value.objectValue != nil
        }
    }

    /// What is wrong with a well-typed `value` for the declared range (`must be at least 1, got 0`),
    /// or `nil` when it is within it or the parameter has none. Durations compare in seconds.
    static func rangeProblem(_ value: JSONValue, _ spec: ParameterSpec) -> String? {
        guard let range = spec.range else { return nil }
        let number: Double? = switch spec.type {
        case .duration: seconds(of: value)
        case .integer, .number: value.doubleValue
        default: nil
        }
        guard let number, !range.contains(number) else { return nil }
        let unit = spec.type == .duration ? " seconds" : ""
        return "must be \(range)\(unit), got \(describe(value))"
    }

    /// `values` with every omitted parameter that has a default set to it (durations in seconds):
    /// what a stage's `with:` means. The loader fills them; the planner relies on this same
    /// function for pipelines built in code.
    static func withDefaults(_ values: [String: JSONValue], of descriptor: PluginDescriptor) -> [String: JSONValue] {
        var filled = values
        for spec in descriptor.parameters where filled[spec.name] == nil {
            guard let value = spec.defaultValue else { continue }
            filled[spec.name] = spec.type == .duration ? seconds(of: value).map(JSONValue.double) ?? value : value
        }
        return filled
    }

    /// A duration value in seconds: a number, or text such as `90s`.
    static func seconds(of value: JSONValue) -> Double? {
        if let number = value.doubleValue { return number >= 0 ? number : nil }
        return value.stringValue.flatMap(DurationParser.seconds)
    }

    /// How a value reads in a message.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): "\(bool)"
        case .int(let int): "\(int)"
        case .double(let double): "\(double)"
        case .string(let string): "'\(string)'"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    private static func suggestion(_ value: JSONValue, _ type: ParameterType) -> String {
        guard case .oneOf(let choices) = type, let text = value.stringValue else { return "" }
        return NameSuggestion.hint(for: text, in: choices)
    }
}
