import Foundation
import JSON
import PluginAPI

/// The item-level values `${item.path}`, `${item.name}`, `${item.stem}`, `${out}` and
/// `${in.STAGE}` resolve to. (`${params.…}` is resolved at load time.)
public struct InterpolationScope: Sendable {
    /// The item's source file, when it descends from a `foreach` match.
    public var itemPath: URL?
    public var itemKey: String
    public var outputDirectory: URL?
    public var inputs: [String: URL]

    public init(itemPath: URL?, itemKey: String, outputDirectory: URL?, inputs: [String: URL]) {
        self.itemPath = itemPath
        self.itemKey = itemKey
        self.outputDirectory = outputDirectory
        self.inputs = inputs
    }
}

/// Where a string sits in a stage's `with:` block: the parameter's name, then keys and indexes.
typealias ValuePath = [JSONPath.Component]

/// Resolves `${…}` references inside the strings of a stage's `with:` block, in two phases.
///
/// References: `${params.X}`, `${item.path}` (the source file, absolute), `${item.name}` (the
/// last component of the item key, `game.mp4`), `${item.stem}` (that name without its
/// extension, `game`), `${out}` (the output directory) and `${in.STAGE}` (an upstream output
/// directory). A string that is exactly one reference takes the referenced value's JSON type
/// (`"${params.batch}"` gives the integer `2`); a reference inside longer text is written as
/// text (strings as they are, other values as canonical JSON). `$${` is a literal `${`.
///
/// At load time ``resolveParams(_:params:)`` substitutes `${params.…}`: a string without
/// item-level references becomes its final text (escapes gone), and one with them stays a
/// *template*, its path recorded; per item, ``resolve(_:templates:in:)`` resolves the templates
/// and nothing else. So an escape lives only inside a template, and a stage reads final values.
///
/// ```swift
/// let loaded = Interpolation.resolveParams(.object(["argv": ["cp", "${item.path}", "${out}/copy"]]), params: [:])
/// let resolved = try Interpolation.resolve(loaded.value, templates: loaded.templates, in: scope)
/// ```
public enum Interpolation {
    /// The load-time phase: `${params.…}` substituted. Strings holding item-level references
    /// (`${item.…}`, `${out}`, `${in.…}`) stay templates (a literal `${` in them written `$${`),
    /// listed in `templates` by path; every other string is final. Unknown parameters and
    /// malformed templates are left as they are (validation reports them).
    static func resolveParams(_ value: JSONValue, params: [String: JSONValue]) -> (value: JSONValue, templates: Set<ValuePath>) {
        var templates: Set<ValuePath> = []
        let resolved = map(value, at: []) { (text: String, path: ValuePath) -> JSONValue in
            guard case .success(let parts) = InterpolationTemplate.parse(text) else { return .string(text) }
            if parts.count == 1, case .reference(.param(let name)) = parts[0], let value = params[name] {
                return value
            }
            let isTemplate = parts.contains(where: \.isItemLevelReference)
            if isTemplate { templates.insert(path) }
            return .string(parts.map { Self.text(of: $0, params: params, inTemplate: isTemplate) }.joined())
        }
        return (resolved, templates)
    }

    /// A part's text after the load: parameters substituted; in a template, literal text escaped
    /// (so that it is never read as a reference) and item-level references kept.
    private static func text(of part: InterpolationTemplate.Part, params: [String: JSONValue], inTemplate: Bool) -> String {
        let literal = { (text: String) in inTemplate ? escape(text) : text }
        switch part {
        case .literal(let text):
            return literal(text)
        case .reference(let reference):
            if case .param(let name) = reference, let value = params[name] { return literal(stringify(value)) }
            return "${\(reference.text)}"
        }
    }

    /// The run-time phase: resolves the templates at `templates` (as
    /// ``resolveParams(_:params:)`` listed them) and leaves every other value as it is.
    ///
    /// - Throws: ``StageError`` (`invalid_parameter`) naming a reference the scope cannot resolve
    ///   (validation rejects those before a run, so this is a safeguard).
    static func resolve(_ value: JSONValue, templates: Set<ValuePath>, in scope: InterpolationScope) throws -> JSONValue {
        guard !templates.isEmpty else { return value }
        return try map(value, at: []) { text, path in
            guard templates.contains(path) else { return .string(text) }
            let parts: [InterpolationTemplate.Part]
            switch InterpolationTemplate.parse(text) {
            case .success(let parsed): parts = parsed
            case .failure(let problem): throw StageError(problem.message, code: .invalidParameter)
            }
            if parts.count == 1, case .reference(let reference) = parts[0] {
                return try scope.value(of: reference)
            }
            return .string(try parts.map { part in
                switch part {
                case .literal(let text): text
                case .reference(let reference): stringify(try scope.value(of: reference))
                }
            }.joined())
        }
    }

