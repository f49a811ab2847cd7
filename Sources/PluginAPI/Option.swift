import JSON

/// One parameter of a stage, declared once with its type, default, range and help, and read back
/// as a typed property, in the spirit of swift-argument-parser's `@Option`:
///
/// ```swift
/// struct Options: StageOptions {
///     @Option("every", range: .atLeast(1), doc: "Keep every N-th frame.")
///     var every = 1
///     @Option("model", doc: "The model file.")   // no default: required
///     var model: ResolvedFile
/// }
/// ```
///
/// The property's initial value is the default; a property without one is required. The Swift
/// type gives the ``ParameterType`` (``ParameterValue``: a `Duration` is a duration whose default
/// reads `7d`, not `604800`); `type:` refines it where the same Swift type stands for another
/// (`.url` and `.path` as `String`).
@propertyWrapper
public struct Option<Value: ParameterValue>: Sendable {
    /// What validation, keys and `orchestrate plugins` read.
    public let spec: ParameterSpec
    /// The value read from ``OptionReading/parameters``; `nil` in a declaration, or when reading failed.
    private let value: Value?

    public var wrappedValue: Value {
        guard let value else {
            // Assume a programmer error: options are read through `StageOptions.init(_:)`, which
            // throws when a value is missing, and declarations are only inspected for their specs.
            preconditionFailure("parameter '\(spec.name)' read from a declaration, not from `Options(parameters)`")
        }
        return value
    }

    /// A parameter with a default: the property's initial value.
    public init(
        wrappedValue: Value, _ name: String, type: ParameterType? = nil, range: ParameterRange? = nil,
        affectsOutputs: Bool = true, flowsAlongNeeds: Bool = false, startsFlow: Bool = false, doc: String
    ) {
        spec = ParameterSpec(
            name, type ?? Value.parameterType, default: wrappedValue.parameterValue, range: range,
            affectsOutputs: affectsOutputs, flowsAlongNeeds: flowsAlongNeeds, startsFlow: startsFlow, doc: doc)
        // Omitted (a `Parameters` built without defaults, as in a test), it reads as its default.
        value = OptionReading.parameters.map { $0[name] == nil ? wrappedValue : Value.read($0[name], file: $0.files[name]) }
            ?? wrappedValue
    }

    /// A required parameter: `with:` must give it.
    public init(
        _ name: String, type: ParameterType? = nil, range: ParameterRange? = nil,
        affectsOutputs: Bool = true, flowsAlongNeeds: Bool = false, startsFlow: Bool = false, doc: String
    ) {
        spec = ParameterSpec(
            name, type ?? Value.parameterType, range: range, affectsOutputs: affectsOutputs,
            flowsAlongNeeds: flowsAlongNeeds, startsFlow: startsFlow, doc: doc)
        value = OptionReading.parameters.flatMap { Value.read($0[name], file: $0.files[name]) }
    }
}

/// What ``StageOptions`` sees of an ``Option`` through `Mirror`, whatever its value type.
protocol OptionDeclaration {
    var spec: ParameterSpec { get }
    var isRead: Bool { get }
}

extension Option: OptionDeclaration {
    var isRead: Bool { value != nil }
}

/// The parameters an ``Option`` reads while ``StageOptions/init(_:)`` builds the options; `nil`
/// while a declaration is built for its specs. A task-local, so that the wrappers' plain
/// initialisers (the only ones property-wrapper syntax calls) can see it.
enum OptionReading {
    @TaskLocal static var parameters: Parameters?
}
