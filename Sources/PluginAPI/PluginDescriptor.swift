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

/// One declared parameter of a plugin's `with:` block: everything the engine checks before a run,
/// keys, and prints (`orchestrate plugins STAGE`).
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    /// The value used when `with:` omits the parameter; `nil` makes it required.
    public var defaultValue: JSONValue?
    /// Inclusive bounds of an `integer`, `number` or `duration` (in seconds).
    public var range: ParameterRange?
    /// Whether the value can change the stage's outputs. A tuning knob (`threads`, `replicas`)
    /// declares `false` and stays out of the cache key: changing it re-runs nothing.
    public var affectsOutputs: Bool
    /// Whether the value names state that stages share along `needs` (a datasource, the prediction
    /// task): omitted, it is taken from the nearest upstream stage that declares it (given there or
    /// itself taken from upstream), else the default; given, it must agree with upstream's.
    /// The engine checks and fills this when the pipeline loads (docs/pipeline.md).
    public var flowsAlongNeeds: Bool
    /// With ``flowsAlongNeeds``: the value names what the stage itself writes (`convert`'s `task`),
    /// so a given value needs no agreement with upstream's: it starts a new flow for the stages
    /// below (round 2's `convert-2` writing a task of its own). Omitted, it still comes from upstream.
    public var startsFlow: Bool
    public var doc: String

    public init(
        _ name: String, _ type: ParameterType, default defaultValue: JSONValue? = nil, range: ParameterRange? = nil,
        affectsOutputs: Bool = true, flowsAlongNeeds: Bool = false, startsFlow: Bool = false, doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.range = range
        self.affectsOutputs = affectsOutputs
        self.flowsAlongNeeds = flowsAlongNeeds
        self.startsFlow = startsFlow
        self.doc = doc
    }

    public var isRequired: Bool { defaultValue == nil }
}

/// Inclusive bounds of a numeric parameter; either side may be open.
public struct ParameterRange: Sendable, Hashable, CustomStringConvertible {
    public var minimum: Double?
    public var maximum: Double?

    public init(minimum: Double? = nil, maximum: Double? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public static func atLeast(_ minimum: Double) -> ParameterRange { ParameterRange(minimum: minimum) }
    public static func within(_ bounds: ClosedRange<Double>) -> ParameterRange {
        ParameterRange(minimum: bounds.lowerBound, maximum: bounds.upperBound)
    }

    /// Whether `value` is finite and within the bounds.
    public func contains(_ value: Double) -> Bool {
        value.isFinite && minimum.map { value >= $0 } ?? true && maximum.map { value <= $0 } ?? true
    }

    /// `at least 1`, `at most 9`, `within 0...255`.
    public var description: String {
        switch (minimum, maximum) {
        case (let low?, let high?): "within \(Self.format(low))...\(Self.format(high))"
        case (let low?, nil): "at least \(Self.format(low))"
        case (nil, let high?): "at most \(Self.format(high))"
        case (nil, nil): "a finite number"
        }
    }

    /// `1` for whole numbers, `0.5` otherwise.
    public static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
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
