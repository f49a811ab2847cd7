import Foundation
import JSON
import PluginAPI

/// The item-level values `${item.path}`, `${item.name}`, `${item.stem}`, `${out}` and
/// `${in.STAGE}` resolve to.
public struct InterpolationScope: Sendable {
    public var params: [String: JSONValue]
    /// The item's source file, when it descends from a `foreach` match.
    public var itemPath: URL?
    public var itemKey: String
    public var outputDirectory: URL?
    public var inputs: [String: URL]

    public init(
        params: [String: JSONValue], itemPath: URL?, itemKey: String,
        outputDirectory: URL?, inputs: [String: URL]
    ) {
        self.params = params
        self.itemPath = itemPath
        self.itemKey = itemKey
        self.outputDirectory = outputDirectory
        self.inputs = inputs
    }
}

/// Resolves `${…}` references inside the strings of a JSON value.
///
/// References: `${params.X}`, `${item.path}` (the source file, absolute), `${item.name}` (the
/// last component of the item key, `game.mp4`), `${item.stem}` (that name without its
/// extension, `game`), `${out}` (the output directory) and `${in.STAGE}` (an upstream output
/// directory). A string that is exactly one reference takes the referenced value's JSON type
/// (`"${params.batch}"` gives the integer `2`); a reference inside longer text is written as
/// text (strings as they are, other values as canonical JSON). `$${` is a literal `${`.
///
/// ```swift
/// let argv: JSONValue = .array([.string("cp"), .string("${item.path}"), .string("${out}/copy")])
/// let resolved = try Interpolation.resolve(argv, in: scope)
/// ```
public enum Interpolation {
    /// Resolves every reference, and turns `$${` into `${`.
    ///
    /// - Throws: ``StageError`` (`invalid_parameter`) naming a reference the scope cannot resolve
    ///   (validation rejects those before a run, so this is a safeguard).
    public static func resolve(_ value: JSONValue, in scope: InterpolationScope) throws -> JSONValue {
        try map(value) { text in
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

    /// Resolves only `${params.X}` (at load time), leaving item-level references and escapes
    /// for ``resolve(_:in:)`` at run time: substituted text is escaped, so a parameter value
    /// is never read as a template. Unknown parameters and malformed templates are left as they
    /// are (validation reports them).
    static func resolveParams(_ value: JSONValue, params: [String: JSONValue]) -> JSONValue {
        map(value) { text in
            guard case .success(let parts) = InterpolationTemplate.parse(text) else { return .string(text) }
            if parts.count == 1, case .reference(.param(let name)) = parts[0], let value = params[name] {
                return escapeStrings(value)
            }
            return .string(parts.map { part in
                switch part {
                case .literal(let text):
                    return escape(text)
                case .reference(let reference):
                    if case .param(let name) = reference, let value = params[name] { return escape(stringify(value)) }
                    return "${\(reference.text)}"
                }
            }.joined())
        }
    }

    /// Whether any string in `value` holds a run-time reference (`${item.…}`, `${out}`, `${in.…}`).
    static func hasItemLevelReferences(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text):
            guard case .success(let parts) = InterpolationTemplate.parse(text) else { return false }
            return parts.contains { if case .reference(let reference) = $0 { reference.isItemLevel } else { false } }
        case .array(let elements): return elements.contains(where: hasItemLevelReferences)
        case .object(let members): return members.values.contains(where: hasItemLevelReferences)
        default: return false
        }
    }

    /// Makes `text` survive ``resolve(_:in:)`` unchanged.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "${", with: "$${")
    }

    private static func escapeStrings(_ value: JSONValue) -> JSONValue {
        map(value) { .string(escape($0)) }
    }

    static func stringify(_ value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return CanonicalJSON.string(value)
    }

    private static func map(
        _ value: JSONValue, _ transform: (String) throws -> JSONValue
    ) rethrows -> JSONValue {
        switch value {
        case .string(let text): try transform(text)
        case .array(let elements): .array(try elements.map { try map($0, transform) })
        case .object(let members): .object(try members.mapValues { try map($0, transform) })
        default: value
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
        case .param(let name):
            guard let value = params[name] else { throw unresolved(reference, "no such pipeline parameter") }
            return value
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