    /// The templates of a `with:` block written in code rather than loaded: every string that
    /// holds an item-level reference.
    static func templates(in value: JSONValue) -> Set<ValuePath> {
        resolveParams(value, params: [:]).templates
    }

    /// Makes `text` read as literal text in a template.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "${", with: "$${")
    }

    static func stringify(_ value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return CanonicalJSON.string(value)
    }

    private static func map(
        _ value: JSONValue, at path: ValuePath, _ transform: (String, ValuePath) throws -> JSONValue
    ) rethrows -> JSONValue {
        switch value {
        case .string(let text):
            try transform(text, path)
        case .array(let elements):
            .array(try elements.enumerated().map { try map($1, at: path + [.index($0)], transform) })
        case .object(let members):
            .object(try Dictionary(uniqueKeysWithValues: members.map { ($0, try map($1, at: path + [.key($0)], transform)) }))
        default:
            value
        }
    }
}

/// One `${…}` reference.
enum InterpolationReference: Hashable {
    case param(String)
    case itemPath
    case itemName
    case itemStem
    case out
    case input(String)

    init?(_ text: String) {
        switch text {
        case "item.path": self = .itemPath
        case "item.name": self = .itemName
        case "item.stem": self = .itemStem
        case "out": self = .out
        default:
            if text.hasPrefix("params."), text.count > 7 { self = .param(String(text.dropFirst(7))) }
            else if text.hasPrefix("in."), text.count > 3 { self = .input(String(text.dropFirst(3))) }
            else { return nil }
        }
    }

    var text: String {
        switch self {
        case .param(let name): "params.\(name)"
        case .itemPath: "item.path"
        case .itemName: "item.name"
        case .itemStem: "item.stem"
        case .out: "out"
        case .input(let stage): "in.\(stage)"
        }
    }

    /// Whether the value is known only per item, at run time.
    var isItemLevel: Bool {
        if case .param = self { false } else { true }
    }
}

/// A string split into literal text and references.
struct InterpolationTemplate {
    enum Part: Hashable {
        case literal(String)
        case reference(InterpolationReference)

        var isItemLevelReference: Bool {
            if case .reference(let reference) = self { reference.isItemLevel } else { false }
        }
    }

    struct Problem: Error, Hashable {
        var message: String
    }

    static let expectedReferences = "params.NAME, item.path, item.name, item.stem, out or in.STAGE"

    /// The parts of `text`, or the first problem: an unknown reference or a `${` without `}`.
    static func parse(_ text: String) -> Result<[Part], Problem> {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let rest = text[index...]
            if rest.hasPrefix("$${") {
                literal += "${"
                index = text.index(index, offsetBy: 3)
            } else if rest.hasPrefix("${") {
                let start = text.index(index, offsetBy: 2)
                guard let close = text[start...].firstIndex(of: "}") else {
                    return .failure(Problem(message: "unterminated '${' in '\(text)'"))
                }
                let name = String(text[start..<close])
                guard let reference = InterpolationReference(name) else {
                    return .failure(Problem(
                        message: "unknown reference '${\(name)}'; expected \(expectedReferences)"))
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.reference(reference))
                index = text.index(after: close)
            } else {
                literal.append(text[index])
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return .success(parts)
    }
}

extension InterpolationScope {
    func value(of reference: InterpolationReference) throws -> JSONValue {
        switch reference {
        case .param:
            // Known parameters are substituted at load time; validation rejects the others.
            throw unresolved(reference, "no such pipeline parameter")
        case .itemPath:
            guard let itemPath else { throw unresolved(reference, "the item has no source file") }
            return .string(itemPath.path)
        case .itemName:
            return .string(itemName)
        case .itemStem:
            let name = itemName
            guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return .string(name) }
            return .string(String(name[..<dot]))
        case .out:
            guard let outputDirectory else { throw unresolved(reference, "no output directory") }
            return .string(outputDirectory.path)
        case .input(let stage):
            guard let input = inputs[stage] else { throw unresolved(reference, "no input from stage '\(stage)'") }
            return .string(input.path)
        }
    }

    private var itemName: String {
        itemKey.split(separator: "/").last.map(String.init) ?? itemKey
    }

    private func unresolved(_ reference: InterpolationReference, _ why: String) -> StageError {
        StageError("cannot resolve '${\(reference.text)}' for item '\(itemKey)': \(why)", code: .invalidParameter)
    }
}
