import JSON
import PluginAPI

/// A plugin's declared parameters as the Markdown table that `orchestrate plugins PLUGIN` prints
/// and `docs/stages/*.md` shows: one place renders the contract the engine checks and keys.
public struct ParameterTable: Sendable {
    public var parameters: [ParameterSpec]

    public init(_ parameters: [ParameterSpec]) {
        self.parameters = parameters
    }

    /// The header, the separator and one row per parameter, each line ending in a newline.
    public var markdown: String {
        var lines = ["| name | type | default | cache key | meaning |", "|---|---|---|---|---|"]
        for spec in parameters {
            let cells = ["`\(spec.name)`", Self.type(spec), Self.defaultCell(spec), Self.keyCell(spec), spec.doc]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// `integer ≥ 1`, `number 0–255`, `` `cpu` | `cuda` ``, `list of string`.
    static func type(_ spec: ParameterSpec) -> String {
        let unit = spec.type == .duration ? " s" : ""
        let bounds: String = switch (spec.range?.minimum, spec.range?.maximum) {
        case (let low?, let high?): " \(ParameterRange.format(low))–\(ParameterRange.format(high))\(unit)"
        case (let low?, nil): " ≥ \(ParameterRange.format(low))\(unit)"
        case (nil, let high?): " ≤ \(ParameterRange.format(high))\(unit)"
        case (nil, nil): ""
        }
        return typeName(spec.type) + bounds
    }

    private static func typeName(_ type: ParameterType) -> String {
        switch type {
        case .oneOf(let choices): choices.map { "`\($0)`" }.joined(separator: " | ")
        case .list(let element): "list of \(typeName(element))"
        default: type.description
        }
    }

    /// The default; `upstream's, else …` for a parameter that flows along `needs`.
    private static func defaultCell(_ spec: ParameterSpec) -> String {
        let value = spec.defaultValue.map { $0 == .null ? "none" : "`\(render($0))`" } ?? "required"
        return spec.flowsAlongNeeds ? "upstream's, else \(value)" : value
    }

    private static func keyCell(_ spec: ParameterSpec) -> String {
        guard spec.affectsOutputs else { return "no" }
        return spec.type == .file ? "content" : "yes"
    }

    /// A value as YAML would read it back: strings bare, everything else as canonical JSON.
    public static func render(_ value: JSONValue) -> String {
        if let text = value.stringValue { return text.isEmpty ? "\"\"" : text }
        return CanonicalJSON.string(value)
    }
}
