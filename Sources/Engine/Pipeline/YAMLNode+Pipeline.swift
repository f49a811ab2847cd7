import JSON
import PluginAPI
import Yams

// Reading Yams' composed node tree: locations for messages, and JSON values for `with:`.
extension Node {
    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// The node as JSON: plain scalars by their resolved YAML type, quoted ones as strings.
    var jsonValue: JSONValue {
        switch self {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: tag.rawValue) {
            case .null: return .null
            case .bool: return bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return int.map(JSONValue.int) ?? .string(scalar.string)
            case .float: return float.map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping { members[key.string ?? "\(key)"] = value.jsonValue }
            return .object(members)
        case .sequence(let sequence):
            return .array(sequence.map(\.jsonValue))
        case .alias:
            // `compose` replaces aliases by the nodes they name, so none reach here.
            return .null
        }
    }

    /// The text of a scalar, `nil` for mappings and sequences.
    var scalarText: String? {
        if case .scalar(let scalar) = self { scalar.string } else { nil }
    }

    /// How a value reads in a message: `'text'` for scalars, else its shape.
    var shortDescription: String {
        switch self {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// The problems found so far in one file.
struct DiagnosticList {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func error(at node: Node, _ message: String) {
        error(at: node.location(in: file), message)
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location: location, message: message))
    }

    mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    /// The problems in file order (line, then column); ties keep the order they were found in.
    var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let (la, lb) = (a.element.location, b.element.location)
            if la.line != lb.line { return la.line < lb.line }
            if la.column != lb.column { return la.column < lb.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Parses YAML text into a node tree, turning libyaml's errors into diagnostics.
enum YAMLComposer {
    static func compose(_ text: String, file: String) -> Result<Node?, PipelineError> {
        do {
            return .success(try Yams.compose(yaml: text))
        } catch let error as YamlError {
            return .failure(PipelineError(diagnostics: [diagnostic(for: error, text: text, file: file)]))
        } catch {
            return .failure(PipelineError(diagnostics: [
                Diagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "invalid YAML: \(error)")
            ]))
        }
    }

    private static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
        func at(_ line: Int, _ column: Int, _ message: String) -> Diagnostic {
            Diagnostic(location: SourceLocation(file: file, line: line, column: column), message: message)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            if let tab = firstTab(in: lines, from: mark.line) {
                return at(tab.line, tab.column, "tabs are not allowed in YAML indentation; indent with spaces")
            }
            return at(mark.line, mark.column, "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // libyaml marks the mapping; point at the key's second occurrence, the one to remove or rename.
            for key in duplicates.sorted() {
                if let second = secondOccurrence(of: key, in: lines, mapping: context.mark) {
                    return at(second.line, second.column, "duplicate key '\(key)' (first at line \(second.firstLine))")
                }
            }
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return at(context.mark.line, context.mark.column, "duplicate key \(keys)")
        default:
            return Diagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "invalid YAML: \(error)")
        }
    }

    /// The first tab in the leading whitespace of a line at or before `line` (1-based): where
    /// libyaml stopped, or the line before it when the tab began a block that failed later.
    private static func firstTab(in lines: [Substring], from line: Int) -> (line: Int, column: Int)? {
        for number in [line, line - 1] where number >= 1 && number <= lines.count {
            let indentation = lines[number - 1].prefix { $0 == " " || $0 == "\t" }
            if let tab = indentation.firstIndex(of: "\t") {
                return (number, indentation.distance(from: indentation.startIndex, to: tab) + 1)
            }
        }
        return nil
    }

    /// The second line, from the block mapping at `mapping` on, where `key:` starts at the
    /// mapping's column; nil for flow mappings and anything this simple scan cannot tell.
    private static func secondOccurrence(of key: String, in lines: [Substring], mapping: Mark)
        -> (line: Int, column: Int, firstLine: Int)?
    {
        let column = mapping.column
        var first: Int?
        for number in mapping.line...max(mapping.line, lines.count) where number <= lines.count {
            let line = lines[number - 1]
            let indentation = line.prefix { $0 == " " }.count
            if indentation + 1 < column, !line.allSatisfy({ $0 == " " }), !line.drop(while: { $0 == " " }).hasPrefix("#") {
                if number > mapping.line { break }  // The mapping ended.
            }
            guard indentation + 1 == column else { continue }
            let content = line.dropFirst(indentation)
            guard ["\(key):", "\"\(key)\":", "'\(key)':"].contains(where: { content.hasPrefix($0) }) else { continue }
            if let first { return (number, column, first) }
            first = number
        }
        return nil
    }
}
