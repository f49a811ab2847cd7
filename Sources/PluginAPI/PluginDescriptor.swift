import JSON

/// What the engine knows about a plugin before running it: identity, shape and parameters.
public struct PluginDescriptor: Sendable, Hashable {
    /// How a stage's items relate to its upstream items.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// One item per upstream item (or per `foreach` match), with the upstream item's key.
        case map
        /// One item, key `all`, over all upstream items.
        case gather
    }

    /// Whether a committed item can be trusted from its cache entry alone.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Outputs depend only on the cache key.
        case pure
        /// Touches the outside world (uploads, selection runs): its receipts are verified on resume.
        case effect
    }

    public var id: String
    /// Bump when output semantics change: this invalidates every cache entry of the plugin.
    public var version: String
    public var summary: String
    public var mode: Mode
    public var kind: Kind
    public var parameters: [ParameterSpec]

    public init(
        id: String, version: String, summary: String, mode: Mode, kind: Kind = .pure,
        parameters: [ParameterSpec]
    ) {
        self.id = id
        self.version = version
        self.summary = summary
        self.mode = mode
        self.kind = kind
        self.parameters = parameters
    }
}

/// One declared parameter of a plugin's `with:` block.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    /// The value used when `with:` omits the parameter; `nil` makes it required.
    public var defaultValue: JSONValue?
    public var doc: String

    public init(_ name: String, _ type: ParameterType, default defaultValue: JSONValue? = nil, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }

    public var isRequired: Bool { defaultValue == nil }
}

/// The type a parameter's value must have. Validation checks it before anything runs.
public indirect enum ParameterType: Sendable, Hashable {
    case string
    case integer
    case number
    case boolean
    /// A duration such as `90s` or `20m`; resolved to seconds.
    case duration
    /// A file relative to the pipeline file. Its content digest is part of the cache key.
    case file
    /// A directory or other path relative to the pipeline file; only its text is in the cache key.
    case path
    /// A datasource URL: `file://…`, a plain path, or `s3://bucket/prefix`.
    case url
    case oneOf([String])
    case list(ParameterType)
    /// Any JSON object; the plugin validates its structure (for example `selection_config`).
    case object
    /// Any JSON value.
    case any
}

extension ParameterType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .duration: "duration"
        case .file: "file"
        case .path: "path"
        case .url: "url"
        case .oneOf(let values): values.map { "'\($0)'" }.joined(separator: " | ")
        case .list(let element): "list of \(element)"
        case .object: "object"
        case .any: "any"
        }
    }
}
