import Foundation
import JSON
import PluginAPI
import Yams

extension ExternalPluginManifest {
    static let keys = ["id", "version", "summary", "argv", "mode", "kind", "parameters"]
    static let parameterKeys = ["name", "type", "default", "minimum", "maximum", "affects_outputs", "flows_along_needs", "doc"]

    /// Reads and checks a `plugin.yaml`.
    ///
    /// - Throws: ``PipelineError`` listing every problem as `file:line:col: message`.
    public static func load(_ fileURL: URL) throws -> ExternalPluginManifest {
        let file = fileURL.relativePath
        let text: String
        do {
            text = try String(contentsOf: fileURL, encoding: .utf8)
        } catch {
            throw PipelineError(diagnostics: [
                Diagnostic(location: SourceLocation(file: file, line: 1, column: 1),
                           message: "cannot read plugin manifest: \(error.localizedDescription)")
            ])
        }
        let root = try YAMLComposer.compose(text, file: file).get()
        var reader = ManifestReader(problems: DiagnosticList(file: file), directory: fileURL.deletingLastPathComponent())
        let manifest = reader.read(root)
        guard reader.problems.diagnostics.isEmpty, let manifest else {
            throw PipelineError(diagnostics: reader.problems.sorted)
        }
        return manifest
    }
}

/// Reads the keys of one `plugin.yaml`.
private struct ManifestReader {
    var problems: DiagnosticList
    let directory: URL

