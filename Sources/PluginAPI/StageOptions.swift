/// A stage's parameters as one typed struct: each stored property an ``Option``, or a nested
/// `StageOptions` whose parameters it shares (the datasource parameters). The stage derives its
/// ``PluginDescriptor/parameters`` from it and reads its values back typed:
///
/// ```swift
/// public var descriptor: PluginDescriptor {
///     PluginDescriptor(id: "decode", version: "1", summary: "…", mode: .map, parameters: Options.specs)
/// }
/// public func run(_ item: StageItem, context: any StageContext) async throws {
///     let options = try Options(context.parameters)
///     … options.every …
/// }
/// ```
public protocol StageOptions: Sendable {
    /// The declaration: every option at its default (a required one without a value).
    init()
}

extension StageOptions {
    /// Every declared parameter, in declaration order.
    public static var specs: [ParameterSpec] { Self().declarations.map(\.spec) }

    /// The options with the values of `parameters`: type-checked and defaulted by validation,
    /// `file`s resolved by the engine.
    /// - Throws: ``StageError`` (`invalid_parameter`) naming a parameter that is missing or not of
    ///   its declared type, which validation rules out: stages never see it from the engine.
    public init(_ parameters: Parameters) throws(StageError) {
        let options = OptionReading.$parameters.withValue(parameters) { Self() }
        if let unread = options.declarations.first(where: { !$0.isRead }) {
            let spec = unread.spec
            let given = parameters[spec.name].map { "got \($0.typeName)" } ?? "it is missing"
            let what = spec.type == .file && parameters[spec.name] != nil ? "a file resolved by the engine" : "\(spec.type)"
            throw StageError("parameter '\(spec.name)' must be \(what); \(given)", code: .invalidParameter)
        }
        self = options
    }

    /// The options of this value and of the nested options in it, in declaration order.
    var declarations: [any OptionDeclaration] {
        Mirror(reflecting: self).children.flatMap { child -> [any OptionDeclaration] in
            if let option = child.value as? any OptionDeclaration { return [option] }
            if let nested = child.value as? any StageOptions { return nested.declarations }
            return []
        }
    }
}
