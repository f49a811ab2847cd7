import Yams

/// A key path into a `with:` value as ``ParameterIssue`` writes it,
/// `selection_config.strategies[0].strategy.type`, resolved against the YAML it was read from.
struct ParameterKeyPath {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// The parameter's name: the path's first key.
    let parameter: String
    /// The rest of the path.
    let components: [Component]

    init(_ text: String) {
        var parts: [Component] = []
        var current = ""
        var inIndex = false
        func flushKey() {
            if !current.isEmpty { parts.append(.key(current)) }
            current = ""
        }
        for character in text {
            switch character {
            case "." where !inIndex:
                flushKey()
            case "[" where !inIndex:
                flushKey()
                inIndex = true
            case "]" where inIndex:
                parts.append(Int(current).map(Component.index) ?? .key(current))
                current = ""
                inIndex = false
            default:
                current.append(character)
            }
        }
        flushKey()
        if case .key(let name) = parts.first {
            parameter = name
            components = Array(parts.dropFirst())
        } else {
            parameter = ""
            components = parts
        }
    }

    /// The node the path names under `root` (a parameter's value), or the deepest one on the way
    /// when the file lacks the rest (a missing key is reported at the mapping that lacks it).
    func deepestNode(in root: Node) -> Node {
        var node = root
        for component in components {
            switch (component, node) {
            case (.key(let key), .mapping(let mapping)):
                guard let child = mapping.first(where: { $0.key.string == key })?.value else { return node }
                node = child
            case (.index(let index), .sequence(let sequence)):
                guard sequence.indices.contains(index) else { return node }
                node = sequence[index]
            default:
                return node
            }
        }
        return node
    }
}
