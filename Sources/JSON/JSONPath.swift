/// A path into a JSON value, one object key or array index per step:
/// `strategies[0].strategy.type` is `["strategies", 0, "strategy", "type"]`.
///
/// Problems in structured parameters carry one, so that the engine finds the YAML node they name
/// step by step, without writing the path as text and parsing it back.
///
/// ```swift
/// let path: JSONPath = ["selection_config", "strategies", 0]
/// path.appending("strategy").description  // "selection_config.strategies[0].strategy"
/// ```
public struct JSONPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One step: a member of an object or an element of an array.
    public enum Component: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String)
        case index(Int)

        public init(stringLiteral key: String) { self = .key(key) }
        public init(integerLiteral index: Int) { self = .index(index) }
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public init(arrayLiteral components: Component...) {
        self.components = components
    }

    /// The path one member further.
    public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }

    /// The path one array element further.
    public func appending(index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

    /// The steps of `path` after these.
    public func appending(_ path: JSONPath) -> JSONPath { JSONPath(components + path.components) }

    /// Keys joined by `.`, indices as `[n]`: `selection_config.strategies[0]`; empty for no step.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
