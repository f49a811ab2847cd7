import Foundation
import JSON

/// A built-in stage type. The engine runs `run(_:context:)` once per item, in a fresh
/// staging directory; whatever the stage writes there is committed when it returns.
///
/// Stages must be deterministic for a given cache key and must not write timestamps
/// into their outputs: identical inputs must give identical bytes (early cut-off).
public protocol Stage: Sendable {
    var descriptor: PluginDescriptor { get }

    /// Checks structured settings that the declared types and ranges cannot express (a
    /// `selection_config`, a command line). Called by `validate` and at the start of `run`,
    /// before anything runs, with every declared parameter type-checked and defaulted;
    /// item-level references (`${item.path}`, `${out}`, `${in.STAGE}`) are not resolved yet.
    /// Values that depend on upstream data stay run-time checks.
    func validate(_ parameters: Parameters) -> [ParameterIssue]

    /// Decodes structured settings (a `selection_config`) into the typed value the stage runs
    /// with, once, when the pipeline loads: the engine reports thrown issues as it reports
    /// ``validate(_:)``'s (which it calls afterwards, with the result in
    /// ``Parameters/settings``), and hands the result to every item as ``Parameters/settings``.
    /// Default: `nil`, no settings.
    func decodeSettings(_ parameters: Parameters) throws(ParameterIssues) -> (any Sendable)?

    /// Processes one item. Throw ``StageError`` (or any error) to fail the item.
    func run(_ item: StageItem, context: any StageContext) async throws

    /// Whether the stage reads state outside its declared inputs, so that the engine asks
    /// ``externalStateDigest(_:context:)`` for every key (default `false`: a cache hit then needs
    /// no context at all).
    var readsExternalState: Bool { get }

    /// Extra cache-key material for state the stage reads outside its declared inputs
    /// (a datasource listing, for example). `nil` when the stage has none. Asked only when
    /// ``readsExternalState`` is true.
    func externalStateDigest(_ item: StageItem, context: any StageContext) async throws -> String?

    /// For `effect` stages: checks that the receipts of a committed item still hold
    /// (for example that uploaded objects still exist with the same ETag).
    /// Returning `false` makes the engine run the item again.
    func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool
}

extension Stage {
    public func validate(_ parameters: Parameters) -> [ParameterIssue] { [] }
    public func decodeSettings(_ parameters: Parameters) throws(ParameterIssues) -> (any Sendable)? { nil }
    public var readsExternalState: Bool { false }
    public func externalStateDigest(_ item: StageItem, context: any StageContext) async throws -> String? { nil }
    public func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool { true }
}

/// The unit of work a stage runs on.
public struct StageItem: Sendable, Hashable {
    /// The item key: the path of the `foreach` match relative to the glob's base directory,
    /// inherited by map stages; `all` for gather stages.
    public var key: String
    /// The source files of the `foreach` items this item descends from, by key.
    /// A map item has one; a gather item has all of its upstream stages' sources.
    public var sources: [ItemSource]
    /// Upstream outputs by stage name (read-only). In a map stage: the upstream item's output
    /// directory. In a gather stage: a directory with one sub-directory per upstream item key.
    public var inputs: [String: URL]

    public init(key: String, sources: [ItemSource], inputs: [String: URL]) {
        self.key = key
        self.sources = sources
        self.inputs = inputs
    }

    /// The single source file of a map item, if it has one.
    public var sourcePath: URL? { sources.count == 1 ? sources[0].path : nil }
}

/// A file matched by a stage's `foreach` glob.
public struct ItemSource: Sendable, Hashable {
    public var key: String
    public var path: URL
    /// The engine's memoised digest of the file, when it has one: a stage that needs the file's
    /// SHA-256 uses ``SourceDigest/currentSHA256(of:)`` instead of reading the file again.
    public var digest: SourceDigest?

    public init(key: String, path: URL, digest: SourceDigest? = nil) {
        self.key = key
        self.path = path
        self.digest = digest
    }
}