    mutating func read(_ root: Node?) -> ExternalPluginManifest? {
        guard let root, case .mapping(let mapping) = root else {
            problems.error(at: root?.location(in: problems.file) ?? SourceLocation(file: problems.file, line: 1, column: 1),
                           "a plugin manifest must be a mapping with 'id', 'version' and 'argv'")
            return nil
        }
        var id: String?, version: String?, summary = "", argv: [String] = []
        var mode = PluginDescriptor.Mode.map, kind = PluginDescriptor.Kind.pure
        var parameters: [ParameterSpec] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "id":
                let folder = directory.standardizedFileURL.lastPathComponent
                if let text = value.scalarText, PipelineDraftReader.isName(text) {
                    id = text
                    if text != folder { problems.error(at: value, "plugin id '\(text)' must equal its folder name '\(folder)'") }
                } else {
                    problems.error(at: value, "'id' must be a name of letters, digits, '_', '-' and '.'")
                }
            case "version":
                if let text = value.scalarText, !text.isEmpty { version = text } else { problems.error(at: value, "'version' must be a string") }
            case "summary":
                summary = value.scalarText ?? ""
            case "argv":
                argv = readArgv(value)
            case "mode":
                if let parsed = value.scalarText.flatMap(PluginDescriptor.Mode.init(rawValue:)) { mode = parsed }
                else { problems.error(at: value, "invalid mode \(value.shortDescription); expected 'map' or 'gather'\(NameSuggestion.hint(for: value.scalarText ?? "", in: ["map", "gather"]))") }
            case "kind":
                if let parsed = value.scalarText.flatMap(PluginDescriptor.Kind.init(rawValue:)) { kind = parsed }
                else { problems.error(at: value, "invalid kind \(value.shortDescription); expected 'pure' or 'effect'\(NameSuggestion.hint(for: value.scalarText ?? "", in: ["pure", "effect"]))") }
            case "parameters":
                parameters = readParameters(value)
            default:
                let hint = NameSuggestion.closest(to: key, in: ExternalPluginManifest.keys).map { " (did you mean '\($0)'?)" }
                    ?? "; expected one of \(ExternalPluginManifest.keys.joined(separator: ", "))"
                problems.error(at: keyNode, "unknown key '\(key)'\(hint)")
            }
        }
        for (name, present) in [("id", id != nil), ("version", version != nil), ("argv", !argv.isEmpty)]
        where !present && mapping[name] == nil {
            problems.error(at: root, "missing '\(name)'")
        }
        guard let id, let version, !argv.isEmpty else { return nil }
        return ExternalPluginManifest(
            descriptor: PluginDescriptor(id: id, version: version, summary: summary, mode: mode, kind: kind, parameters: parameters),
            argv: argv, directory: directory.standardizedFileURL
        )
    }

    private mutating func readArgv(_ node: Node) -> [String] {
        guard case .sequence(let sequence) = node, !sequence.isEmpty,
              let argv = Optional(sequence.compactMap(\.scalarText)), argv.count == sequence.count else {
            problems.error(at: node, "'argv' must be a non-empty list of strings")
            return []
        }
        let resolved = argv.map { element in
            element.hasPrefix("./") || element.hasPrefix("../")
                ? directory.appendingPathComponent(element).standardizedFileURL.path : element
        }
        if resolved[0].hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: resolved[0]) {
            problems.error(at: sequence[sequence.startIndex], "argv[0] '\(argv[0])' is not an executable file in '\(directory.lastPathComponent)'")
        }
        return resolved
    }

    private mutating func readParameters(_ node: Node) -> [ParameterSpec] {
        guard case .sequence(let sequence) = node else {
            problems.error(at: node, "'parameters' must be a list of {name, type, default, doc}")
            return []
        }
        var specs: [ParameterSpec] = []
        for entry in sequence {
            guard case .mapping(let mapping) = entry else {
                problems.error(at: entry, "a parameter must be a mapping with 'name' and 'type'")
                continue
            }
            var name: String?, type: ParameterType?, defaultNode: Node?, doc = ""
            var range = ParameterRange(), affectsOutputs = true, flowsAlongNeeds = false
            for (keyNode, value) in mapping {
                switch keyNode.string ?? "" {
                case "name":
                    if let text = value.scalarText, PipelineDraftReader.isName(text) { name = text }
                    else { problems.error(at: value, "invalid parameter name \(value.shortDescription)") }
                case "type":
                    type = readType(value)
                case "default":
                    defaultNode = value
                case "minimum", "maximum":
                    guard let bound = value.jsonValue.doubleValue, bound.isFinite else {
                        problems.error(at: value, "'\(keyNode.string ?? "")' must be a number, got \(value.shortDescription)")
                        continue
                    }
                    if keyNode.string == "minimum" { range.minimum = bound } else { range.maximum = bound }
                case "affects_outputs":
                    if let flag = value.jsonValue.boolValue { affectsOutputs = flag }
                    else { problems.error(at: value, "'affects_outputs' must be true or false, got \(value.shortDescription)") }
                case "flows_along_needs":
                    if let flag = value.jsonValue.boolValue { flowsAlongNeeds = flag }
                    else { problems.error(at: value, "'flows_along_needs' must be true or false, got \(value.shortDescription)") }
                case "doc":
                    doc = value.scalarText ?? ""
                default:
                    let key = keyNode.string ?? ""
                    let hint = NameSuggestion.closest(to: key, in: ExternalPluginManifest.parameterKeys).map { " (did you mean '\($0)'?)" }
                        ?? "; expected one of \(ExternalPluginManifest.parameterKeys.joined(separator: ", "))"
                    problems.error(at: keyNode, "unknown key '\(key)' in parameter\(hint)")
                }
            }
            guard let name else {
                if mapping["name"] == nil { problems.error(at: entry, "parameter has no 'name'") }
                continue
            }
            guard let type else {
                if mapping["type"] == nil { problems.error(at: entry, "parameter '\(name)' has no 'type'") }
                continue
            }
            if specs.contains(where: { $0.name == name }) {
                problems.error(at: entry, "parameter '\(name)' is declared twice")
                continue
            }
            let spec = ParameterSpec(
                name, type, range: range == ParameterRange() ? nil : range, affectsOutputs: affectsOutputs, doc: doc)
            var defaultValue = defaultNode?.jsonValue
            if let defaultNode, let value = defaultValue {
                if let problem = ParameterTypeCheck.problem(value, type) ?? ParameterTypeCheck.rangeProblem(value, spec) {
                    problems.error(at: defaultNode, "default of parameter '\(name)' \(problem)")
                } else if type == .duration {
                    defaultValue = ParameterTypeCheck.seconds(of: value).map(JSONValue.double)
                }
            }
            specs.append(ParameterSpec(
                name, type, default: defaultValue, range: spec.range, affectsOutputs: affectsOutputs,
                flowsAlongNeeds: flowsAlongNeeds, doc: doc))
        }
        return specs
    }

    static let scalarTypes: [String: ParameterType] = [
        "string": .string, "integer": .integer, "number": .number, "boolean": .boolean, "duration": .duration,
        "file": .file, "path": .path, "url": .url, "object": .object, "any": .any,
    ]

    /// `string`, …, `list of T`, or a list of choices `[a, b]`.
    private mutating func readType(_ node: Node) -> ParameterType? {
        if case .sequence(let sequence) = node {
            let choices = sequence.compactMap(\.scalarText)
            if !choices.isEmpty, choices.count == sequence.count { return .oneOf(choices) }
            problems.error(at: node, "a list type must be a non-empty list of strings, such as [fast, slow]")
            return nil
        }
        guard let text = node.scalarText else {
            problems.error(at: node, "invalid type \(node.shortDescription)")
            return nil
        }
        if let type = Self.parseType(text) { return type }
        let names = Array(Self.scalarTypes.keys) + Self.scalarTypes.keys.map { "list of \($0)" }
        problems.error(at: node, "unknown type '\(text)'\(NameSuggestion.closest(to: text, in: names).map { " (did you mean '\($0)'?)" } ?? "; expected one of string, integer, number, boolean, duration, file, path, url, object, any, list of T or [a, b]")")
        return nil
    }

    static func parseType(_ text: String) -> ParameterType? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("list of ") {
            return parseType(String(trimmed.dropFirst("list of ".count))).map(ParameterType.list)
        }
        return scalarTypes[trimmed]
    }
}
