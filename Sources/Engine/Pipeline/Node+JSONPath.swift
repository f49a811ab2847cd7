import JSON
import Yams

extension Node {
    /// The node that `steps` name under this one (a parameter's value), or the deepest one on the
    /// way when the file lacks the rest (a missing key is reported at the mapping that lacks it).
    func deepestNode(along steps: some Swift.Sequence<JSONPath.Component>) -> Node {
        var node = self
        for step in steps {
            switch (step, node) {
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
